"""Usage limits against the REAL Codex CLI: the Responses stand-in answers with the API's real
usage-limit error (HTTP 429 {"error": {"type": "usage_limit_reached", "resets_at": …}} and the
x-codex-* rate-limit headers) and with rate-limit headers on normal answers, from which Codex
sends account/rateLimits/updated. A limit hit mid-turn ends the job `rate-limited` with the reset
time (never a generic turn failure); while the window is used up the queue starts nothing,
`status` says until when, `retry` says when, the stop gate allows at once; a later snapshot that
shows the window free releases the queue. Through both runtimes.

    ctest --test-dir build/default -R e2e.test_usage_limits --output-on-failure
"""

import json
import subprocess
import time
import unittest

from companion_testlib import BIN
from turns_support import CodexTurnCase, init_repo


def iso(epoch_seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch_seconds))


class UsageLimitCase(CodexTurnCase):
    runtime = None  # the workspace's broker

    def setUp(self):
        super().setUp()
        init_repo(self.workspace)
        if self.runtime:
            self.env["CODEX_COMPANION_RUNTIME"] = self.runtime

    def tearDown(self):
        if self.runtime is None and self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        super().tearDown()

    def stop_hook(self):
        payload = {"session_id": "s-limits", "transcript_path": "", "cwd": self.workspace,
                   "hook_event_name": "Stop", "stop_hook_active": False,
                   "last_assistant_message": "done"}
        return subprocess.run([BIN, "hook", "stop"], cwd=self.workspace, env=self.env,
                              input=json.dumps(payload), capture_output=True, text=True,
                              timeout=60)

    def check_limit_hit_mid_turn(self):
        out = self.run_cli("task", "Warm up [[stub:limits:42]]", timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        windows = self.run_json("status")["usageLimits"]["windows"]
        self.assertEqual([(w["name"], w["usedPercent"]) for w in windows],
                         [("primary", 42), ("secondary", 13)])

        reset = int(time.time()) + 3600
        out = self.run_cli("task", f"Over the limit [[stub:usage-limit:{reset}]]", timeout=120)
        self.assertEqual(out.returncode, 1, out.stderr)
        limited = self.job(self.run_json("status")["latestFinished"]["id"])
        self.assert_terminal(limited, "failed", "rate-limited")
        self.assertIn(f"the usage limit resets at {iso(reset)}", limited["errorMessage"])
        self.assertEqual(limited["result"]["rateLimitResetsAt"], iso(reset))
        self.assertEqual(self.stub.requests[-1]["behaviour"], "usage-limit")

        # While the window is used up the queue starts nothing, and says until when.
        queued = self.run_json("task", "--background", "Wait for the reset")
        self.assertIn(f"usage limit is reached until {iso(reset)}", queued["queueHold"])
        requests = len(self.stub.requests)
        for _ in range(3):
            report = self.run_json("status")
            self.assertEqual(report["queue"]["waiting"], 1)
        self.assertEqual(report["queue"]["rateLimitedUntil"], iso(reset))
        self.assertEqual(report["usageLimits"]["exhaustedUntil"], iso(reset))
        self.assertIn(f"Usage limit reached: queued jobs start after {iso(reset)}",
                      self.run_cli("status").stdout)
        self.assertEqual(self.job(queued["jobId"])["status"], "queued")

        retried = self.run_cli("retry", limited["id"])
        self.assertEqual(retried.returncode, 1)
        self.assertEqual(len(retried.stderr.strip().splitlines()), 1, retried.stderr)
        self.assertIn(f"usage limit is reached until {iso(reset)}", retried.stderr)

        self.assertEqual(self.run_cli("setup", "--enable-review-gate").returncode, 0)
        started = time.monotonic()
        gate = self.stop_hook()
        self.assertEqual(gate.returncode, 0, gate.stderr)
        self.assertNotIn("block", gate.stdout)
        self.assertIn(f"usage limit is reached until {iso(reset)}", gate.stderr)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(len(self.stub.requests), requests)  # no review, no queued job ran
        self.run_cli("setup", "--disable-review-gate")

        # A later snapshot that shows the window free again releases the queue.
        out = self.run_cli("task", "Credits bought [[stub:limits:10]]", timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIsNone(self.run_json("status")["queue"]["rateLimitedUntil"])
        done = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = self.job(queued["jobId"])
            if done["status"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.2)
        self.assert_terminal(done, "completed", "completed")


class Direct(UsageLimitCase):
    runtime = "direct"

    def test_usage_limit_mid_turn_direct(self):
        self.check_limit_hit_mid_turn()


class Shared(UsageLimitCase):
    def test_usage_limit_mid_turn_shared(self):
        self.check_limit_hit_mid_turn()


if __name__ == "__main__":
    unittest.main()
