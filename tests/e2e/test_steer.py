"""`steer JOB TEXT` against the REAL Codex CLI: the instructions reach the running turn through the
shared broker from another process (Codex sends them to the model in the same turn), are recorded
in the job's log, and every job that cannot be steered (finished, queued, direct runtime, its
broker gone) gets one clear line, with nothing stored lost.

    ctest --test-dir build/default -R e2e.test_steer --output-on-failure
"""

import json
import os
import signal
import time
import unittest

from companion_testlib import read_text, wait_until
from turns_support import CodexTurnCase, init_repo

TERMINAL = ("completed", "failed", "cancelled")


class SteerCase(CodexTurnCase):
    runtime = None  # the workspace's broker (the default)

    def setUp(self):
        super().setUp()
        init_repo(self.workspace)

    def tearDown(self):
        if self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        super().tearDown()

    def running_turn(self, prompt, env=None):
        job = self.run_json("task", "--background", prompt, env=env)
        return wait_until(lambda: (lambda j: j if j["status"] == "running" and j["turnId"] else None)(
            self.job(job["jobId"])), 60, interval=0.1, what="the job's turn to start")

    def terminal(self, job_id, timeout=90):
        return wait_until(lambda: (lambda j: j if j["status"] in TERMINAL else None)(
            self.job(job_id)), timeout, interval=0.2, what=f"{job_id} to end")

    def refused(self, *args, says, env=None):
        proc = self.run_cli(*args, env=env)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(says, lines[0])


class Steer(SteerCase):
    def test_steer_reaches_the_running_turn_through_the_broker(self):
        job = self.running_turn("Work slowly [[stub:slow:4000]]")
        out = self.run_json("steer", job["id"], "Also mention STEER-TOKEN-7 please")
        self.assertEqual((out["jobId"], out["steered"], out["turnId"]),
                         (job["id"], True, job["turnId"]))
        done = self.terminal(job["id"])
        self.assert_terminal(done, "completed", "completed")
        steered = [r for r in self.stub.requests if "STEER-TOKEN-7" in json.dumps(r["body"])]
        self.assertEqual(len(steered), 1, "the steered text reached the model once")
        self.assertIn("Also mention STEER-TOKEN-7 please", read_text(done["logFile"]))
        # A finished job is one clear line.
        self.refused("steer", job["id"], "too late", says="only a running job can be steered")

    def test_steer_refuses_queued_and_direct_jobs(self):
        self.assertEqual(self.run_cli("config", "set", "max-parallel", "1").returncode, 0)
        first = self.running_turn("Hold the slot [[stub:slow:5000]]")
        queued = self.run_json("task", "--background", "Wait [[stub:normal]]")
        self.refused("steer", queued["jobId"], "x", says="still queued")
        self.refused("steer", "--json", first["id"], says="needs a job id and the instructions")
        self.terminal(first["id"])
        self.terminal(queued["jobId"])
        direct = {"CODEX_COMPANION_RUNTIME": "direct"}
        job = self.running_turn("Alone [[stub:slow:4000]]", env=direct)
        self.refused("steer", job["id"], "x", says="direct runtime", env=direct)
        self.assert_terminal(self.terminal(job["id"]), "completed", "completed")

    def test_steer_after_the_broker_is_lost_is_one_line_and_the_job_ends_broker_lost(self):
        job = self.running_turn("Hang [[stub:hang]]")
        broker = self.run_json("broker", "status")
        pid = broker.get("pid") or (broker.get("broker") or {}).get("pid")
        self.assertTrue(pid, broker)
        os.kill(pid, signal.SIGKILL)
        started = time.monotonic()
        self.refused("steer", job["id"], "are you there", says="")
        self.assertLess(time.monotonic() - started, 15)
        done = self.terminal(job["id"])
        self.assert_terminal(done, "failed", "broker-lost")
        self.assertNotIn("are you there", read_text(done["logFile"]))


if __name__ == "__main__":
    unittest.main()
