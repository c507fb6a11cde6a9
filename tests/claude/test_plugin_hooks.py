"""The plugin's hooks and /codex:transfer through the real Claude Code (its hook JSON, on a socket,
reaching the runtime; the block, the notices and the exports reaching the model's requests).

Codex is the fake app-server; FAKE_APP_SERVER_FINAL chooses what the stop-time review answers.
"""

import json
import os
import shutil

from claude_case import PLUGIN_DIR, ClaudeCase, main
from companion_testlib import BIN, pid_alive
from messages_stub import MessagesRequest

FINDING = "BLOCK: Missing empty-state guard in a.txt:1"


class PluginHooksTest(ClaudeCase):

    def test_every_hook_reaches_the_runtime_with_claude_codes_input(self):
        run = self.run_claude("/codex:status")
        hooks = {c["argv"][1]: c for c in self.native_calls("hook")}
        self.assertEqual(set(hooks), {"session-start", "user-prompt-submit", "stop",
                                      "session-end", "user-prompt-expansion"}, run.describe())
        expansion = json.loads(hooks["user-prompt-expansion"]["stdin"])
        self.assertEqual((expansion["command_name"], expansion["command_args"]),
                         ("codex:status", ""))
        start = json.loads(hooks["session-start"]["stdin"])
        self.assertEqual(start["session_id"], self.session_id)
        self.assertEqual(start["hook_event_name"], "SessionStart")
        self.assertEqual(json.loads(hooks["user-prompt-submit"]["stdin"])["prompt"],
                         "/codex:status")
        self.assertIn("stop_hook_active", json.loads(hooks["stop"]["stdin"]))
        self.assertIn("reason", json.loads(hooks["session-end"]["stdin"]))

    def test_transfer_runs_the_runtime_with_the_typed_arguments(self):
        run = self.run_claude("/codex:transfer --source /tmp/x.jsonl")
        self.assertEqual([c["argv"] for c in self.native_calls("slash")],
                         [["slash", f"--session={self.session_id}", "transfer"]])
        # The runtime read --source from what was typed: it refuses that file, naming it.
        self.assertIn("/tmp/x.jsonl", run.stdout, run.describe())

    def test_session_start_exports_the_session_to_commands(self):
        self.run_claude("/codex:status")
        (status,) = self.native_calls("slash")
        self.assertEqual(status["env"]["CODEX_COMPANION_SESSION_ID"], self.session_id)
        # Regression: our data directory was exported to every command of the session.
        self.assertIsNone(status["env"]["CLAUDE_PLUGIN_DATA"])

    def test_session_start_rewrites_its_lines_on_every_resume_and_compact(self):
        # Regression: each start appended our lines again to the session's env file.
        env_file = os.path.join(self.cenv.config_dir, "session-env", self.session_id,
                                "sessionstart-hook-0.sh")
        os.makedirs(os.path.dirname(env_file))
        theirs = "export OTHER_PLUGIN='kept'\n# theirs\nexport LAST=1"  # no newline at the end
        with open(env_file, "w", encoding="utf-8") as f:
            f.write(theirs)
        sizes = []
        for prompt in ("/codex:status", "/codex:status", "/compact", "/codex:status"):
            self.run_claude(prompt)
            sizes.append(os.path.getsize(env_file))
        self.assertEqual(len(set(sizes)), 1, sizes)
        with open(env_file, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.startswith(theirs + "\n"), text)
        self.assertEqual(text.count("export CODEX_COMPANION_SESSION_ID="), 1, text)
        sources = [json.loads(c["stdin"])["source"] for c in self.native_calls("hook")
                   if c["argv"] == ["hook", "session-start"]]
        self.assertEqual(sources, ["startup", "resume", "resume", "compact", "resume"])
        for call in self.native_calls("slash"):
            self.assertEqual(call["env"]["CODEX_COMPANION_SESSION_ID"], self.session_id)

    def test_session_end_hook_succeeds_within_its_budget(self):
        run = self.run_claude("/codex:status")
        self.assertNotIn("SessionEnd hook", run.stderr)
        self.assertNotIn("hook", run.stderr)

    def test_user_prompt_submit_announces_a_background_job_that_ended(self):
        launched = self.companion("task", "--background", "--json", "ECHO-NOTICE-5",
                                  session=True)
        self.assertEqual(launched.returncode, 0, launched.stderr)
        job_id = json.loads(launched.stdout)["jobId"]
        self.wait_no_active_jobs()
        # The runtime behind the launcher directly: the hook reads Claude Code's socket itself.
        direct = {"CODEX_COMPANION_NATIVE": BIN}
        run = self.run_claude("anything new?", env=direct)
        text = MessagesRequest(run.message_bodies()[0]).text()
        self.assertIn(f"/codex:result {job_id}", text, run.describe())
        self.assertNotIn("ECHO: ECHO-NOTICE-5", text, "a notice never carries the output")
        again = self.run_claude("and now?", env=direct)
        self.assertNotIn(job_id, MessagesRequest(again.message_bodies()[0]).last_user_text())
        self.assertEqual(MessagesRequest(again.message_bodies()[0]).text().count(
            f"/codex:result {job_id}"), 1, "announced once: only the earlier turn holds it")

    def test_a_background_job_keeps_running_after_the_session_ends(self):
        launched = self.companion("task", "--background", "--json", "long work", session=True,
                                  env={"FAKE_APP_SERVER_MODE": "hang"})
        self.assertEqual(launched.returncode, 0, launched.stderr)
        job_id = json.loads(launched.stdout)["jobId"]
        job = self.wait_job(job_id, "running")
        run = self.run_claude("/codex:status")
        self.assertEqual([c["argv"] for c in self.native_calls("hook")][-1],
                         ["hook", "session-end"], run.describe())
        self.assertEqual(self.job(job_id)["status"], "running")
        self.assertTrue(pid_alive(job["pid"]), "the session's end ended the worker")
        self.assertEqual(self.companion("cancel", job_id).returncode, 0)
        self.wait_job(job_id, "cancelled")

    def test_the_review_gate_blocks_once_with_codexs_finding(self):
        self.assertEqual(self.companion("setup", "--enable-review-gate", "--json").returncode, 0)
        run = self.run_claude("Tidy up a.txt.", env={"FAKE_APP_SERVER_FINAL": FINDING})
        bodies = run.message_bodies()
        self.assertEqual(len(bodies), 2, "one block: the model answers once more, then stops")
        again = MessagesRequest(bodies[1]).text()
        self.assertIn("Codex stop-time review found issues that still need fixes", again)
        self.assertIn("Missing empty-state guard in a.txt:1", again)
        self.assertIn("/codex:setup --disable-review-gate", again)
        stops = [json.loads(c["stdin"]) for c in self.native_calls("hook")
                 if c["argv"] == ["hook", "stop"]]
        self.assertEqual([s["stop_hook_active"] for s in stops], [False, True])
        self.assertEqual(len(self.app_server_messages("turn/start")), 1,
                         "the stop after the block is not reviewed again")
        (start,) = self.app_server_messages("thread/start")
        self.assertIs(start["params"]["ephemeral"], True)
        gate = [j for j in self.session_jobs() if j["title"] == "Codex Stop Gate Review"]
        self.assertEqual([j["status"] for j in gate], ["completed"])

    def test_the_review_gate_allows_a_clean_turn(self):
        self.assertEqual(self.companion("setup", "--enable-review-gate", "--json").returncode, 0)
        run = self.run_claude("What does a.txt say?",
                              env={"FAKE_APP_SERVER_FINAL": "ALLOW: no code changed"})
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertEqual(len(run.message_bodies()), 1, run.describe())
        self.assertEqual(len(self.app_server_messages("turn/start")), 1)

    # How a hook finds the runtime (hooks/hooks.json) -------------------------------------------

    def plugin_root_taken_away(self, mode):
        """A CLAUDE_CODE_SHELL_PREFIX that runs every hook with CLAUDE_PLUGIN_ROOT unset, empty or
        naming nothing (as a hook runner that does not set it would)."""
        prefix = os.path.join(self.tmp, "prefix-" + mode)
        value = {"unset": "unset CLAUDE_PLUGIN_ROOT",
                 "empty": "CLAUDE_PLUGIN_ROOT=; export CLAUDE_PLUGIN_ROOT",
                 "nowhere": "CLAUDE_PLUGIN_ROOT=/nonexistent/plugin; export CLAUDE_PLUGIN_ROOT"}
        with open(prefix, "w", encoding="utf-8") as f:
            f.write(f'#!/bin/sh\n{value[mode]}\nexec /bin/bash -c "$1"\n')
        os.chmod(prefix, 0o755)
        return {"CLAUDE_CODE_SHELL_PREFIX": prefix}

    def test_hooks_without_a_plugin_root_use_the_runtime_on_path(self):
        # Regression: with CLAUDE_PLUGIN_ROOT unset or empty every hook ran /bin/codex-companion
        # and failed (exit status 127) on every prompt and stop.
        on_path = os.path.join(self.tmp, "on-path")
        os.makedirs(on_path)
        os.symlink(os.path.join(PLUGIN_DIR, "bin", "codex-companion"),
                   os.path.join(on_path, "codex-companion"))
        for mode in ("unset", "empty", "nowhere"):
            with self.subTest(plugin_root=mode):
                before = len(self.native_calls("hook"))
                env = dict(self.plugin_root_taken_away(mode),
                           PATH=on_path + ":" + self.cenv.env()["PATH"])
                run = self.run_claude("hello", env=env)
                self.assertEqual(run.returncode, 0, run.describe())
                events = [c["argv"][1] for c in self.native_calls("hook")[before:]]
                self.assertEqual(set(events), {"session-start", "user-prompt-submit", "stop",
                                               "session-end"}, run.describe())
                self.assertEqual(self.hook_errors(), [])

    def test_hooks_without_a_plugin_root_or_a_runtime_on_path_stay_quiet(self):
        for mode in ("unset", "empty", "nowhere"):
            with self.subTest(plugin_root=mode):
                run = self.run_claude("hello", env=self.plugin_root_taken_away(mode))
                self.assertEqual(run.returncode, 0, run.describe())
                self.assertEqual(len(run.message_bodies()), 1, run.describe())
                self.assertEqual(self.native_calls("hook"), [])
                self.assertEqual(self.hook_errors(), [])
                self.assertNotIn("hook", run.stderr.lower(), run.describe())

    def test_hooks_stay_quiet_when_the_launcher_finds_no_runtime(self):
        # Regression: the launcher exited 1 for a missing runtime, a hook error on every prompt.
        self.cenv.extra_env.pop("CODEX_COMPANION_NATIVE")
        plugin = os.path.join(self.tmp, "plugin")  # a copy without native/ and no build beside it
        shutil.copytree(PLUGIN_DIR, plugin, ignore=shutil.ignore_patterns("native"))
        run = self.run_claude("hello", plugin_dir=plugin)
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertEqual(len(run.message_bodies()), 1, run.describe())
        self.assertEqual(self.hook_errors(), [])

    def test_transfer_hands_the_current_session_to_codex(self):
        codex_home = os.path.join(self.tmp, "codex-home")
        os.makedirs(codex_home)
        self.run_claude("Remember this request.")
        run = self.run_claude("/codex:transfer", env={"CODEX_HOME": codex_home})
        text = MessagesRequest(run.message_bodies()[0]).last_user_text()
        self.assertIn("Resume in Codex: codex resume thr-import-1", text, run.describe())
        (imported,) = self.app_server_messages("externalAgentConfig/import")
        (session,) = imported["params"]["migrationItems"][0]["details"]["sessions"]
        self.assertEqual(session["path"], os.path.realpath(os.path.join(
            self.cenv.config_dir, "projects", session["path"].split("/")[-2],
            self.session_id + ".jsonl")))


if __name__ == "__main__":
    main()
