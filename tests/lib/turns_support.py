"""Support for the end-to-end suites that run real Codex turns through codex-companion.

    from turns_support import CodexTurnCase, descendants, processes_with_env

CodexTurnCase is a RealCodexCase (real_codex_case.py): a Responses API stand-in and a private
CODEX_HOME (CodexEnv) per test; its environment runs the real Codex CLI offline. tearDown checks
for, and ends by pid, any process that still carries the test's CODEX_HOME.

Process helpers read /proc: descendants(pid) walks /proc/<pid>/task/*/children, processes_with_env
finds processes by one environment entry, native_codex_among(pids) picks the native codex binary
(not the Node launcher) by its executable.
"""

import json
import os
import subprocess

from codex_env import codex_native
# Re-exported for the suites that import them from here.
from companion_testlib import BIN, descendants, processes_with_env  # noqa: F401
from companion_testlib import children as read_children  # noqa: F401
import responses_stub
from real_codex_case import RealCodexCase

# Findings in an order that is not the severity order, for the renderer's sort.
UNSORTED_FINDINGS = [
    {"severity": "low", "title": "Low finding", "body": "Minor.", "file": "b.txt",
     "line_start": 3, "line_end": 3, "confidence": 0.3, "recommendation": "Maybe later."},
    {"severity": "critical", "title": "Critical finding", "body": "Data loss.", "file": "a.txt",
     "line_start": 1, "line_end": 2, "confidence": 0.9, "recommendation": "Fix now."},
    {"severity": "medium", "title": "Medium finding", "body": "Edge case.", "file": "a.txt",
     "line_start": 5, "line_end": 5, "confidence": 0.5, "recommendation": "Add a check."},
    {"severity": "high", "title": "High finding", "body": "Crash.", "file": "a.txt",
     "line_start": 4, "line_end": 4, "confidence": 0.8, "recommendation": "Guard it."},
]
MULTI_FINDINGS_TOKEN = "MULTI-FINDINGS"  # in a prompt with [[stub:adversarial-json]]


class _MultiFindingsHandler(responses_stub._Handler):
    """The stand-in's handler, except that an adversarial-json request whose prompt holds
    MULTI_FINDINGS_TOKEN is answered with UNSORTED_FINDINGS."""

    def _answer(self, stub, behaviour, arg, body):
        text = responses_stub._input_text(body)
        if behaviour != "adversarial-json" or MULTI_FINDINGS_TOKEN not in text:
            return super()._answer(stub, behaviour, arg, body)
        self.close_connection = True
        sse = responses_stub._Sse(self, stub._next_id())
        sse.start()
        sse.message(0, json.dumps({"verdict": "needs-attention", "summary": "Four findings.",
                                   "findings": UNSORTED_FINDINGS,
                                   "next_steps": ["Fix the critical one."]}))
        sse.completed()
        return None


def exe_of(pid):
    try:
        return os.path.realpath(f"/proc/{pid}/exe")
    except OSError:
        return ""


def native_codex_among(pids):
    """The pids running the native codex binary."""
    native = os.path.realpath(codex_native())
    return [p for p in pids if exe_of(p) == native]


def git(cwd, *args):
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {out.stderr}")
    return out.stdout


def init_repo(path):
    """A git repository on branch main with one commit (README.md)."""
    os.makedirs(path, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "tests@example.invalid")
    git(path, "config", "user.name", "Tests")
    git(path, "config", "commit.gpgsign", "false")
    with open(os.path.join(path, "README.md"), "w") as f:
        f.write("# Demo\n\nFirst line.\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "initial")
    return path


class CodexTurnCase(RealCodexCase):
    """The real Codex against a local stand-in that also answers MULTI-FINDINGS prompts."""

    stub_handler = _MultiFindingsHandler

    def jobs(self):
        """(id, kind, status, end_reason, error_message, thread_id, log_file) of every job."""
        if not self.state_dirs():
            return []
        return self.db_rows("SELECT id, kind, status, end_reason, error_message, thread_id, "
                            "log_file FROM jobs ORDER BY created_at, id")

    def only_job(self):
        rows = self.jobs()
        self.assertEqual(len(rows), 1, f"expected one job, found {rows}")
        return self.job(rows[0][0])

    def job(self, job_id):
        """The job in full, read through `status JOB --json`."""
        return self.run_json("status", job_id)["job"]

    def assert_terminal(self, job, status, end_reason):
        """Exactly one terminal state, the log kept, the lock gone."""
        self.assertEqual((job["status"], job["endReason"]), (status, end_reason),
                         f"job ended as {job['status']}/{job['endReason']}: {job['errorMessage']}")
        self.assertIsNotNone(job["completedAt"])
        self.assertTrue(os.path.isfile(job["logFile"]), job["logFile"])
        self.assertEqual(self.lock_files(), [])

    def spawn_cli(self, *args, env=None, cwd=None):
        """Starts the companion in its own session, stdout and stderr piped; returns the Popen."""
        return self.spawn([BIN, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
