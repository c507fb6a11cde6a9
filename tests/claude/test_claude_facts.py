"""What the plugin relies on in Claude Code itself, measured on the real CLI (SPEC.md section 7).

A small probe plugin (tests/claude/claude_probe.py, written into a temporary directory) prints its
argv, stdin and a few variables from `!` lines, from the Bash tool and from a subagent's Bash
tool, and records the JSON its hooks get on stdin. MEASURED_VERSION is the version these facts
were taken from; a newer pin runs the same checks.
"""

import json
import os
import re

from claude_case import MEASURED_VERSION, ClaudeCase, between, main
from claude_probe import args_of, make_probe_plugin
from messages_stub import MessagesRequest

# Text a user might type after a command: both quote kinds, a Windows path, shell syntax, a flag.
NASTY = ('fix "the quoted part" it\'s C:\\Users\\me\\src --write $(touch PWNED) `touch PWNED2` '
         '$HOME ) ( \\')


def comsub_command(text):
    return "probe \"$(cat <<'PROBE_END'\n" + text + "\n\nPROBE_END\n)\""


class ClaudeFactsTest(ClaudeCase):

    def setUp(self):
        super().setUp()
        self.hook_dir = os.path.join(self.tmp, "hooks")
        os.makedirs(self.hook_dir)
        self.all_hooks = make_probe_plugin(os.path.join(self.tmp, "probe-hooks"), {
            "SessionStart": 5, "UserPromptSubmit": 5, "UserPromptExpansion": 5, "Stop": 30,
            "SessionEnd": 10})
        self.no_hooks = make_probe_plugin(os.path.join(self.tmp, "probe-plain"), {})

    def run_probe(self, prompt, plugin, extra_args=(), env=None):
        return self.run_claude(prompt, plugin_dir=plugin, extra_args=extra_args,
                               env={"PROBE_HOOK_DIR": self.hook_dir, **(env or {})})

    def hook_times(self, event):
        """When each run of the hook for `event` started (ns), in order."""
        return sorted(int(n.split(".")[1]) for n in os.listdir(self.hook_dir)
                      if n.startswith(event + ".") and n.endswith(".json"))

    def env_files(self, event):
        names = sorted(n for n in os.listdir(self.hook_dir) if n.startswith(f"env-file.{event}."))
        out = []
        for name in names:
            with open(os.path.join(self.hook_dir, name), encoding="utf-8") as f:
                out.append(f.read().strip())
        return out

    def prompt_text(self, run, index=0):
        bodies = run.message_bodies()
        self.assertGreater(len(bodies), index, run.describe())
        return MessagesRequest(bodies[index]).last_user_text()

    def hook_inputs(self, event):
        names = sorted(n for n in os.listdir(self.hook_dir)
                       if n.startswith(event + ".") and n.endswith(".json"))
        out = []
        for name in names:
            with open(os.path.join(self.hook_dir, name), encoding="utf-8") as f:
                out.append(json.loads(f.read()))
        return out

    def test_version_is_the_measured_one(self):
        run = self.cenv.run(["--version"], timeout=60)
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertTrue(run.stdout.startswith(MEASURED_VERSION + " "),
                        f"facts were measured on Claude Code {MEASURED_VERSION}, this is "
                        f"{run.stdout.strip()}: re-measure, then update MEASURED_VERSION and "
                        "SPEC.md")

    def test_bang_lines_get_plugin_bin_but_not_plugin_root_without_session_start_export(self):
        run = self.run_probe("/probe:inline hello", self.no_hooks)
        text = self.prompt_text(run)
        self.assertIn("ROOT<unset> DATA<unset>", text)
        self.assertIn(os.path.join(self.no_hooks, "bin"), between(text, "PATH<", ">").split(":"))
        self.assertIn("STDINTYPE<character special file>", text)  # /dev/null
        # Headless (-p) runs offer no AskUserQuestion: the commands fall back to their
        # recommendation.
        tools = MessagesRequest(run.message_bodies()[0]).tool_names
        self.assertIn("Agent", tools)
        self.assertNotIn("AskUserQuestion", tools)

    def test_braced_plugin_root_is_replaced_in_command_text_though_unset_in_its_shell(self):
        # 2.1.332 substitutes ${CLAUDE_PLUGIN_ROOT} and ${CLAUDE_PLUGIN_DATA} in the file's text
        # (so also in `!` lines) while the variables stay unset in their environment.
        run = self.run_probe("/probe:rootvar", self.no_hooks)
        text = self.prompt_text(run)
        self.assertIn(f"Text: {self.no_hooks}\n", text)
        root, data = args_of(text)
        self.assertEqual(root, self.no_hooks)
        self.assertTrue(data.startswith(os.path.join(self.cenv.config_dir, "plugins", "data")),
                        data)
        self.assertIn("ROOT<unset> DATA<unset>", text)

    def test_session_start_exports_reach_bang_lines_bash_tool_and_subagents(self):
        self.rules = [self.bash_then_agent_rule("bash-tool", "agent-tool")]
        run = self.run_probe("/probe:model x", self.all_hooks)
        self.assertEqual(run.returncode, 0, run.describe())
        bodies = run.message_bodies()
        outputs = [r[1] for b in bodies for r in self.requests_results(b)]
        joined = "\n".join(outputs)
        self.assertIn("ARG<bash-tool>", joined)
        self.assertIn("ARG<agent-tool>", joined)
        for output in outputs:
            if "PROBE argc" not in output:
                continue
            self.assertIn(f"ROOT<{self.all_hooks}>", output)
            self.assertIn("SID<exported-by-session-start>", output)
            self.assertIn(os.path.join(self.all_hooks, "bin"), between(output, "PATH<", ">"))

    def bash_then_agent_rule(self, bash_arg, agent_arg):
        def rule(req):
            if "PROBE-AGENT-BODY" in req.system:
                if not req.tool_results():
                    return [{"type": "tool_use", "name": "Bash",
                             "input": {"command": f"probe {agent_arg}", "description": "probe"}}]
                return [{"type": "text", "text": "agent: {tool_result}"}]
            if "<command-name>/probe:model</command-name>" not in req.last_user_text():
                return None
            done = len(req.tool_results())
            if done == 0:
                return [{"type": "tool_use", "name": "Bash",
                         "input": {"command": f"probe {bash_arg}", "description": "probe"}}]
            if done == 1:
                return [{"type": "tool_use", "name": "Agent",
                         "input": {"description": "probe", "prompt": "run it",
                                   "subagent_type": "probe:probe-agent",
                                   "run_in_background": False}}]
            return [{"type": "text", "text": "done"}]
        return rule

    @staticmethod
    def requests_results(body):
        return MessagesRequest(body).tool_results()

    def test_failing_bang_line_aborts_before_the_model_and_shows_its_output(self):
        run = self.run_probe("/probe:fail", self.no_hooks)
        self.assertEqual(run.returncode, 0, run.describe())  # measured: still exit status 0
        self.assertEqual(run.message_bodies(), [], "the model was asked despite the failure")
        self.assertIn('Shell command failed for pattern "!`failing-probe`"', run.stdout)
        self.assertIn("probe stdout line", run.stdout)
        self.assertIn("probe: it failed; run the fix", run.stdout)

    def test_arguments_are_raw_and_quoted_arguments_lose_the_users_double_quotes(self):
        run = self.run_probe('/probe:inline say "two words" twice', self.no_hooks)
        text = self.prompt_text(run)
        self.assertIn("<command-args>say \"two words\" twice</command-args>", text)
        # "$ARGUMENTS" becomes "say "two words" twice": the user's quotes end the shell's.
        self.assertEqual(args_of(text), ["say two", "words twice"])

    def test_quoted_heredoc_on_stdin_keeps_free_text_byte_for_byte(self):
        run = self.run_probe("/probe:stdin " + NASTY, self.no_hooks)
        text = self.prompt_text(run)
        self.assertIn("STDIN<" + NASTY + "\n>", text)
        self.assert_nothing_executed()

    def test_quoted_heredoc_in_command_substitution_is_one_argument_byte_for_byte(self):
        run = self.run_probe("/probe:comsub " + NASTY, self.no_hooks)
        self.assertEqual(args_of(self.prompt_text(run)), [NASTY])
        self.assert_nothing_executed()

    def test_permission_check_refuses_a_substituted_heredoc_ending_in_a_backslash(self):
        # Why the plugin's here-documents end with a blank line: without it the text's trailing
        # backslash reads as a line continuation to Claude Code's checker (bash itself is fine).
        run = self.run_probe("/probe:comsub-tight ends with \\", self.no_hooks)
        self.assertEqual(run.message_bodies(), [])
        self.assertIn("can't be checked before it runs", run.stdout)

    def test_model_bash_call_with_quoted_heredocs_runs_under_the_commands_allowed_tools(self):
        # No --dangerously-skip-permissions: the command's allowed-tools must admit both forms.
        text = NASTY + "\nsecond line ``` with fences ```\n)\""

        def rule(req):
            if "<command-name>/probe:model</command-name>" not in req.last_user_text():
                return None
            raw = between(req.last_user_text(), "<raw>\n", "\n</raw>")
            commands = [comsub_command(raw), "probe --stdin <<'PROBE_END'\n" + raw + "\nPROBE_END"]
            done = len(req.tool_results())
            if done < len(commands):
                return [{"type": "tool_use", "name": "Bash",
                         "input": {"command": commands[done], "description": "probe"}}]
            return [{"type": "text", "text": "done"}]
        self.rules = [rule]
        run = self.run_probe("/probe:model " + text, self.no_hooks)
        results = [r[1] for r in MessagesRequest(run.message_bodies()[-1]).tool_results()]
        self.assertEqual(len(results), 2, run.describe())
        self.assertEqual(args_of(results[0]), [text], results[0])
        self.assertIn("STDIN<" + text + "\n>", results[1])
        self.assert_nothing_executed()

    def test_arguments_get_a_backslash_before_a_bang_that_starts_a_word(self):
        # Claude Code escapes `!` at a word start in $ARGUMENTS (it would start a `!` line);
        # the <command-args> element it adds keeps the text exactly as typed.
        run = self.run_probe("/probe:model wow!! so !x and !`y`", self.no_hooks)
        text = self.prompt_text(run)
        self.assertIn("<command-args>wow!! so !x and !`y`</command-args>", text)
        self.assertEqual(between(text, "<raw>\n", "\n</raw>"), "wow!! so \\!x and \\! `y`")

    def assert_nothing_executed(self):
        for name in ("PWNED", "PWNED2"):
            self.assertFalse(os.path.exists(os.path.join(self.cenv.project, name)),
                             f"a shell ran the user's text ({name} exists)")

    def test_hook_inputs_and_outputs(self):
        run = self.run_probe("/probe:inline hooks", self.all_hooks)
        self.assertEqual(run.returncode, 0, run.describe())
        start = self.hook_inputs("SessionStart")
        self.assertEqual(len(start), 1)
        self.assertEqual(start[0]["source"], "startup")
        for field in ("session_id", "transcript_path", "cwd", "hook_event_name"):
            self.assertIn(field, start[0])
        self.assertTrue(start[0]["transcript_path"].startswith(
            os.path.join(self.cenv.config_dir, "projects") + os.sep), start[0])
        prompt = self.hook_inputs("UserPromptSubmit")
        self.assertEqual([p["prompt"] for p in prompt], ["/probe:inline hooks"])
        bodies = run.message_bodies()
        self.assertEqual(len(bodies), 2, "the Stop hook's block asks the model once more")
        self.assertIn("PROBE-CONTEXT-LINE", MessagesRequest(bodies[0]).text())
        self.assertIn("PROBE-STOP-REASON", MessagesRequest(bodies[1]).text())
        stops = self.hook_inputs("Stop")
        self.assertEqual([s["stop_hook_active"] for s in stops], [False, True])
        self.assertEqual(stops[0]["last_assistant_message"], "Stub answer.")
        end = self.hook_inputs("SessionEnd")
        self.assertEqual(len(end), 1)
        self.assertIn("reason", end[0])  # "other" for a -p run that simply finished
        # A hook's stdin is a socket, not a pipe: a reader that only trusts pipes reads nothing.
        for event in ("SessionStart", "UserPromptSubmit", "Stop", "SessionEnd"):
            with open(os.path.join(self.hook_dir, "stdin-type." + event), encoding="utf-8") as f:
                self.assertEqual(f.read().strip(), "socket", event)

    def test_session_end_hooks_are_cut_at_about_one_and_a_half_seconds(self):
        run = self.run_probe("/probe:inline end", self.all_hooks)
        end = self.hook_inputs("SessionEnd")
        self.assertEqual(len(end), 1, run.describe())
        started = int(sorted(n for n in os.listdir(self.hook_dir)
                             if n.startswith("SessionEnd."))[0].split(".")[1])
        with open(os.path.join(self.hook_dir, "session-end-ticks"), encoding="utf-8") as f:
            ticks = [int(t) for t in f.read().split()]
        lived = (ticks[-1] - started) / 1e9
        # The hook asked for 10 s and would tick for 6 s; Claude Code ends it after ~1.5 s.
        self.assertGreater(lived, 1.0, ticks)
        self.assertLess(lived, 2.5, ticks)
        self.assertIn("SessionEnd hook", run.stderr)

    # The session's env file (hooks/session_env.h relies on these) ---------------------------

    def test_session_start_env_file_is_one_per_session_and_hook_kept_across_resumes(self):
        self.run_probe("/probe:inline one", self.all_hooks)
        self.run_probe("/probe:inline two", self.all_hooks)
        self.run_probe("/compact", self.all_hooks)
        sources = [i["source"] for i in self.hook_inputs("SessionStart")]
        self.assertEqual(sources, ["startup", "resume", "resume", "compact"])
        expected = os.path.join(self.cenv.config_dir, "session-env", self.session_id,
                                "sessionstart-hook-0.sh")
        self.assertEqual(self.env_files("SessionStart"), [expected] * 4)
        self.assertEqual(set(self.env_files("UserPromptSubmit")), {""})  # SessionStart's only
        # Never truncated: every start's appended lines are still there.
        with open(expected, encoding="utf-8") as f:
            self.assertEqual(f.read().count("export PROBE_SESSION="), 4)

    def test_the_env_file_is_read_by_path_before_each_command(self):
        # A hook that replaces the file by a rename: each command sees the newest file.
        env = {"PROBE_RENAME": "1"}
        first = self.run_probe("/probe:inline a", self.all_hooks, env=env)
        self.assertIn("SID<renamed-startup>", self.prompt_text(first))
        second = self.run_probe("/probe:inline b", self.all_hooks, env=env)
        self.assertIn("SID<renamed-resume>", self.prompt_text(second))

    # What a command's typed arguments pass through (hooks/typed_arguments.h) ------------------

    def test_prompt_expansion_gets_the_exact_arguments_before_the_bang_lines_run(self):
        run = self.run_probe('/probe:sid say "two words" !x and !`y`  ', self.all_hooks)
        (submit,) = self.hook_inputs("UserPromptSubmit")
        (expansion,) = self.hook_inputs("UserPromptExpansion")
        self.assertEqual(submit["prompt"], '/probe:sid say "two words" !x and !`y`  ')
        self.assertEqual((expansion["expansion_type"], expansion["command_name"],
                          expansion["command_args"], expansion["command_source"]),
                         ("slash_command", "probe:sid", 'say "two words" !x and !`y`',
                          "plugin"))
        self.assertEqual(expansion["session_id"], self.session_id)
        text = self.prompt_text(run)
        bang = int(re.search(r"PROBE argc=\d+ time=(\d+)", text).group(1))
        self.assertLess(self.hook_times("UserPromptSubmit")[0],
                        self.hook_times("UserPromptExpansion")[0])
        self.assertLess(self.hook_times("UserPromptExpansion")[0], bang)

    def test_a_command_the_model_invokes_runs_its_bang_lines_without_prompt_expansion(self):
        def rule(req):
            if "please run the probe" not in req.last_user_text():
                return None
            if req.tool_results():
                return [{"type": "text", "text": "done"}]
            return [{"type": "tool_use", "name": "Skill",
                     "input": {"skill": "probe:inline", "args": "from the model"}}]
        self.rules = [rule]
        run = self.run_probe("please run the probe", self.all_hooks,
                             extra_args=["--allowedTools", "Skill(probe:inline)", "--"])
        self.assertEqual(self.hook_inputs("UserPromptExpansion"), [], run.describe())
        joined = "\n".join(MessagesRequest(b).text() for b in run.message_bodies())
        self.assertIn("ARG<from the model>", joined)

    def test_claude_session_id_is_filled_into_bang_lines_and_command_text(self):
        run = self.run_probe("/probe:sid", self.no_hooks)
        text = self.prompt_text(run)
        self.assertIn(f"Text: {self.session_id}\n", text)
        self.assertEqual(args_of(text), [self.session_id])

    def test_bypassing_permissions_runs_text_that_ends_a_here_document(self):
        # Why no typed text may be in a `!` line: the permission check is all that stops it.
        text = "a\nPROBE_END\n)\"; touch PWNED; : \"$(cat <<'PROBE_END'"
        self.run_probe("/probe:comsub " + text, self.no_hooks)
        self.assertFalse(os.path.exists(os.path.join(self.cenv.project, "PWNED")))
        self.run_probe("/probe:comsub " + text, self.no_hooks,
                       extra_args=["--dangerously-skip-permissions"], env={"IS_SANDBOX": "1"})
        self.assertTrue(os.path.exists(os.path.join(self.cenv.project, "PWNED")))

    # Which hook output reaches the model (hooks/notices.h) -------------------------------------

    def test_context_gets_prompt_start_and_expansion_stdout_never_a_zero_exit_stderr(self):
        run = self.run_probe("/probe:inline context", self.all_hooks)
        texts = "\n".join(MessagesRequest(b).text() for b in run.message_bodies())
        for seen in ("PROBE-CONTEXT-LINE", "PROBE-SESSIONSTART-STDOUT", "PROBE-EXPANSION-STDOUT"):
            self.assertIn(seen, texts)
        for event in ("SessionStart", "UserPromptSubmit", "UserPromptExpansion", "Stop"):
            self.assertNotIn(f"PROBE-{event}-STDERR", texts)

    # A hook's failure, and how the tests take CLAUDE_PLUGIN_ROOT away (hooks/hooks.json) --------

    def test_a_hook_that_fails_is_an_error_in_the_transcript_and_the_shell_prefix_wraps_hooks(self):
        prefix = os.path.join(self.tmp, "prefix.sh")
        with open(prefix, "w", encoding="utf-8") as f:
            f.write('#!/bin/sh\nprintf "%s\\n" "$1" >> "$PROBE_HOOK_DIR/prefixed"\n'
                    'case "$1" in *SessionStart*) exit 3 ;; esac\nexec /bin/bash -c "$1"\n')
        os.chmod(prefix, 0o755)
        run = self.run_probe("/probe:inline x", self.all_hooks,
                             env={"CLAUDE_CODE_SHELL_PREFIX": prefix})
        with open(os.path.join(self.hook_dir, "prefixed"), encoding="utf-8") as f:
            wrapped = f.read().splitlines()
        self.assertIn('"${CLAUDE_PLUGIN_ROOT}/bin/probe-hook" Stop', wrapped)
        self.assertEqual([e["hookEvent"] for e in self.hook_errors()], ["SessionStart"],
                         run.describe())


if __name__ == "__main__":
    main()
