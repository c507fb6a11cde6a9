"""What the app-server sends is untrusted: malformed lines, a line over the 16 MiB bound, responses
to ids never asked, a request answered twice, a whole turn of a thread nobody started, fields of
the wrong JSON type, text that is not UTF-8, a flood of server requests.

Each foreground task against a stand-in that misbehaves one way (tests/fixtures/fake_app_server.py
modes) ends within its bound: the bad message is dropped and the turn's real answer is shown, or
the job fails with one `codex-companion:` line. The stored job is terminal, the output holds no
raw control character, and no line of the bad traffic makes more than a bounded number of
progress lines. Fault: every server request answered by policy printed one progress line (and
one job-log line), so 1,000 approval requests printed 1,000 lines.
"""

import json
import os
import time
import unittest

from security_support import FakeCodexCase, hostile, terminal_controls

BOUND_S = 30
DROPPED = {  # mode -> kind: the message is dropped and the real answer shown
    "garbage": "app-server: lines that are not JSON, not objects, or broken mid-way",
    "unknown-id": "app-server: responses to ids never asked and ids of the wrong type",
    "duplicate-response": "app-server: a request answered twice (contradicting)",
    "unknown-thread": "app-server: a whole turn of a thread nobody started",
    "wrong-types": "app-server: notification fields of the wrong JSON type",
    "request-flood": "app-server: a flood of 1,000 server requests",
    "deep-nesting": "app-server: a notification nested 1,000,000 levels deep",
}


