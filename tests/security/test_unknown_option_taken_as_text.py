"""Fault: an unknown option before the text becomes prompt text.

Options come first; from the first word that is not an option (or after `--`) the rest is text.
A misspelled or unsupported option before the text was therefore the first word of the text:
`adversarial-review --wait --some-flag focus text` sent "--some-flag focus text" to Codex as the
focus and exited 0, and the commands that take options anywhere took an unknown option as a job id
(`status --frobnicate`: "no job '--frobnicate'"), a config word, or ignored it. Now a word that
starts with `-` and is not an option of the command is refused with one line, exit 1, before
anything is stored or sent; text that starts with `-` goes after `--`.
"""

import json
import unittest

from security_support import FakeCodexCase, hostile

REVIEW_MESSAGE = ("unknown option --some-flag for adversarial-review; put text after -- to send "
                  "it literally")


class UnknownOptionTakenAsText(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=True)

    def stored_jobs(self):
        report = self.run_json("status", "--all")
        listed = report["running"] + report["recent"]
        if report["latestFinished"]:
            listed.append(report["latestFinished"])
        return listed

    def assert_refused(self, argv, message):
        """One line naming the option, exit 1, no job and nothing sent to Codex."""
        before = len(self.stored_jobs())
        started = len(self.app_server_messages("initialize"))
        proc = self.run_cli(*argv, timeout=60)
        line = self.assert_one_line_error(proc)
        self.assertEqual(line, "codex-companion: " + message)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(len(self.stored_jobs()), before, f"{argv} stored a job")
        self.assertEqual(len(self.app_server_messages("initialize")), started,
                         f"{argv} started Codex")

    def test_adversarial_review_refuses_an_unknown_option_before_the_focus(self):
        for argv in (["adversarial-review", "--wait", "--some-flag", "focus", "text"],
                     ["adversarial-review", "--wait --some-flag focus text"],
                     ["adversarial-review", "--some-flag=yes focus"],
                     ["adversarial-review", "--background --some-flag"]):
            with self.subTest(argv=argv), hostile("arguments: an unknown option before the text"):
                self.assert_refused(argv, REVIEW_MESSAGE)

    def test_task_and_review_refuse_one_too(self):
        with hostile("arguments: an unknown option before the text", 3):
            self.assert_refused(["task", "--writ", "fix it"],
                                "unknown option --writ for task; put text after -- to send it "
                                "literally")
            self.assert_refused(["task", "-w fix it"],
                                "unknown option -w for task; put text after -- to send it "
                                "literally")
            self.assert_refused(["review", "--bse main"],
                                "unknown option --bse for review; put text after -- to send it "
                                "literally")

    def test_text_after_double_dash_or_the_first_word_is_still_literal(self):
        proc = self.run_cli("adversarial-review", "--wait -- --some-flag focus", timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        job = self.latest_job()
        self.assertEqual(job["request"]["focus"], "--some-flag focus")
        self.assertIn("--some-flag focus", self.turn_texts()[-1])
        proc = self.run_cli("task", "explain --some-flag please", timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.latest_job()["request"]["prompt"], "explain --some-flag please")
        proc = self.run_cli("task", "-5% throughput since yesterday: why?", timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.latest_job()["request"]["prompt"],
                         "-5% throughput since yesterday: why?")

    def test_commands_with_options_anywhere_never_take_one_as_a_job_id_or_ignore_it(self):
        self.run_json("task", "a finished job")
        job_id = self.run_json("status")["latestFinished"]["id"]
        cases = [
            ["status", "--frobnicate"], ["status", job_id, "--frobnicate"],
            ["status", f"{job_id} --frobnicate"], ["result", "--frobnicate"],
            ["result", job_id, "-x"], ["cancel", "--frobnicate"], ["logs", job_id, "--tail"],
            ["retry", job_id, "--now"], ["apply", job_id, "--force"],
            ["setup", "--enable-gate"], ["broker", "status", "--verbose"],
            ["transfer", "--from"], ["task-resume-candidate", "--all"],
            ["config", "get", "--verbose"],
        ]
        for argv in cases:
            command = argv[0]
            message = (f"unknown option {argv[-1].split()[-1]} for {command}; run "
                       f"`codex-companion {command} --help` for its options")
            if command == "config":
                message = ("unknown option --verbose for config; put text after -- to send it "
                           "literally")
            with self.subTest(argv=argv), hostile("arguments: an unknown option of a command"):
                self.assert_refused(argv, message)

    def test_config_notify_words_that_start_with_a_dash_go_after_double_dash(self):
        with hostile("arguments: an unknown option of a command"):
            self.assert_refused(["config", "set", "notify", "notify-send", "-u", "low", "done"],
                                "unknown option -u for config; put text after -- to send it "
                                "literally")
        self.assertIsNone(
            self.run_json("config", "get", "notify")["settings"]["notify"]["value"])
        proc = self.run_cli("config", "set", "notify", "--", "notify-send", "-u", "low", "done")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.run_json("config", "get", "notify")["settings"]["notify"]["value"],
                         "notify-send -u low done")

    def test_stray_words_are_refused_not_ignored(self):
        for argv in (["setup", "now"], ["task-resume-candidate", "please"]):
            with self.subTest(argv=argv), hostile("arguments: a stray word a command ignored"):
                self.assert_refused(argv, f"unexpected argument '{argv[1]}' for {argv[0]}; run "
                                          f"`codex-companion {argv[0]} --help`")

    def test_help_and_known_options_still_work(self):
        for argv in (["task", "-h"], ["status", "-h"], ["adversarial-review", "--help"]):
            proc = self.run_cli(*argv)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertTrue(proc.stdout.startswith("Usage: codex-companion"), proc.stdout)
        self.assertEqual(json.loads(self.run_cli("status", "--json", "--all").stdout)["running"],
                         [])
        self.assertIn("ready", self.run_json("setup", timeout=60))


if __name__ == "__main__":
    unittest.main()
