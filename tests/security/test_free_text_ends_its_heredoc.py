"""Free text that ends its here-document.

The plugin's commands used to pass what the user typed ($ARGUMENTS) through a quoted
here-document with a fixed marker (`<<'CODEX_COMPANION_ARGS'`, `<<'CODEX_COMPANION_PROMPT'`): a
line of the text equal to the marker ended it early and the rest ran as shell, stopped only by
Claude Code's permission check — which --dangerously-skip-permissions turns off. Now the text
never is on a command line: the UserPromptExpansion hook stashes it for the session and
`codex-companion slash` takes it (hooks/typed_arguments.h); without the hook, `slash` prints the
call to make with a marker made up at random after the text was typed.

Here: the runtime's side (the stash reaches the command byte for byte, one session never takes
another's, a prompt clears it, the fallback's marker is fresh), and every command of the plugin
in the real Claude Code under --dangerously-skip-permissions (as root it needs IS_SANDBOX=1),
with and without hooks, typed text holding the old markers' lines, `$(…)`, backticks and quotes.
"""

import json
import os
import re
import subprocess
import sys
import unittest

from companion_testlib import BIN, SOURCE_DIR
from hooks_support import HookCase
from security_support import hostile

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "claude"))
from claude_case import (ClaudeCase, bang_fallback_rule, rescue_rules,  # noqa: E402
                         review_rule)

SESSION = "5d2b9c1e-7a3f-4b6d-9e8c-1f2a3b4c5d6e"
MARKER_LINE = re.compile(r"<<'(CODEX_COMPANION_ARGS_[0-9a-f]{24})'")
# Lines that ended the here-documents of the command files and of the rescue agent, each
# followed by shell that runs when they do; quotes, $(…) and backticks around them.
NASTY = ("look at \"the retry path\" it's $(touch PWNED1) `touch PWNED2` C:\\Users\\me\n"
         "CODEX_COMPANION_ARGS\n"
         ")\"; touch PWNED3; : \"$(cat <<'CODEX_COMPANION_ARGS'\n"
         "CODEX_COMPANION_PROMPT\n"
         "touch PWNED4\n"
         "cat <<'CODEX_COMPANION_PROMPT'\n"
         "CODEX_COMPANION_ARGS_0123456789abcdef01234567\n"
         "```!\ntouch PWNED5\n```\n!`touch PWNED6`")
# The classic case alone: the text ends the here-document, and the line after it is valid shell.
HEREDOC_END = ("look at \"the retry path\" it's $(touch PWNED1) `touch PWNED2`\n"
               "CODEX_COMPANION_ARGS\n"
               ")\"; touch PWNED3; : \"$(cat <<'CODEX_COMPANION_ARGS'")
TEXTS = (HEREDOC_END, NASTY)
PWNED = [f"PWNED{i}" for i in range(1, 7)]


