"""Regressions from replayed bug reports (issue "Hardening") that need faults the real app-server
cannot produce: the fake app-server (tests/fixtures/fake_app_server.py) stands in for Codex."""

import json
import unittest

from fake_codex_case import FakeCodexCase


class WrongJsonTypeEndsTheProcess(FakeCodexCase):
    """`setup` aborted (an uncaught nlohmann::json::type_error) when account/read answered
    {"account":{"type":"chatgpt","email":null}}. Every JSON read from outside the process goes
    through tolerant accessors: a field of the wrong type is absent."""

    ANSWERS = [
        {"account": {"type": "chatgpt", "email": None}, "requiresOpenaiAuth": True},
        {"account": {"type": 7, "email": ["x"]}, "requiresOpenaiAuth": "yes"},
        {"account": "chatgpt", "requiresOpenaiAuth": None},
        {"account": None, "requiresOpenaiAuth": False},
        ["not", "an", "object"],
        None,
    ]

    def test_setup_survives_every_shape_of_account_answer(self):
        for answer in self.ANSWERS:
            with self.subTest(answer=answer):
                env = {"FAKE_APP_SERVER_ACCOUNT": json.dumps(answer),
                       "FAKE_APP_SERVER_CONFIG": json.dumps({"config": {"model_provider": 5}})}
                proc = self.run_cli("setup", "--json", env=env)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertNotIn("internal error", proc.stderr)
                report = json.loads(proc.stdout)
                self.assertIn("auth", report)
                text = self.run_cli("setup", env=env)
                self.assertEqual(text.returncode, 0, text.stderr)
                self.assertIn("# Codex Setup", text.stdout)

    def test_chatgpt_account_without_email_is_signed_in(self):
        env = {"FAKE_APP_SERVER_ACCOUNT": json.dumps(self.ANSWERS[0])}
        report = self.run_json("setup", env=env)
        self.assertTrue(report["auth"]["available"], report["auth"])

    def test_stored_request_of_the_wrong_type_is_one_clear_line(self):
        proc = self.run_cli("task", "--background", "--json", "hello")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        job_id = json.loads(proc.stdout)["jobId"]
        self.run_json("status", job_id, "--wait", "--timeout-ms", "20000")
        # A row whose stored JSON columns hold the wrong types is shown, not fatal.
        self.db_write("UPDATE jobs SET request = '{\"write\": \"yes\", \"kind\": 3}', "
                      "result = '[1, 2]' WHERE id = ?", (job_id,))
        for args in (("status", job_id), ("result", job_id), ("status",)):
            with self.subTest(args=args):
                out = self.run_cli(*args)
                self.assertNotIn("internal error", out.stderr)
                self.assertEqual(out.returncode, 0, out.stderr)


class TurnInterruptedPrintedTwice(FakeCodexCase):
    """`[codex] Turn interrupted.` was printed twice after a stall: once for Codex's
    turn/completed (interrupted), once more for the answer to our turn/interrupt. The fake
    app-server sends both back to back, as the real one can."""

    def test_stall_reports_the_interrupt_once(self):
        # Whether both answers arrive in one read is timing: a few runs catch the old fault.
        for attempt in range(4):
            with self.subTest(attempt=attempt):
                proc = self.run_cli("task", "hang", env={"FAKE_APP_SERVER_MODE": "hang",
                                                         "CODEX_COMPANION_TURN_STALL_MS": "300"})
                self.assertEqual(proc.returncode, 1, proc.stderr)
                lines = [line for line in proc.stderr.splitlines() if "Turn interrupted" in line]
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertIn("No activity from Codex for 0.3 s", proc.stderr)


if __name__ == "__main__":
    unittest.main()