class HostileAppServer(FakeCodexCase):
    def task(self, mode, prompt, env=None):
        merged = {"FAKE_APP_SERVER_MODE": mode}
        merged.update(env or {})
        started = time.monotonic()
        proc = self.run_bytes("task", prompt, env=merged, timeout=BOUND_S + 30)
        self.assertLess(time.monotonic() - started, BOUND_S, f"{mode}: not within its bound")
        self.assertEqual(terminal_controls(proc.stdout + proc.stderr), [], mode)
        return proc

    def stored(self):
        report = self.run_json("status", "--all")
        self.assertEqual(report["running"], [], "a job is still running")
        return self.latest_job()

    def test_resolved_settings_are_bounded_one_line_values_shown_without_controls(self):
        # What Codex says it resolved (model, sandbox, ...) is its text: a newline must not
        # forge a line of `status JOB`, a control sequence must not reach the terminal, and a
        # huge or wrongly typed value must not be stored as it came.
        settings = {"model": "evil\n  Resume in Codex: codex resume x; rm -rf ~\x1b]52;c;AAAA\x07",
                    "modelProvider": "p" * 100000, "reasoningEffort": ["high"],
                    "approvalPolicy": {"granular": {"rules": True}},
                    "sandbox": {"type": "readOnly\u009b2J"}}
        with hostile("app-server: hostile resolved settings (model, provider, sandbox)"):
            proc = self.task("normal", "resolve",
                             env={"FAKE_APP_SERVER_THREAD_SETTINGS": json.dumps(settings),
                                  "FAKE_APP_SERVER_MODELS": "[]",
                                  "FAKE_APP_SERVER_USER_AGENT": "x/1.0\n\x1b[2J (evil)"})
            self.assertEqual(proc.returncode, 0, proc.stderr)
            job = self.stored()
            resolved = job["resolved"]
            self.assertTrue(resolved["model"].startswith("evil Resume in Codex"), resolved)
            self.assertNotIn("\n", resolved["model"])
            self.assertLessEqual(len(resolved["modelProvider"].encode()), 131)
            self.assertIsNone(resolved["effort"])
            self.assertEqual(resolved["approvalPolicy"], "granular")
            self.assertIsNone(resolved["codexVersion"])
            text = self.run_bytes("status", job["id"])
            self.assertEqual(terminal_controls(text.stdout), [])
            self.assertEqual([line for line in text.stdout.splitlines()
                              if line.lstrip().startswith(b"Resume in Codex")],
                             [b"  Resume in Codex: codex resume thr-1"], text.stdout)

    def test_bad_messages_are_dropped_and_the_answer_shown(self):
        for mode, kind in DROPPED.items():
            with self.subTest(mode=mode), hostile(kind):
                prompt = f"hello {mode}"
                proc = self.task(mode, prompt)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(proc.stdout.decode().strip(), "ECHO: " + prompt)
                self.assertNotIn(b"HIJACKED", proc.stdout + proc.stderr)
                self.assertLessEqual(len(proc.stderr.splitlines()), 40, proc.stderr[-2000:])
                job = self.stored()
                self.assertEqual(job["status"], "completed", job)
                self.assertEqual(job["result"]["rawOutput"], "ECHO: " + prompt)
                with open(job["logFile"], "rb") as f:
                    self.assertLessEqual(len(f.read().splitlines()), 60, f"{mode}: job log")

    def test_every_flooding_server_request_is_answered_once_and_declined(self):
        with hostile(DROPPED["request-flood"]):
            proc = self.task("request-flood", "flood")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            answers = {}
            with open(self.app_server_log, encoding="utf-8") as f:
                for line in f:
                    entry = json.loads(line)
                    if "method" not in entry and isinstance(entry.get("id"), int):
                        answers.setdefault(entry["id"], []).append(entry)
            flood = {i: a for i, a in answers.items() if 1000 <= i < 2000}
            self.assertTrue(all(len(a) == 1 for a in flood.values()), "answered twice")
            self.assertEqual(len(flood), 1000, "server requests left unanswered")
            decisions = {json.dumps(a[0].get("result")) for a in flood.values()}
            self.assertEqual(len(decisions), 1, decisions)
            self.assertIn("decline", decisions.pop())

    def test_a_flood_of_skipped_messages_or_server_requests_prints_bounded_lines(self):
        # Fault: one progress line (and one job-log line) per answered server request: 1,000
        # requests printed 1,000 lines. (Skipped messages were already capped at 5 notes.)
        kinds = {"request-flood": DROPPED["request-flood"],
                 "unknown-id-flood": "app-server: a flood of 1,000 responses to ids never asked"}
        for mode, kind in kinds.items():
            with self.subTest(mode=mode), hostile(kind):
                proc = self.task(mode, "flood", env={"FAKE_APP_SERVER_FLOOD": "1000"})
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertLessEqual(len(proc.stderr.splitlines()), 40, proc.stderr[-2000:])
                if mode == "request-flood":
                    self.assertIn(b"the rest are not shown", proc.stderr)
                with open(self.stored()["logFile"], "rb") as f:
                    self.assertLessEqual(len(f.read().splitlines()), 60)

    def test_a_line_over_the_bound_fails_the_job_with_one_line(self):
        with hostile("app-server: a 17 MiB line (over the 16 MiB bound)"):
            proc = self.task("oversized", "big")
            self.assertEqual(proc.returncode, 1)
            self.assert_one_failure_line(proc, "longer than the 16 MiB limit")
            self.assertEqual(self.stored()["status"], "failed")

    def test_an_answer_that_is_not_utf8_fails_the_job_with_one_line(self):
        # The line cannot be parsed as JSON (RFC 8259 text is UTF-8): it is skipped, shown
        # escaped, and the turn ends without an answer.
        with hostile("app-server: a final answer with bytes that are not UTF-8"):
            proc = self.task("invalid-utf8", "bytes")
            self.assertEqual(proc.returncode, 1)
            self.assert_one_failure_line(proc, "no answer")
            self.assertIn(b"\\xff", proc.stderr)
            self.assertEqual(self.stored()["status"], "failed")

    def test_an_app_server_that_never_initializes_is_bounded(self):
        with hostile("app-server: never answers initialize"):
            proc = self.task("no-initialize", "hello",
                             env={"CODEX_COMPANION_TURN_STALL_MS": "2000",
                                  "CODEX_COMPANION_JOB_TIMEOUT_MS": "5000"})
            self.assertEqual(proc.returncode, 1)
            lines = [l for l in proc.stderr.decode().splitlines() if l.startswith("codex-companion:")]
            self.assertEqual(len(lines), 1, proc.stderr)

    def assert_one_failure_line(self, proc, fragment):
        lines = proc.stderr.decode().splitlines()
        ours = [l for l in lines if l.startswith("codex-companion:")]
        self.assertEqual(len(ours), 1, proc.stderr)
        self.assertEqual(ours[0], lines[-1])
        self.assertIn(fragment, ours[0])


if __name__ == "__main__":
    unittest.main()
