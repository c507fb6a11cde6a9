"""The plugin's commands and subagent in the real Claude Code (loaded with --plugin-dir).

The stand-in plays the model: it follows the plugin's own instructions (it takes the command
templates and here-document markers from the command and agent files it is sent), so these tests
check what the plugin makes Claude Code run. What reached the runtime is recorded by the
launcher's stand-in (tests/fixtures/recording_native.py) before the real binary runs; Codex is
tests/fixtures/fake_app_server.py, whose final answer echoes the prompt.
"""

import json
import os
import re
import shutil
import unittest

from claude_case import (PLUGIN_DIR, ClaudeCase, bang_fallback_rule, main, rescue_rules,
                         review_rule)

# A task the user types: both quote kinds, a Windows path, shell syntax, and the word --write.
TASK = ('Diagnose only, change nothing: why does "make check" fail for it\'s C:\\Users\\me\\repo '
        '--write $(touch PWNED) `touch PWNED2` $HOME')
FOCUS = 'look hard at the "retry" path: it\'s racy on C:\\Users\\me --write $(touch PWNED)'


class PluginCommandsTest(ClaudeCase):

    def prompt_of(self, run, index=0):
        from messages_stub import MessagesRequest
        bodies = run.message_bodies()
        self.assertGreater(len(bodies), index, run.describe())
        return MessagesRequest(bodies[index]).last_user_text()

    def assert_nothing_executed(self):
        for name in ("PWNED", "PWNED2"):
            self.assertFalse(os.path.exists(os.path.join(self.cenv.project, name)),
                             f"a shell ran the user's text ({name} exists)")

    def slash(self, command, *flags):
        """The `!` line's (or the model's) call for /codex:COMMAND: no typed text in it."""
        return ["slash", f"--session={self.session_id}", command, *flags]

    def typed_stashes(self):
        directory = os.path.join(self.cenv.state_home, "codex-companion", "typed-arguments")
        return os.listdir(directory) if os.path.isdir(directory) else []

    def finished_task(self, prompt):
        out = self.companion("task", "--json", prompt, session=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    # Commands whose `!` lines run the runtime before the model is asked -------------------

    def test_status_output_is_in_the_prompt(self):
        run = self.run_claude("/codex:status")
        self.assertEqual(run.returncode, 0, run.describe())
        prompt = self.prompt_of(run)
        self.assertIn("# Codex Status", prompt)
        self.assertIn(f"Workspace: {self.cenv.project}", prompt)
        self.assertIn("ONE compact Markdown table", prompt)
        self.assertEqual([c["argv"] for c in self.native_calls("slash")], [self.slash("status")])

    def test_result_of_a_finished_job_is_in_the_prompt(self):
        self.finished_task("say ECHO-RESULT-7")
        run = self.run_claude("/codex:result")
        prompt = self.prompt_of(run)
        self.assertIn("ECHO: say ECHO-RESULT-7", prompt)
        self.assertIn("codex resume", prompt)
        self.assertEqual([c["argv"] for c in self.native_calls("slash")], [self.slash("result")])

    def test_result_error_is_shown_verbatim_without_asking_the_model(self):
        run = self.run_claude("/codex:result")
        self.assertEqual(run.message_bodies(), [], run.describe())
        self.assertIn("codex-companion: no finished job in this workspace yet", run.stdout)

    def test_setup_report_is_in_the_prompt_and_toggles_the_review_gate(self):
        run = self.run_claude("/codex:setup --enable-review-gate")
        prompt = self.prompt_of(run)
        report = json.loads(prompt[prompt.index("{\n"):prompt.index("\n}\n") + 2])
        self.assertTrue(report["reviewGateEnabled"], report)
        self.assertIn("nextSteps", report)
        self.assertEqual([c["argv"] for c in self.native_calls("slash")],
                         [self.slash("setup", "--json")])

    def test_job_arguments_reach_the_runtime_without_passing_a_shell(self):
        typed = 'task-abc "quoted" it\'s C:\\Users\\me $(touch PWNED) `touch PWNED2`'
        run = self.run_claude("/codex:cancel " + typed)
        # The `!` line holds none of the text: the runtime took it from the session's stash.
        self.assertEqual([c["argv"] for c in self.native_calls("slash")], [self.slash("cancel")])
        self.assertEqual(self.typed_stashes(), [], "the stash outlived its command")
        self.assert_nothing_executed()
        # The runtime refuses the reference; its line reaches the user, the model is not asked.
        self.assertIn("codex-companion: ", run.stdout, run.describe())
        self.assertEqual(run.message_bodies(), [])

    # /codex:rescue and its subagent ---------------------------------------------------------

    def test_rescue_hands_free_text_to_task_unchanged_and_read_only(self):
        self.rules = rescue_rules(write=False)
        run = self.run_claude("/codex:rescue " + TASK)
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertEqual(len(self.native_calls("task-resume-candidate")), 1)
        calls = self.native_calls("slash")
        self.assertEqual([c["argv"] for c in calls], [["slash", "rescue", "--fresh"]],
                         run.describe())  # no --write: read-only
        self.assertEqual(calls[0]["env"]["CODEX_COMPANION_SESSION_ID"], self.session_id)
        self.assert_nothing_executed()
        starts = self.app_server_messages("thread/start")
        self.assertEqual([s["params"]["sandbox"] for s in starts], ["read-only"])
        turn = self.app_server_messages("turn/start")
        self.assertEqual(len(turn), 1)
        self.assertEqual(turn[0]["params"]["input"][0]["text"], TASK)
        self.assertIn("ECHO: " + TASK, run.stdout)

    def test_rescue_continues_the_sessions_last_thread_when_asked_to_resume(self):
        first = self.finished_task("first pass ECHO-FIRST")
        self.rules = rescue_rules(write=False)
        run = self.run_claude("/codex:rescue --resume dig deeper")
        self.assertIn('"available": true', self.prompt_of(run))
        self.assertEqual([c["argv"] for c in self.native_calls("slash")],
                         [["slash", "rescue", "--resume-last"]], run.describe())
        self.assertEqual([t["params"]["input"][0]["text"]
                          for t in self.app_server_messages("turn/start")][-1], "dig deeper")
        resumed = self.app_server_messages("thread/resume")
        self.assertEqual([r["params"]["threadId"] for r in resumed], [first["threadId"]])

    def test_rescue_without_a_runtime_shows_what_to_run_before_the_model_is_asked(self):
        self.cenv.extra_env.pop("CODEX_COMPANION_NATIVE")
        plugin = os.path.join(self.tmp, "plugin")  # a copy without native/ and no build beside it
        shutil.copytree(PLUGIN_DIR, plugin, ignore=shutil.ignore_patterns("native"))
        run = self.run_claude("/codex:rescue fix it", plugin_dir=plugin)
        self.assertEqual(run.message_bodies(), [], run.describe())
        self.assertIn("codex-companion: the native runtime is not installed", run.stdout)
        self.assertIn("scripts/install", run.stdout)

    def test_rescue_background_is_a_durable_job(self):
        self.rules = rescue_rules(write=True)
        run = self.run_claude("/codex:rescue --background --fresh write the ECHO-BG file")
        self.assertEqual([c["argv"] for c in self.native_calls("slash")],
                         [["slash", "rescue", "--fresh", "--write"]], run.describe())
        job_id = re.search(r"\b(task-[a-z0-9]+-[a-z0-9]+)\b", run.stdout)
        self.assertIsNotNone(job_id, run.describe())
        self.wait_no_active_jobs()
        out = self.companion("status", job_id.group(1), "--json")
        job = json.loads(out.stdout)["job"]
        self.assertEqual(job["status"], "completed", job)
        self.assertTrue(job["write"], job)
        self.assertEqual(job["request"]["prompt"], "write the ECHO-BG file")

    # Reviews --------------------------------------------------------------------------------

    def test_adversarial_review_passes_flags_and_focus_as_one_raw_argument(self):
        self.git_repository_with_change()
        self.rules = [review_rule("adversarial-review")]
        run = self.run_claude("/codex:adversarial-review --wait " + FOCUS)
        self.assertEqual([c["argv"] for c in self.native_calls("slash")],
                         [self.slash("adversarial-review")], run.describe())
        (job,) = self.session_jobs()
        self.assertEqual((job["kind"], job["status"]), ("adversarial-review", "completed"), job)
        self.assert_nothing_executed()

    def test_adversarial_review_focus_text_reaches_codex_unchanged(self):
        self.git_repository_with_change()
        self.rules = [review_rule("adversarial-review")]
        self.run_claude("/codex:adversarial-review --wait " + FOCUS)
        turns = self.app_server_messages("turn/start")
        self.assertEqual(len(turns), 1)
        self.assertIn(FOCUS, turns[0]["params"]["input"][0]["text"])

    def test_review_background_returns_a_job_without_asking(self):
        self.git_repository_with_change()
        self.rules = [review_rule("review")]
        run = self.run_claude("/codex:review --background")
        self.assertEqual([c["argv"] for c in self.native_calls("slash")], [self.slash("review")],
                         run.describe())
        self.assertRegex(run.stdout, r"\breview-[a-z0-9]+-[a-z0-9]+\b")
        self.wait_no_active_jobs()

    # /codex:apply and /codex:config -----------------------------------------------------------

    def test_apply_brings_a_worktree_tasks_change_into_the_tree(self):
        self.git("init", "-q", "-b", "main")
        self.write_file("a.txt", "one\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "init")
        out = self.companion("task", "--json", "--write", "--worktree", "[[write:a.txt=two]] go",
                             session=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        job_id = json.loads(out.stdout)["worktree"]["branch"].removeprefix("codex/")
        with open(os.path.join(self.cenv.project, "a.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "one\n")  # the task ran in its own worktree
        run = self.run_claude(f"/codex:apply {job_id}")
        self.assertEqual([c["argv"] for c in self.native_calls("slash")], [self.slash("apply")])
        self.assertIn(f"Applied the change of {job_id}", self.prompt_of(run))
        with open(os.path.join(self.cenv.project, "a.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "two\n")
        # Applied once: a second apply is refused in one line the user sees, before the model.
        again = self.run_claude(f"/codex:apply {job_id}")
        self.assertIn("codex-companion: ", again.stdout, again.describe())

    def test_config_set_keeps_a_notify_commands_quoting(self):
        # A word that starts with `-` is an unknown option of config, refused where the user
        # sees it (nothing stored); the notify command's own options go after `--`.
        refused = self.run_claude('/codex:config set notify notify-send "Codex done" --urgency=low')
        self.assertIn("unknown option --urgency for config; put text after -- to send it "
                      "literally", refused.stdout, refused.describe())
        typed = 'set notify -- notify-send "Codex done" --urgency=low'
        run = self.run_claude("/codex:config " + typed)
        self.assertEqual([c["argv"] for c in self.native_calls("slash")][-1], self.slash("config"))
        self.assertIn("notify = notify-send 'Codex done' --urgency=low", self.prompt_of(run))
        shown = json.loads(self.companion("config", "get", "notify", "--json").stdout)
        self.assertEqual(shown["settings"]["notify"]["value"],
                         "notify-send 'Codex done' --urgency=low")
        listed = self.run_claude("/codex:config")
        self.assertIn("max-parallel = 4 (default)", self.prompt_of(listed))

    # Without the plugin's hooks (disableAllHooks) nothing stashes the typed text: `slash` says
    # so and the model makes the one call it shows, the text under a marker made up at random.

    def without_hooks(self):
        path = os.path.join(self.tmp, "no-hooks.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"disableAllHooks": True}, f)
        return ["--settings", path]

    def test_without_hooks_a_bang_line_command_runs_through_the_fallback_call(self):
        typed = 'set notify -- notify-send "Codex done" --urgency=low'
        self.rules = [bang_fallback_rule("config")]
        run = self.run_claude("/codex:config " + typed, extra_args=self.without_hooks())
        self.assertEqual(self.native_calls("hook"), [], "hooks ran")
        self.assertEqual([c["argv"] for c in self.native_calls()],
                         [self.slash("config"), ["config", typed]], run.describe())
        shown = json.loads(self.companion("config", "get", "notify", "--json").stdout)
        self.assertEqual(shown["settings"]["notify"]["value"],
                         "notify-send 'Codex done' --urgency=low")

    def test_without_hooks_rescue_runs_through_the_fallback_call(self):
        self.rules = rescue_rules(write=False)
        run = self.run_claude("/codex:rescue " + TASK, extra_args=self.without_hooks())
        calls = [c["argv"] for c in self.native_calls() if c["argv"][0] != "task-resume-candidate"]
        self.assertEqual(calls, [["slash", "rescue", "--fresh"], ["task", "--fresh --fresh " + TASK]],
                         run.describe())
        self.assertEqual([t["params"]["input"][0]["text"]
                          for t in self.app_server_messages("turn/start")], [TASK])
        self.assert_nothing_executed()

    def git_repository_with_change(self):
        self.git("init", "-q", "-b", "main")
        self.write_file("app.py", "def f():\n    return 1\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "init")
        self.write_file("app.py", "def f():\n    return 2\n")


if __name__ == "__main__":
    main()
