"""Fault: prompt text taken as flags.

Claude Code passes the user's words as ONE argument ("$ARGUMENTS"). The companion used to split
all of it like a shell and read options anywhere in it, so `task 'explain what the --write flag
does'` stored a write task whose prompt had lost `--write`, `--cwd DIR` inside the text moved the
job, backslashes vanished and a lone apostrophe was refused. Now options are read only up to the
first word that is not an option (or `--`); the rest is text, byte for byte (SPEC.md section 1).
Each test checks what was stored (status JOB --json) and what Codex was sent.
"""

import os
import unittest

from security_support import FakeCodexCase, hostile


class PromptTextTakenAsFlags(FakeCodexCase):
    def run_task(self, *args):
        proc = self.run_cli("task", *args, timeout=60)
        self.assertEqual(proc.returncode, 0, f"task {args!r} failed: {proc.stderr}")
        return self.latest_job()

    def assert_read_only_turn(self, prompt, cwd=None):
        """Codex got exactly `prompt` in a read-only thread in `cwd` (default: the workspace)."""
        starts = self.app_server_messages("thread/start")
        self.assertEqual(len(starts), 1, starts)
        self.assertEqual(starts[0]["sandbox"], "read-only")
        self.assertEqual(starts[0]["cwd"], os.path.realpath(cwd or self.workspace))
        self.assertEqual(self.turn_texts(), [prompt])

    def test_write_word_in_one_raw_argument_stays_prompt_text(self):
        raw = "explain what the --write flag does"
        with hostile("prompt text: option words inside one raw argument"):
            self.assert_text_kept(raw)

    def assert_text_kept(self, raw):
        job = self.run_task(raw)
        self.assertFalse(job["write"])
        self.assertEqual(job["request"]["prompt"], raw)
        self.assert_read_only_turn(raw)

    def test_cwd_in_prompt_text_does_not_move_the_job(self):
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        raw = f"compare this with --cwd {elsewhere} and -C {elsewhere} --background"
        with hostile("prompt text: --cwd/-C inside the text"):
            self.assert_cwd_kept(raw)

    def assert_cwd_kept(self, raw):
        job = self.run_task(raw)
        self.assertEqual(job["request"]["cwd"], os.path.realpath(self.workspace))
        self.assertEqual(job["workspaceRoot"], os.path.realpath(self.workspace))
        self.assertEqual(job["request"]["prompt"], raw)
        self.assert_read_only_turn(raw)

    def test_backslashes_quotes_and_lone_apostrophe_are_kept(self):
        for raw in ["open C:\\Users\\me\\notes.txt and fix \\n handling",
                    "it's broken",
                    'why does "say hi print nothing',
                    "keep 'single' and \"double\" quotes \\\" as typed  "]:
            kind = "prompt text: backslashes, quotes, a lone apostrophe"
            with self.subTest(raw=raw), hostile(kind):
                job = self.run_task(raw)
                self.assertEqual(job["request"]["prompt"], raw)
                self.assertEqual(self.turn_texts()[-1], raw)

    def test_options_before_the_text_still_apply(self):
        raw = "--write --model 'gpt-test model' --effort=low fix it's --background -- now"
        job = self.run_task(raw)
        self.assertTrue(job["write"])
        self.assertEqual(job["request"]["model"], "gpt-test model")
        self.assertEqual(job["request"]["effort"], "low")
        self.assertEqual(job["request"]["prompt"], "fix it's --background -- now")
        self.assertEqual(self.app_server_messages("thread/start")[0]["sandbox"], "workspace-write")

    def test_double_dash_starts_the_text(self):
        job = self.run_task("--json -- --write is a flag")
        self.assertFalse(job["write"])
        self.assertEqual(job["request"]["prompt"], "--write is a flag")

    def test_multi_argv_form_keeps_words_after_the_first_text_word(self):
        job = self.run_task("fix", "--write", "--cwd", "/", "it's")
        self.assertFalse(job["write"])
        self.assertEqual(job["request"]["cwd"], os.path.realpath(self.workspace))
        self.assertEqual(job["request"]["prompt"], "fix --write --cwd / it's")
        job = self.run_task("--model", "m1", "--", "--write", "x")
        self.assertEqual(job["request"]["prompt"], "--write x")
        self.assertEqual(job["request"]["model"], "m1")

    def test_adversarial_review_focus_text_is_not_parsed(self):
        self.make_repo(dirty=True)
        focus = "look at --base main and --scope branch handling, it's C:\\odd"
        proc = self.run_cli("adversarial-review", focus, timeout=60)
        self.assertNotIn("unterminated", proc.stderr)
        job = self.latest_job()
        self.assertEqual(job["request"]["focus"], focus)
        self.assertEqual(job["request"]["target"]["mode"], "working-tree")
        self.assertIn(focus, self.turn_texts()[0])

    def test_review_refuses_text_that_holds_options(self):
        self.make_repo(dirty=True)
        with hostile("prompt text: review focus text holding options"):
            proc = self.run_cli("review", "check the --base main code", timeout=60)
            self.assert_one_line_error(proc, "adversarial-review")
        self.assertEqual(self.app_server_messages("thread/start"), [])


if __name__ == "__main__":
    unittest.main()