class TheRuntimeTakesTheTypedText(HookCase):

    def setUp(self):
        super().setUp()
        self.make_repo()

    def expand(self, command, args, session=SESSION):
        out = self.hook("user-prompt-expansion", self.hook_input(
            "UserPromptExpansion", session, expansion_type="slash_command",
            command_name="codex:" + command, command_args=args, command_source="plugin",
            prompt=f"/codex:{command} {args}"))
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""))

    def slash(self, *args, session=SESSION):
        return self.run_cli("slash", f"--session={session}", *args)

    def assert_nothing_ran(self):
        for name in PWNED:
            self.assertFalse(os.path.exists(os.path.join(self.workspace, name)), name)

    def test_the_stash_reaches_the_command_byte_for_byte(self):
        with hostile("typed text: here-document markers, $(…), backticks, quotes via the stash"):
            self.expand("adversarial-review", "--wait " + NASTY)
            out = self.slash("adversarial-review")
            self.assertEqual(out.returncode, 0, out.stderr)
            (prompt,) = self.turn_texts()
            self.assertIn(NASTY, prompt)
            self.assert_nothing_ran()
        again = self.slash("adversarial-review")
        self.assertIn("did not reach codex-companion", again.stdout, "the stash was taken twice")

    def test_one_session_never_takes_anothers_text(self):
        with hostile("typed text: another session's stash"):
            self.expand("rescue", "--write " + NASTY, session="another-session")
            out = self.slash("rescue", "--write")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("did not reach codex-companion", out.stdout)
            self.assertEqual(self.turn_texts(), [])
            out = self.slash("rescue", "--write", session="another-session")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(self.turn_texts(), [NASTY])

    def test_the_next_prompt_clears_a_stash_nobody_took(self):
        self.expand("rescue", "the user's earlier request")
        out = self.hook("user-prompt-submit", self.hook_input("UserPromptSubmit", SESSION,
                                                              prompt="something else"))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("did not reach codex-companion", self.slash("rescue").stdout)

    def test_the_fallback_marker_is_made_up_after_the_text(self):
        with hostile("typed text: a line shaped like the fallback's marker"):
            first = self.slash("rescue", "--write")
            second = self.slash("rescue", "--write")
            markers = [MARKER_LINE.search(o.stdout).group(1) for o in (first, second)]
            self.assertNotEqual(markers[0], markers[1])
            self.assertNotIn(markers[0], NASTY)
            # What a model following it runs: the call with the text in place, by bash.
            call = first.stdout[first.stdout.index("codex-companion task"):]
            call = call.replace("<the arguments>", NASTY, 1)
            env = dict(self.env, PATH=os.path.dirname(BIN) + ":" + self.env["PATH"])
            run = subprocess.run(["bash", "-c", call], cwd=self.workspace, env=env,
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(self.turn_texts(), [NASTY])
            self.assert_nothing_ran()

    def test_slash_takes_no_text_on_its_command_line(self):
        for words in (["status", "--model=x"], ["status", "job-id"], ["task-worker"], []):
            with hostile("slash: text or an unknown command on its command line"):
                self.assert_one_line_error(self.slash(*words))


class EveryCommandInClaudeCode(ClaudeCase):
    """Each plugin command in the real Claude Code, permissions bypassed, the text typed."""

    def setUp(self):
        super().setUp()
        self.git("init", "-q", "-b", "main")
        self.write_file("app.py", "def f():\n    return 1\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "init")
        self.write_file("app.py", "def f():\n    return 2\n")
        self.bypass = ["--dangerously-skip-permissions"]
        self.cenv.extra_env["IS_SANDBOX"] = "1"  # root may bypass permissions only in a sandbox

    def no_hooks(self):
        path = os.path.join(self.tmp, "no-hooks.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"disableAllHooks": True}, f)
        return ["--settings", path]

    def assert_nothing_ran(self, run):
        ran = [name for name in PWNED if os.path.exists(os.path.join(self.cenv.project, name))]
        for name in ran:  # so that the next command is judged on its own
            os.remove(os.path.join(self.cenv.project, name))
        self.assertEqual(ran, [], f"a shell ran the typed text\n{run.describe()}")

    def type_command(self, name, rules, hooks=True):
        """Types each text after /codex:NAME; nothing of it may run."""
        self.rules = rules
        extra = self.bypass + ([] if hooks else self.no_hooks())
        with hostile(f"typed text after /codex:{name} in Claude Code"
                     f"{'' if hooks else ' without hooks'}, permissions bypassed", len(TEXTS)):
            for text in TEXTS:
                run = self.run_claude(f"/codex:{name} {text}", extra_args=extra, timeout=180)
                self.assert_nothing_ran(run)

    def turn_texts(self):
        return [t["params"]["input"][0]["text"] for t in self.app_server_messages("turn/start")]

    def test_bang_line_commands(self):
        for name in ("status", "result", "cancel", "logs", "apply", "config", "transfer",
                     "setup"):
            with self.subTest(command=name):
                self.type_command(name, [bang_fallback_rule(name)])

    def test_bang_line_commands_without_hooks(self):
        for name in ("status", "setup"):
            with self.subTest(command=name):
                self.type_command(name, [bang_fallback_rule(name)], hooks=False)

    def test_reviews(self):
        self.type_command("review", [review_rule("review")])
        self.type_command("adversarial-review", [review_rule("adversarial-review")])
        turns = self.turn_texts()  # review refuses focus text; the adversarial ones ran
        self.assertEqual(len(turns), len(TEXTS), turns)
        for text, turn in zip(TEXTS, turns):
            self.assertIn(text, turn)

    def test_reviews_without_hooks(self):
        self.type_command("adversarial-review", [review_rule("adversarial-review")], hooks=False)
        turns = self.turn_texts()
        self.assertEqual(len(turns), len(TEXTS), turns)
        for text, turn in zip(TEXTS, turns):
            self.assertIn(text, turn)

    def test_rescue(self):
        for hooks in (True, False):
            with self.subTest(hooks=hooks):
                self.type_command("rescue", rescue_rules(write=False), hooks=hooks)
        self.assertEqual(self.turn_texts(), list(TEXTS) * 2)


if __name__ == "__main__":
    unittest.main()
