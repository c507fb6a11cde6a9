"""The queue with a concurrency limit (`config set max-parallel N`) and the notify command, with
faults: killed workers and launchers, cancels of waiting jobs, promoters racing, hanging and
failing notify commands. Codex is the scriptable fake app-server in its multi mode: a prompt with
[[fake:hang]] hangs until interrupted, any other completes at once."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from companion_testlib import (BIN, TIME_SCALE, pid_alive, processes_with_env,  # noqa: E402
                               read_text, wait_until)
from fake_codex_case import FakeCodexCase  # noqa: E402

HANG = "[[fake:hang]]"


class QueueCase(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.env["FAKE_APP_SERVER_MODE"] = "multi"

    def set_limit(self, n):
        proc = self.run_cli("config", "set", "max-parallel", str(n))
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def background(self, prompt):
        return self.run_json("task", "--background", prompt)

    def job(self, job_id):
        return self.run_json("status", job_id)["job"]

    def stored(self, job_id):
        """The row as stored, without a read that reconciles or promotes."""
        rows = self.db_rows("SELECT status, pid, started_at, completed_at, end_reason FROM jobs "
                            "WHERE id = ?", (job_id,))
        self.assertEqual(len(rows), 1)
        status, pid, started, completed, reason = rows[0]
        return {"status": status, "pid": pid, "started": started, "completed": completed,
                "reason": reason}

    def wait_terminal(self, job_id, timeout=30):
        return wait_until(
            lambda: (lambda j: j if j["status"] in ("completed", "failed", "cancelled") else None)(
                self.job(job_id)),
            timeout, interval=0.1, what=f"{job_id} to end")

    def wait_running(self, job_id, timeout=30):
        return wait_until(lambda: (lambda j: j if j["status"] == "running" and j["pid"] else None)(
            self.job(job_id)), timeout, interval=0.05, what=f"{job_id} to run")

    def cancel_all(self, ids):
        for job_id in ids:
            self.run_cli("cancel", job_id)


class QueueTest(QueueCase):
    def test_limit_one_five_jobs_drain_in_order_after_the_running_worker_is_killed(self):
        self.set_limit(1)
        first = self.background(HANG + " first")
        self.assertNotIn("queuePosition", first)
        rest = [self.background(f"job {i}") for i in range(2, 6)]
        self.assertEqual([j["queuePosition"] for j in rest], [1, 2, 3, 4])
        running = self.wait_running(first["jobId"])
        report = self.run_json("status")
        self.assertEqual(report["config"]["maxParallel"], 1)
        self.assertEqual(report["queued"], 4)
        positions = {j["id"]: j.get("queuePosition") for j in report["running"]}
        for i, job in enumerate(rest):
            self.assertEqual(positions[job["jobId"]], i + 1)
        text = self.run_cli("status", rest[1]["jobId"]).stdout
        self.assertIn("Queue position: 2", text)
        # Nothing else started while the first holds the only slot.
        for job in rest:
            self.assertEqual(self.stored(job["jobId"])["status"], "queued")

        os.kill(running["pid"], signal.SIGKILL)
        dead = self.wait_terminal(first["jobId"])  # a reconciling read notices and promotes
        self.assertEqual(dead["endReason"], "worker-died")
        ends = [self.wait_terminal(j["jobId"]) for j in rest]
        self.assertEqual([j["status"] for j in ends], ["completed"] * 4)
        rows = [self.stored(j["jobId"]) for j in rest]
        for before, after in zip(rows, rows[1:]):
            # In created order, one at a time: each starts only after the one before it ended.
            self.assertGreaterEqual(after["started"], before["completed"])
        self.assertEqual(self.lock_files(), [])

    def test_a_queued_job_whose_launcher_is_killed_still_starts(self):
        self.set_limit(1)
        blocker = self.background(HANG + " blocker")
        self.wait_running(blocker["jobId"])
        launcher = self.spawn([BIN, "task", "--background", "--json", "after the kill"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = wait_until(lambda: self.db_rows(
            "SELECT id FROM jobs WHERE status = 'queued' AND pid = 0"), 10, what="the queued row")
        launcher.kill()
        launcher.wait(timeout=10)
        queued_id = rows[0][0]
        waiting = self.job(queued_id)  # a reconciling read: ownerless, but waiting, not dead
        self.assertEqual(waiting["status"], "queued")
        self.assertEqual(waiting["queuePosition"], 1)
        self.assertEqual(self.run_json("cancel", blocker["jobId"])["status"], "cancelled")
        done = self.wait_terminal(queued_id)
        self.assertEqual(done["status"], "completed", done)
        self.assertIn("after the kill", done.get("summary", "") + json.dumps(done))

    def test_cancelling_a_queued_job_never_starts_it(self):
        self.set_limit(1)
        blocker = self.background(HANG + " blocker")
        self.wait_running(blocker["jobId"])
        queued = self.background("never run me")
        out = self.run_json("cancel", queued["jobId"])
        self.assertEqual(out["status"], "cancelled")
        self.assertFalse(out["turnInterruptAttempted"])
        self.run_json("cancel", blocker["jobId"])
        # The slot is free now; a read that would promote anything waiting finds nothing.
        self.run_json("status")
        row = self.stored(queued["jobId"])
        self.assertEqual((row["status"], row["started"], row["reason"]), ("cancelled", 0, "cancelled"))
        self.assertNotIn("never run me", " ".join(self.turn_texts()))
        self.assertNotIn("worker pid", read_text(self.job(queued["jobId"])["logFile"]))

    def test_two_processes_promoting_at_once_start_each_job_exactly_once(self):
        self.set_limit(1)
        blocker = self.background(HANG + " blocker")
        self.wait_running(blocker["jobId"])
        ids = [self.background(f"{HANG} racer {i}")["jobId"] for i in range(6)]
        # Raise the limit behind the CLI's back, then let several readers promote at once.
        self.db_write("INSERT OR REPLACE INTO config(key, value) VALUES ('max-parallel', '5')")
        readers = [self.spawn([BIN, "status", "--json"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(4)]
        for r in readers:
            self.assertEqual(r.wait(timeout=30), 0)
        started = wait_until(lambda: (lambda rows: rows if len(rows) == 4 else None)(
            self.db_rows("SELECT id FROM jobs WHERE status = 'running' AND id != ?",
                         (blocker["jobId"],))), 20, what="four more running")
        self.assertEqual(sorted(r[0] for r in started), sorted(ids[:4]))
        self.assertEqual(self.stored(ids[4])["status"], "queued")
        self.assertEqual(self.stored(ids[5])["status"], "queued")
        for job_id in ids[:4]:
            log = read_text(self.job(job_id)["logFile"])
            self.assertEqual(log.count("worker pid"), 1, log)
        wait_until(lambda: len(self.turn_texts()) >= 5, 20, what="five turns")
        texts = self.turn_texts()
        for i in range(4):
            self.assertEqual(sum(f"racer {i}" in t for t in texts), 1, texts)
        self.cancel_all(ids + [blocker["jobId"]])
        for job_id in ids:
            job = self.wait_terminal(job_id)
            self.assertEqual(job["status"], "cancelled", read_text(job["logFile"]))


class QueuePauseTest(QueueCase):
    """`queue pause|resume`: a held queue starts nothing (waiting jobs stay queued, whoever reads
    or finishes), running jobs go on, the hold outlives every process, and `resume` starts what
    waits."""

    def reads_start_nothing(self, ids):
        """Several reconciling reads (each would promote a waiting job) leave `ids` waiting."""
        for _ in range(3):
            self.run_json("status")
            for job_id in ids:
                self.assertEqual(self.stored(job_id)["pid"], 0)
                self.assertEqual(self.stored(job_id)["status"], "queued")

    def test_queue_pause_holds_waiting_jobs_while_a_killed_worker_frees_its_slot(self):
        running = self.background(HANG + " already running")
        worker = self.wait_running(running["jobId"])
        paused = self.run_json("queue", "pause")
        self.assertEqual((paused["paused"], paused["changed"]), (True, True))
        self.assertIsNotNone(paused["pausedAt"])
        again = self.run_json("queue", "pause")
        self.assertEqual((again["changed"], again["pausedAt"]), (False, paused["pausedAt"]))
        held = [self.background(f"held {i}") for i in range(2)]
        self.assertEqual([j["queuePosition"] for j in held], [1, 2])
        self.assertIn("paused since", held[0]["queueHold"])
        self.reads_start_nothing([j["jobId"] for j in held])
        # The running job goes on; its worker dying frees a slot, which still starts nothing.
        self.assertEqual(self.job(running["jobId"])["status"], "running")
        os.kill(worker["pid"], signal.SIGKILL)
        self.assertEqual(self.wait_terminal(running["jobId"])["endReason"], "worker-died")
        self.reads_start_nothing([j["jobId"] for j in held])
        report = self.run_json("status")
        self.assertEqual(report["queue"]["paused"], True)
        self.assertEqual(report["queue"]["waiting"], 2)
        self.assertIn("Queue held: paused since", self.run_cli("status").stdout)
        self.assertIn("the queue is paused since",
                      self.run_cli("status", held[0]["jobId"]).stdout)

        resumed = self.run_json("queue", "resume")
        self.assertEqual((resumed["paused"], resumed["changed"], resumed["hold"]),
                         (False, True, None))
        ends = [self.wait_terminal(j["jobId"]) for j in held]
        self.assertEqual([j["status"] for j in ends], ["completed"] * 2)
        self.assertEqual(self.lock_files(), [])

    def test_queue_pause_is_not_lifted_by_a_finishing_worker(self):
        self.set_limit(1)
        first = self.background(HANG + " first")
        self.wait_running(first["jobId"])
        waiting = self.background("second")
        self.assertEqual(self.run_json("queue", "pause")["paused"], True)
        # The finisher (cancel, then the worker's own end) would promote the next job.
        self.assertEqual(self.run_json("cancel", first["jobId"])["status"], "cancelled")
        self.reads_start_nothing([waiting["jobId"]])
        self.assertEqual(self.run_json("queue")["waiting"], 1)
        # `resume` itself starts what waits (its settle), before any other command reads.
        self.assertEqual(self.run_json("queue", "resume")["waiting"], 0)
        self.assertEqual(self.wait_terminal(waiting["jobId"])["status"], "completed")

    def test_queue_takes_only_pause_resume_or_show(self):
        for words in (["stop"], ["pause", "now"]):
            proc = self.run_cli("queue", *words)
            self.assertEqual(proc.returncode, 1)
            self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
            self.assertIn("queue takes pause, resume or show", proc.stderr)
        self.assertEqual(self.run_json("queue")["paused"], False)


class NotifyTest(QueueCase):
    def test_notify_gets_the_job_json_and_a_hanging_one_does_not_delay_the_end(self):
        seen = os.path.join(self.tmp, "notified.json")
        cmd = f"cat > {seen}; sleep 60"
        self.assertEqual(self.run_cli("config", "set", "notify", cmd).returncode, 0)
        started = time.monotonic()
        job = self.background("notify me")
        done = self.wait_terminal(job["jobId"], timeout=20)
        self.assertEqual(done["status"], "completed")
        self.assertLess(time.monotonic() - started, 9)  # not held up by the 60 s command
        payload = wait_until(lambda: os.path.exists(seen) and read_text(seen).strip(), 10,
                             what="the notify input")
        got = json.loads(payload)
        self.assertEqual((got["id"], got["status"]), (job["jobId"], "completed"))
        # Bounded: killed after its time limit, and that is in the job's log.
        wait_until(lambda: "Notify command failed (timed out" in read_text(done["logFile"]), 20,
                   interval=0.2, what="the notify timeout in the log")

    def test_a_failing_notify_is_logged_and_not_fatal(self):
        self.assertEqual(self.run_cli("config", "set", "notify",
                                      "sh -c 'echo broken >&2; exit 3'").returncode, 0)
        job = self.background("fail the notify")
        done = self.wait_terminal(job["jobId"])
        self.assertEqual(done["status"], "completed")
        log = wait_until(lambda: (lambda t: t if "Notify command" in t else None)(
            read_text(done["logFile"])), 15, interval=0.1, what="the notify line")
        self.assertIn("Notify command failed (exit code 3): broken", log)


class NotifyEveryEndTest(QueueCase):
    """The notify command runs once for every background job however it ended: ended by its
    worker, found dead by a reader, cancelled while waiting. (It used to run only when the worker
    itself recorded the end.)"""

    def setUp(self):
        super().setUp()
        self.marker = f"notify-{os.getpid()}-{time.monotonic_ns()}"
        self.env["COMPANION_NOTIFY_TEST_MARK"] = self.marker
        self.notified = os.path.join(self.tmp, "notified")
        os.makedirs(self.notified)
        # One file per run of the command, renamed into place whole (notifiers run at once).
        cmd = f'cat > {self.notified}/.$$ && mv {self.notified}/.$$ {self.notified}/$$.json'
        self.assertEqual(self.run_cli("config", "set", "notify", cmd).returncode, 0)

    def notifications(self):
        return [json.loads(read_text(os.path.join(self.notified, name)))
                for name in sorted(os.listdir(self.notified)) if name.endswith(".json")]

    def settle(self):
        """Waits until no process of this test is left (workers, app-servers, notifiers): every
        notification that could happen has happened."""
        wait_until(lambda: not processes_with_env("COMPANION_NOTIFY_TEST_MARK", self.marker),
                   30 * TIME_SCALE, interval=0.05, what="every process of the test to exit")

    def test_a_job_whose_worker_was_killed_is_notified_once(self):
        job = self.background(HANG + " then die")
        running = self.wait_running(job["jobId"])
        os.kill(running["pid"], signal.SIGKILL)
        # Several readers race to record the end; one wins and notifies.
        readers = [self.spawn([BIN, "status", "--json"], cwd=self.workspace, env=self.env,
                              stdout=subprocess.DEVNULL) for _ in range(4)]
        for reader in readers:
            reader.wait(timeout=30)
        ended = self.wait_terminal(job["jobId"])
        self.assertEqual((ended["status"], ended["endReason"]), ("failed", "worker-died"))
        wait_until(self.notifications, 15 * TIME_SCALE, what="the notification")
        self.settle()
        got = self.notifications()
        self.assertEqual([(n["id"], n["status"], n["endReason"]) for n in got],
                         [(job["jobId"], "failed", "worker-died")])
        self.assertIn("Notify command ran.", read_text(ended["logFile"]))

    def test_a_job_cancelled_while_waiting_is_notified_once(self):
        self.set_limit(1)
        blocker = self.background(HANG + " blocker")
        self.wait_running(blocker["jobId"])
        waiting = self.background("never started")
        self.assertEqual(self.job(waiting["jobId"])["status"], "queued")
        self.assertEqual(self.run_cli("cancel", waiting["jobId"]).returncode, 0)
        self.assertEqual(self.run_cli("cancel", blocker["jobId"]).returncode, 0)
        self.wait_terminal(blocker["jobId"])
        self.settle()
        got = sorted((n["id"], n["status"]) for n in self.notifications())
        self.assertEqual(got, sorted([(waiting["jobId"], "cancelled"),
                                      (blocker["jobId"], "cancelled")]))

    def test_a_completed_job_is_notified_once_and_a_foreground_one_never(self):
        job = self.background("done soon")
        self.wait_terminal(job["jobId"])
        self.assertEqual(self.run_cli("task", "in the foreground").returncode, 0)
        self.settle()
        self.assertEqual([(n["id"], n["status"]) for n in self.notifications()],
                         [(job["jobId"], "completed")])


    def test_a_job_whose_workspace_was_deleted_is_notified(self):
        # The notifier needs nothing from the workspace: not its store, not its directory.
        job = self.background(HANG + " in a doomed workspace")
        self.wait_running(job["jobId"])
        log_file = self.job(job["jobId"])["logFile"]
        shutil.rmtree(self.workspace)
        wait_until(self.notifications, 20 * TIME_SCALE, what="the notification")
        self.settle()
        got = self.notifications()
        self.assertEqual([(n["id"], n["status"], n["endReason"]) for n in got],
                         [(job["jobId"], "failed", "workspace-gone")])
        self.assertIn("Notify command ran.", read_text(log_file))

    def test_jobs_pruned_before_their_notifier_runs_are_still_notified(self):
        # Each job's notify command waits for a gate the test opens only once the jobs were
        # pruned, so they are notified after retention removed them. Unread results are kept
        # beyond CODEX_COMPANION_KEEP_JOBS: each is read (`status JOB --json`) before the next
        # one ends and prunes it.
        gate = os.path.join(self.tmp, "gate")
        cmd = (f'while [ ! -e {gate} ]; do sleep 0.05; done; '
               f'cat > {self.notified}/.$$ && mv {self.notified}/.$$ {self.notified}/$$.json')
        self.assertEqual(self.run_cli("config", "set", "notify", cmd).returncode, 0)
        env = {"CODEX_COMPANION_KEEP_JOBS": "1"}
        ids = []
        for i in range(3):
            ids.append(self.run_json("task", "--background", f"quick {i}", env=env)["jobId"])
            self.assertEqual(self.wait_terminal(ids[-1])["status"], "completed")  # read now
        for job_id in ids[:2]:
            gone = self.run_cli("status", job_id, env=env)
            self.assertEqual(gone.returncode, 1)
            self.assertIn(f"{job_id} was removed by retention", gone.stderr)
        self.assertEqual(self.notifications(), [])  # none has run its command yet
        with open(gate, "w"):
            pass
        wait_until(lambda: len(self.notifications()) == len(ids), 20 * TIME_SCALE,
                   what="every notification")
        self.settle()
        got = sorted((n["id"], n["status"], n["endReason"]) for n in self.notifications())
        self.assertEqual(got, sorted((job_id, "completed", "completed") for job_id in ids))

    def test_a_binary_replaced_while_the_job_ran_still_notifies(self):
        # A plugin update renames a new binary over the one a worker runs.
        copy = os.path.join(self.tmp, "bin", "codex-companion")
        os.makedirs(os.path.dirname(copy))
        shutil.copy2(BIN, copy)
        out = subprocess.run([copy, "task", "--background", "--json", HANG + " during an update"],
                             cwd=self.workspace, env=self.env, capture_output=True, text=True,
                             timeout=30)
        job_id = json.loads(out.stdout)["jobId"]
        self.wait_running(job_id)
        shutil.copy2(BIN, copy + ".new")
        os.replace(copy + ".new", copy)
        self.assertEqual(self.run_cli("cancel", job_id).returncode, 0)
        wait_until(self.notifications, 20 * TIME_SCALE, what="the notification")
        self.settle()
        self.assertEqual([(n["id"], n["status"]) for n in self.notifications()],
                         [(job_id, "cancelled")])

    def test_notify_job_started_by_hand_runs_nothing(self):
        job = self.background("done")
        self.wait_terminal(job["jobId"])
        self.settle()
        before = len(self.notifications())
        proc = self.run_cli("notify-job", "--job-id", job["jobId"])
        self.assert_one_line_error(proc, "CODEX_COMPANION_NOTIFY_COMMAND")
        self.assertEqual(len(self.notifications()), before)


class ConfigTest(QueueCase):
    def test_get_set_unset_and_bad_values(self):
        got = self.run_json("config", "get", "max-parallel")
        self.assertEqual(got["settings"]["max-parallel"]["value"], 4)
        self.assertTrue(got["settings"]["max-parallel"]["isDefault"])
        self.set_limit(2)
        got = self.run_json("config", "get")
        self.assertEqual(got["settings"]["max-parallel"]["value"], 2)
        self.assertIsNone(got["settings"]["notify"]["value"])
        self.assertEqual(self.run_cli("config", "unset", "max-parallel").returncode, 0)
        self.assertEqual(self.run_json("config", "get", "max-parallel")["settings"]["max-parallel"]
                         ["value"], 4)
        for args, fragment in [
            (("config", "set", "max-parallel", "0"), "from 1 to 64"),
            (("config", "set", "max-parallel", "lots"), "from 1 to 64"),
            (("config", "set", "max-parallel", "1", "2"), "takes one value"),
            (("config", "set", "maxParallel", "2"), "unknown setting"),
            (("config", "set", "notify", " "), "notify needs a command"),
            (("config", "set", "max-parallel"), "needs a key and a value"),
            (("config", "frob"), "config takes get"),
            (("config", "unset"), "needs one key"),
        ]:
            self.assert_one_line_error(self.run_cli(*args), fragment)
        self.assertEqual(self.run_json("config", "get", "max-parallel")["settings"]["max-parallel"]
                         ["value"], 4)


if __name__ == "__main__":
    unittest.main()
