"""The sentences the reference plugin's users and scripts match, through the CLI.

Regression (issue 9): each of these said something else (our own wording), so a script or a
Claude Code command written for the reference did not recognise the answer.
"""

import os
import re
import unittest

from compat_case import CompatCase
from companion_testlib import wait_until


class ErrorSentences(CompatCase):
    def setUp(self):
        super().setUp()
        self.repo(dirty={"src/app.js": "export const first = items[0].id;\n"})

    def test_resume_without_a_previous_thread(self):
        out = self.run_cli("task", "--resume-last", "follow up",
                           env={"CODEX_COMPANION_SESSION_ID": "sess-a"})
        self.assertIn("No previous Codex task thread was found for this repository.",
                      self.assert_one_line_error(out))
        self.assertEqual(self.sent("turn/start"), [])

    def test_focus_text_given_to_review_points_to_adversarial_review_with_it(self):
        out = self.run_cli("review", "focus on auth")
        line = self.assert_one_line_error(out)
        self.assertIn("does not support custom focus text", line)
        self.assertIn("/codex:adversarial-review focus on auth", line)

    def test_unsupported_scope(self):
        for command in ("review", "adversarial-review"):
            with self.subTest(command=command):
                line = self.assert_one_line_error(self.run_cli(command, "--scope", "staged"))
                self.assertIn('Unsupported review scope "staged"', line)
                self.assertIn("Use one of: auto, working-tree, branch, or pass --base <ref>", line)

    def test_both_review_gate_flags(self):
        out = self.run_cli("setup", "--enable-review-gate", "--disable-review-gate")
        self.assertIn("Choose either --enable-review-gate or --disable-review-gate.",
                      self.assert_one_line_error(out))

    def test_nothing_to_cancel(self):
        out = self.run_cli("cancel", env={"CODEX_COMPANION_SESSION_ID": "sess-a"})
        self.assertIn("No active Codex jobs to cancel for this session.",
                      self.assert_one_line_error(out))
        self.assertIn("No active Codex jobs to cancel.",
                      self.assert_one_line_error(self.run_cli("cancel")))


class StatusText(CompatCase):
    def test_session_runtime_labels(self):
        out = self.run_cli("status")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("Session runtime: direct startup", out.stdout)
        endpoint = "unix:" + os.path.join(self.tmp, "broker.sock")
        out = self.run_cli("status", env={"CODEX_COMPANION_APP_SERVER_ENDPOINT": endpoint,
                                          "CODEX_COMPANION_RUNTIME": "shared"})
        self.assertIn("Session runtime: shared session", out.stdout)

    def test_durations_are_rounded_without_zero_padding(self):
        self.repo()
        self.run_json("task", "first")
        job_id = self.run_json("status")["latestFinished"]["id"]
        # 65.4 s becomes "1m 5s" (not "1m 05s"); 2 h 5 min 20 s becomes "2h 5m".
        for (elapsed_ms, shown) in ((65400, "1m 5s"), (7520000, "2h 5m"), (4600, "5s")):
            with self.subTest(shown=shown):
                self.db_write("UPDATE jobs SET started_at = 1000000, completed_at = ? WHERE id = ?",
                              (1000000 + elapsed_ms, job_id))
                self.assertIn(f"Duration: {shown}\n", self.run_cli("status").stdout)
                job = self.run_json("status", job_id)["job"]
                self.assertEqual((job["duration"], job["elapsed"]), (shown, shown))

    def test_background_launch_sentence(self):
        self.repo()
        out = self.run_cli("task", "--background", "look around")
        self.assertEqual(out.returncode, 0, out.stderr)
        match = re.match(r"Codex Task started in the background as (task-[a-z0-9-]+)\. "
                         r"Check /codex:status \1 for progress\.\n", out.stdout)
        self.assertIsNotNone(match, out.stdout)
        self.run_json("status", match.group(1), "--wait", "--timeout-ms", "30000")

    def test_resume_candidate_sentences(self):
        self.repo()
        env = {"CODEX_COMPANION_SESSION_ID": "sess-b"}
        none = self.run_cli("task-resume-candidate", env=env)
        self.assertEqual(none.stdout.splitlines()[0], "No resumable task found for this session.")
        self.run_json("task", "first", env=env)
        job_id = self.run_json("status", env=env)["latestFinished"]["id"]
        found = self.run_cli("task-resume-candidate", env=env)
        self.assertEqual(found.stdout.splitlines()[0],
                         f"Resumable task found: {job_id} (completed).")


class ResultText(CompatCase):
    def test_native_review_result_is_the_review_text_then_the_session(self):
        self.repo(dirty={"src/app.js": "changed\n"})
        payload = self.run_json("review")
        thread = payload["threadId"]
        out = self.run_cli("result")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout,
                         "Reviewed uncommitted changes.\nNo material issues found.\n\n"
                         f"Codex session ID: {thread}\nResume in Codex: codex resume {thread}\n")

    def test_adversarial_review_result_is_the_rendered_report(self):
        self.repo(dirty={"src/app.js": "changed\n"})
        self.run_json("adversarial-review")
        out = self.run_cli("result")
        self.assertTrue(out.stdout.startswith("# Codex Adversarial Review\n"), out.stdout)
        self.assertIn("Unchecked empty list", out.stdout)
        self.assertRegex(out.stdout, r"\nResume in Codex: codex resume thr_\d+\n$")


class SubagentLog(CompatCase):
    def test_subagent_lines_name_the_subagent(self):
        self.repo()
        self.behave("subagent")
        self.run_json("task", "challenge the design")
        job_id = self.run_json("status")["latestFinished"]["id"]
        log = self.log_of(job_id)
        for line in ("Starting subagent design-critic via collaboration tool: wait.",
                     "Subagent design-critic reasoning: Doubted the retry strategy.",
                     "Subagent design-critic: Retries can repeat side effects."):
            self.assertIn(line, log)
        # The subagent's message is not the task's answer.
        self.assertEqual(self.run_cli("result").stdout.split("\n\n")[0],
                         "Task handled.\nPrompt received.")


class RunningJobs(CompatCase):
    def test_progress_preview_pid_and_elapsed_follow_the_status(self):
        self.repo()
        self.behave("slow")
        launch = self.run_json("task", "--background", "take your time")
        job_id = launch["jobId"]
        running = wait_until(
            lambda: (lambda j: j if j["status"] == "running" and j["progressPreview"] else None)(
                self.run_json("status", job_id)["job"]), 30, what="a running job with progress")
        self.assertIsInstance(running["pid"], int)
        self.assertIsInstance(running["elapsed"], str)
        self.assertIsNone(running["duration"])
        cancelled = self.run_json("cancel", job_id)
        self.assertEqual(cancelled["status"], "cancelled")
        job = self.run_json("status", job_id)["job"]
        self.assertIsNone(job["pid"])
        self.assertEqual(job["progressPreview"], [])
        self.assertIsInstance(job["elapsed"], str)
        self.assertIsInstance(job["duration"], str)
        self.assertIsInstance(job["cancelledAt"], str)
        self.assertEqual(job["summary"], "take your time")  # a cancelled job keeps its summary


if __name__ == "__main__":
    unittest.main()
