"""Support for the background-job fault suite (tests/e2e/test_background.py).

    from background_support import BackgroundCase

BackgroundCase is a RealCodexCase (real_codex_case.py) whose environment runs the real Codex CLI offline against a
Responses API stand-in (ResponsesStub) with a private CODEX_HOME (CodexEnv). It launches background
jobs, finds the processes behind them through /proc (the worker, its native codex app-server, any
process carrying this test's CODEX_HOME), and checks the end of a job: exactly one terminal state,
the row and log kept, no lock file, no process left. tearDown ends leftovers by pid and fails the
test when there were any.
"""

import datetime
import json
import os
import re
import sqlite3
import subprocess
import threading
import time

from codex_env import codex_native
from companion_testlib import BIN, descendants, pid_alive, wait_until
from real_codex_case import RealCodexCase
from responses_stub import _input_text

TERMINAL = ("completed", "failed", "cancelled")
# Log lines written by whoever wins a job's terminal transition: the worker ("Job ended: …"),
# `cancel` ("Cancelled by user." on a line of its own) and a reconciling reader ("… Marked failed."
# or, for a job whose cancel was requested, "… Marked cancelled.").
_WINNER_LINE = re.compile(
    r"^\[[^\]]+\] (Job ended: .*|Cancelled by user\.|.*Marked (failed|cancelled)\.)$")


def is_native_codex(pid):
    try:
        return os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(codex_native())
    except OSError:
        return False


def session_of(pid):
    """The session id of pid (field 6 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[3])


def start_time_of(pid):
    """The start time of pid in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def iso_to_epoch(text):
    """'2026-11-24T04:02:33.444Z' → seconds since the epoch."""
    stamp = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()


