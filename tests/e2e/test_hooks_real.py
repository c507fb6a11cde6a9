"""The stop-time review gate and `transfer` against the REAL Codex CLI (offline, with the Responses
API stand-in). Claude's last message carries the stand-in's marker, so Codex's answer is chosen per
test: a BLOCK finding, an ALLOW, an HTTP 500, a model stream that never ends.

    ctest --test-dir build/default -R e2e.test_hooks_real --output-on-failure
"""

import glob
import json
import os
import subprocess
import time
import unittest

from app_server_driver import AppServer
from companion_testlib import BIN
from turns_support import CodexTurnCase, init_repo

SESSION = "5b1e7f0c-2a44-4d0e-9f3a-7c6d8e9f0a1b"
FINDING = "BLOCK: Missing empty-state guard in README.md:2"


class StopGateRealCodex(CodexTurnCase):

    def setUp(self):
        super().setUp()
        init_repo(self.workspace)
        with open(os.path.join(self.workspace, "README.md"), "a") as f:
            f.write("A change of the previous turn.\n")
        self.assertTrue(self.run_json("setup", "--enable-review-gate")["reviewGateEnabled"])
        self.requests_before = len(self.stub.requests)

    def stop(self, message, env=None, active=False):
        payload = {"session_id": SESSION, "cwd": self.workspace, "hook_event_name": "Stop",
                   "transcript_path": os.path.join(self.tmp, "t.jsonl"),
                   "stop_hook_active": active, "last_assistant_message": message}
        merged = dict(self.env)
        merged.update(env or {})
        started = time.monotonic()
        out = subprocess.run([BIN, "hook", "stop"], cwd=self.workspace, env=merged,
                             input=json.dumps(payload).encode(), capture_output=True, timeout=120)
        out.seconds = time.monotonic() - started
        return out

    def gate_job(self):
        job = self.only_job()
        self.assertEqual(job["title"], "Codex Stop Gate Review")
        self.assertEqual(job["sessionId"], SESSION)
        return job

    def assert_not_in_codex_history(self, thread_id):
        """An ephemeral thread leaves no rollout in CODEX_HOME/sessions (nothing to resume)."""
        rollouts = glob.glob(os.path.join(self.codex.home, "sessions", "**", "*.jsonl"),
                             recursive=True)
        self.assertEqual([r for r in rollouts if thread_id in r], [])

    def test_a_finding_blocks_and_the_review_stays_out_of_codex_history(self):
        out = self.stop(f"I edited README.md. [[stub:say:{FINDING}]]")
        self.assertEqual(out.returncode, 0, out.stderr)
        decision = json.loads(out.stdout)
        self.assertEqual(decision["decision"], "block")
        self.assertIn("Missing empty-state guard in README.md:2", decision["reason"])
        self.assertIn("/codex:setup --disable-review-gate", decision["reason"])
        job = self.gate_job()
        self.assert_terminal(job, "completed", "completed")
        self.assert_not_in_codex_history(job["threadId"])
        (request,) = self.stub.requests[self.requests_before:]
        self.assertEqual(request["behaviour"], "say")
        self.assert_no_processes_left()

    def test_a_clean_review_allows(self):
        out = self.stop("Only answered a question. [[stub:say:ALLOW: no code changed]]")
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assert_terminal(self.gate_job(), "completed", "completed")
        self.assert_no_processes_left()

    def test_no_second_block_after_a_block(self):
        out = self.stop(f"Fixed it. [[stub:say:{FINDING}]]", active=True)
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertEqual(self.stub.requests[self.requests_before:], [])
        self.assertEqual(self.jobs(), [])

    def test_http_500_never_blocks(self):
        out = self.stop("I edited README.md. [[stub:500]]")
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertIn(b"the stop is allowed", out.stderr)
        self.assert_terminal(self.gate_job(), "failed", "turn-failed")
        self.assert_no_processes_left()

    def test_a_hanging_model_is_bounded_and_never_blocks(self):
        out = self.stop("I edited README.md. [[stub:hang]]",
                        env={"CODEX_COMPANION_JOB_TIMEOUT_MS": "4000"})
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertLess(out.seconds, 30)
        self.assert_terminal(self.gate_job(), "failed", "deadline")
        self.assert_no_processes_left()

    def test_codex_missing_never_blocks(self):
        out = self.stop(f"[[stub:say:{FINDING}]]",
                        env={"CODEX_COMPANION_CODEX": os.path.join(self.tmp, "no-codex"),
                             "PATH": "/usr/bin:/bin"})
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertIn(b"Codex is not set up for the review gate", out.stderr)
        self.assertEqual(self.jobs(), [])


class TransferRealCodex(CodexTurnCase):
    """Codex 0.169.0 imports a Claude Code transcript offline: the thread is real and resumable."""

    def setUp(self):
        super().setUp()
        init_repo(self.workspace)
        project = os.path.join(self.env["HOME"], ".claude", "projects", "-repo")
        os.makedirs(project)
        self.source = os.path.join(project, f"{SESSION}.jsonl")
        entries = [
            {"type": "custom-title", "customTitle": "Native transfer"},
            {"type": "user", "cwd": self.workspace, "sessionId": SESSION, "uuid": "u1",
             "timestamp": "2026-12-01T00:00:00.000Z",
             "message": {"role": "user", "content": "Initial request"}},
            {"type": "assistant", "cwd": self.workspace, "sessionId": SESSION, "uuid": "a1",
             "parentUuid": "u1", "timestamp": "2026-12-01T00:00:01.000Z",
             "message": {"role": "assistant", "content": [{"type": "text",
                                                            "text": "Initial answer"}]}}]
        with open(self.source, "w") as f:
            f.write("".join(json.dumps(e) + "\n" for e in entries))

    def test_import_then_reimport_finds_the_same_thread(self):
        out = self.run_cli("transfer", "--source", self.source, "--json", timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        payload = json.loads(out.stdout)
        thread_id = payload["threadId"]
        self.assertEqual(payload["resumeCommand"], f"codex resume {thread_id}")
        self.assertEqual(payload["sessionId"], SESSION)
        # The thread is in Codex's history, not ephemeral, named after the transcript's title.
        with AppServer(self.codex, cwd=self.workspace) as srv:
            srv.initialize()
            threads = srv.request("thread/list", {"limit": 20})["data"]
        (thread,) = [t for t in threads if t["id"] == thread_id]
        self.assertFalse(thread["ephemeral"])
        self.assertEqual(thread["name"], "Native transfer")
        # Codex completes a second import of the unchanged file with no result: the ledger
        # still leads to the same thread.
        again = self.run_cli("transfer", "--source", self.source, "--json", timeout=120)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(json.loads(again.stdout)["threadId"], thread_id)
        self.assert_no_processes_left()


if __name__ == "__main__":
    unittest.main()
