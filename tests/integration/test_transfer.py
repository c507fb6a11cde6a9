"""`transfer`: a Claude Code transcript from ~/.claude/projects handed to Codex through
externalAgentConfig/import, against the fake app-server speaking both the real codex-cli 0.169.0
protocol and the reference plugin's older test double; and the ways it must fail clearly."""

import json
import os
import unittest

from hooks_support import HookCase


class Transfer(HookCase):

    def setUp(self):
        super().setUp()
        self.source = self.write_transcript()
        self.real_source = os.path.realpath(self.source)

    def transfer(self, *args, env=None):
        return self.run_cli("transfer", *args, env=env, timeout=60)

    def test_real_protocol_thread_from_the_completion(self):
        out = self.transfer("--source", self.source, "--json",
                            env={"FAKE_APP_SERVER_IMPORT": "real"})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout), {
            "threadId": "thr-import-1", "resumeCommand": "codex resume thr-import-1",
            "sourcePath": self.real_source,
            "sessionId": "0f3c8a52-1d7e-4a55-9c1b-6e2f0a9d4b11"})
        (params,) = self.app_server_messages("externalAgentConfig/import")
        (item,) = params["migrationItems"]
        self.assertEqual(item["itemType"], "SESSIONS")
        self.assertEqual(item["details"]["sessions"],
                         [{"path": self.real_source, "cwd": os.path.realpath(self.workspace),
                           "title": None}])

    def test_default_source_is_the_sessions_transcript_and_text_names_the_resume_command(self):
        out = self.transfer(env={"CODEX_COMPANION_TRANSCRIPT_PATH": self.source})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("Codex session ID: thr-import-1\n", out.stdout)
        self.assertIn("Resume in Codex: codex resume thr-import-1\n", out.stdout)

    def test_an_unchanged_transcript_imported_again_is_found_in_the_ledger(self):
        first = json.loads(self.transfer("--source", self.source, "--json").stdout)
        again = self.transfer("--source", self.source, "--json")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(json.loads(again.stdout)["threadId"], first["threadId"])
        # Once the transcript changes, Codex imports it as a new thread.
        with open(self.source, "a") as f:
            f.write(json.dumps({"type": "user", "message": {"role": "user", "content": "more"}})
                    + "\n")
        self.assertEqual(json.loads(self.transfer("--source", self.source, "--json").stdout)
                         ["threadId"], "thr-import-2")

    def test_reference_protocol_thread_from_the_ledger(self):
        out = self.transfer("--source", self.source, "--json",
                            env={"FAKE_APP_SERVER_IMPORT": "legacy"})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["threadId"], "thr-import-1")

    def test_an_older_codex_gets_an_upgrade_line(self):
        for mode in ("unsupported", "unknown-variant"):
            out = self.transfer("--source", self.source,
                                env={"FAKE_APP_SERVER_IMPORT": mode})
            line = self.assert_one_line_error(out, "does not support Claude session transfer")
            self.assertIn("npm install -g @openai/codex@latest", line)

    def test_an_import_that_names_no_thread_fails_visibly(self):
        out = self.transfer("--source", self.source, env={"FAKE_APP_SERVER_IMPORT": "no-record"})
        self.assert_one_line_error(out, "did not record an imported thread")
        out = self.transfer("--source", self.source, env={"FAKE_APP_SERVER_IMPORT": "fail"})
        line = self.assert_one_line_error(out, "did not record an imported thread")
        self.assertIn("external agent session was not detected for import", line)

    def test_an_import_that_never_completes_is_bounded(self):
        out = self.transfer("--source", self.source,
                            env={"FAKE_APP_SERVER_IMPORT": "never",
                                 "CODEX_COMPANION_TURN_STALL_MS": "1000"})
        self.assert_one_line_error(out, "did not finish importing the session within 1 s")

    def test_codex_missing(self):
        out = self.transfer("--source", self.source,
                            env={"CODEX_COMPANION_CODEX": os.path.join(self.tmp, "none")})
        self.assert_one_line_error(out, "Codex")
        self.assertEqual(self.app_server_starts(), 0)

    def test_without_a_known_transcript_it_says_how_to_name_one(self):
        out = self.transfer()
        self.assert_one_line_error(out, "pass --source")
        out = self.transfer("stray words")
        self.assert_one_line_error(out, "--source")
        self.assertEqual(self.app_server_starts(), 0)


if __name__ == "__main__":
    unittest.main()