# The job table as the first release of the store (schema version 1) created it.
OLDER_SCHEMA = """
CREATE TABLE schema_version(version INTEGER NOT NULL);
INSERT INTO schema_version(version) VALUES (1);
CREATE TABLE jobs(
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, phase TEXT NOT NULL,
  workspace_root TEXT NOT NULL, session_id TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0, pid_start_time INTEGER NOT NULL DEFAULT 0,
  thread_id TEXT NOT NULL DEFAULT '', turn_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, started_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL, completed_at INTEGER NOT NULL DEFAULT 0,
  error_message TEXT NOT NULL DEFAULT '', end_reason TEXT NOT NULL DEFAULT '',
  log_file TEXT NOT NULL, write INTEGER NOT NULL DEFAULT 0, request TEXT, result TEXT,
  rendered TEXT NOT NULL DEFAULT '');
CREATE INDEX jobs_by_status ON jobs(status, updated_at);
CREATE INDEX jobs_by_update ON jobs(updated_at, id);
CREATE TABLE config(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class BackgroundCase(RealCodexCase):
    """The real Codex pointed at a local stand-in, in a workspace that is its own repository."""

    def setUp(self):
        super().setUp()
        # Its own repository, so the workspace root never depends on what lies above it (a stray
        # .git in a parent directory would make that parent the workspace).
        subprocess.run(["git", "init", "-q", self.workspace], check=True, capture_output=True,
                       timeout=30)
        self._tokens = 0

    # Launching -------------------------------------------------------------------------------

    def token(self):
        """A prompt token unique within the test, echoed back by the stand-in."""
        self._tokens += 1
        return f"tok-{self._tokens}-{os.getpid()}"

    def launch(self, marker="", env=None, token=None):
        """Starts `task --background --json`; returns (job id, token)."""
        token = token or self.token()
        out = self.run_cli("task", "--background", "--json", f"Work. ECHO:{token} {marker}".strip(),
                           env=env)
        self.assertEqual(out.returncode, 0, out.stderr)
        launched = json.loads(out.stdout)
        self.assertEqual(launched["status"], "queued")
        return launched["jobId"], token

    def request_for(self, token):
        for entry in list(self.stub.requests):
            if token in _input_text(entry["body"]):
                return entry
        return None

    def wait_turn_under_way(self, job_id, token, timeout=30):
        """Waits until Codex asked the stand-in for this job's turn; returns the job."""
        wait_until(lambda: self.request_for(token), timeout, what=f"the model request of {job_id}")
        job = wait_until(lambda: (lambda j: j if j["turnId"] else None)(self.job(job_id)), timeout,
                         interval=0.05, what=f"the turn id of {job_id}")
        self.assertEqual(job["status"], "running", job)
        return job

    # Reading ---------------------------------------------------------------------------------

    def job(self, job_id, env=None):
        """The job in full, through `status JOB --json` (a reconciling read)."""
        return self.run_json("status", job_id, env=env)["job"]

    def wait_job(self, job_id, timeout_s=30):
        out = self.run_json("status", job_id, "--wait", "--timeout-ms", str(int(timeout_s * 1000)),
                            timeout=timeout_s + 30)
        self.assertFalse(out["waitTimedOut"], f"{job_id} still active: {out['job']}")
        return out["job"]

    def raw_row(self, job_id):
        """The stored row, read without reconciling: (status, end_reason, completed_at)."""
        rows = self.db_rows("SELECT status, end_reason, completed_at FROM jobs WHERE id = ?",
                            (job_id,))
        self.assertEqual(len(rows), 1, f"job {job_id} not stored exactly once: {rows}")
        return rows[0]

    def db_path(self):
        dirs = self.state_dirs()
        self.assertEqual(len(dirs), 1, dirs)
        return os.path.join(dirs[0], "state.db")

    def winner_lines(self, job):
        with open(job["logFile"]) as f:
            return [line for line in f.read().splitlines() if _WINNER_LINE.match(line)]

    def worker_and_app_server(self, job):
        """(worker pid, [native app-server pids]) of a running job."""
        worker = job["pid"]
        self.assertTrue(pid_alive(worker), f"worker {worker} of {job['id']} is not running")
        natives = wait_until(lambda: [p for p in descendants(worker) if is_native_codex(p)], 10,
                             what=f"the app-server of worker {worker}")
        return worker, natives

    # Assertions ------------------------------------------------------------------------------

    def assert_terminal(self, job, status, end_reason):
        """One terminal state with its reason, kept in the store and the log; no lock left."""
        self.assertEqual((job["status"], job["endReason"]), (status, end_reason),
                         f"{job['id']} ended as {job['status']}/{job['endReason']}: "
                         f"{job['errorMessage']}")
        self.assert_settled(job)

    def assert_settled(self, job):
        """A terminal job: completedAt set, the row stored as read, the log kept with exactly
        one winner of the terminal transition, no lock file; a second read agrees."""
        self.assertIn(job["status"], TERMINAL, job)
        self.assertIsNotNone(job["completedAt"])
        self.assertTrue(os.path.isfile(job["logFile"]), job["logFile"])
        self.assertEqual(self.raw_row(job["id"])[:2], (job["status"], job["endReason"]))
        # The winner logs its transition right after making it: a reader can come in between.
        winners = wait_until(lambda: self.winner_lines(job), 5, what="the terminal log line")
        with open(job["logFile"]) as f:
            self.assertEqual(len(winners), 1, f"terminal transitions logged: {winners}\n{f.read()}")
        self.assertEqual(self.lock_files(), [])
        again = self.job(job["id"])
        for field in ("status", "endReason", "completedAt", "errorMessage"):
            self.assertEqual(again[field], job[field], field)

    def assert_gone(self, pids, timeout, what):
        wait_until(lambda: not [p for p in pids if pid_alive(p)], timeout, what=what)

    # Timed runs ------------------------------------------------------------------------------

    def timed_cli(self, *args, env=None, timeout=30):
        """Runs the companion; returns (CompletedProcess, seconds it took)."""
        started = time.monotonic()
        out = self.run_cli(*args, env=env, timeout=timeout)
        return out, time.monotonic() - started

    def run_together(self, argvs, env=None):
        """Starts every argv at once (threads released together); returns the CompletedProcess
        list in order and the seconds each took."""
        results = [None] * len(argvs)
        gate = threading.Barrier(len(argvs))

        def one(i):
            gate.wait()
            started = time.monotonic()
            results[i] = (self.run_cli(*argvs[i], env=env, timeout=60), time.monotonic() - started)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(argvs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        self.assertTrue(all(r is not None for r in results), "a command did not return")
        return [r[0] for r in results], [r[1] for r in results]

    def launch_from_shell(self, prompt):
        """Runs `task --background --json PROMPT` from a shell that leads its own session and
        stays alive; returns (shell Popen, job id) once the launcher has printed the id."""
        script = '"$1" task --background --json "$2"; echo LAUNCHED; exec sleep 60'
        shell = self.spawn(["sh", "-c", script, "sh", BIN, prompt], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = []
        for line in shell.stdout:
            if line.strip() == "LAUNCHED":
                break
            lines.append(line)
        shell.stdout.close()
        return shell, json.loads("".join(lines))["jobId"]

    def logged_job_ids(self):
        """Ids of the jobs that have a log (created right after the job's row)."""
        ids = set()
        for d in self.state_dirs():
            jobs_dir = os.path.join(d, "jobs")
            for name in os.listdir(jobs_dir) if os.path.isdir(jobs_dir) else []:
                if name.endswith(".log"):
                    ids.add(name[:-len(".log")])
        return ids

    def replace_with_older_store(self):
        """Replaces the workspace's (empty) store with one in the first release's schema."""
        path = self.db_path()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        con = sqlite3.connect(path)
        try:
            con.executescript(OLDER_SCHEMA)
            con.commit()
        finally:
            con.close()
        os.chmod(path, 0o600)

    def insert_job(self, job_id, status="running", pid=0, pid_start_time=0, session=""):
        """Stores a job row directly, as an older run that crashed would have left it."""
        jobs_dir = os.path.join(os.path.dirname(self.db_path()), "jobs")
        log_file = os.path.join(jobs_dir, f"{job_id}.log")
        with open(log_file, "a") as f:
            f.write(f"[2026-01-01T00:00:00.000Z] Job {job_id} created (crashed run).\n")
        now = int(time.time() * 1000)
        con = sqlite3.connect(self.db_path(), timeout=30)
        try:
            con.execute(
                "INSERT INTO jobs(id, kind, title, status, phase, workspace_root, session_id, pid, "
                "pid_start_time, created_at, updated_at, log_file) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (job_id, "task", "Crashed task", status, status, os.path.realpath(self.workspace),
                 session, pid, pid_start_time, now - 60000, now - 60000, log_file))
            con.commit()
        finally:
            con.close()
        return os.path.join(jobs_dir, f"{job_id}.lock")


__all__ = ["BIN", "BackgroundCase", "TERMINAL", "descendants", "is_native_codex", "iso_to_epoch",
           "pid_alive", "session_of", "start_time_of", "wait_until"]


class SharedRuntimeCase(BackgroundCase):
    """The shared runtime (the default: the workspace's broker); a broker still running is
    stopped the clean way before the leftover-process check."""

    runtime = None

    def tearDown(self):
        if self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        super().tearDown()

    def broker(self):
        """`broker status --json`'s broker (its ping answer), or None when none runs."""
        out = self.run_json("broker", "status")
        return out.get("broker") if out["running"] else None
