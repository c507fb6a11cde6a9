"""The plugin's files: Claude Code's own validator (offline), the manifest versions, the rules the
command files follow, and the launcher in plugin/bin (missing, old, or chosen runtime)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from claude_case import PLUGIN_DIR, ClaudeCase, main
from companion_testlib import SOURCE_DIR

COMMANDS = ("review", "adversarial-review", "rescue", "status", "result", "cancel", "setup",
            "transfer", "logs", "apply", "config", "queue", "steer")
LAUNCHER = os.path.join(PLUGIN_DIR, "bin", "codex-companion")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def cmake_version():
    match = re.search(r"project\(codex-companion VERSION ([0-9.]+)",
                      read(os.path.join(SOURCE_DIR, "CMakeLists.txt")))
    return match.group(1)


class ValidateTest(ClaudeCase):

    def validate(self, path):
        run = self.cenv.run(["plugin", "validate", "--strict", path], timeout=60)
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertIn("Validation passed", run.stdout)
        self.assertEqual(run.requests, [], "validate talked to the API stand-in")
        return run

    def test_marketplace_validates_strictly(self):
        self.validate(SOURCE_DIR)

    def test_plugin_validates_strictly_and_provides_every_command(self):
        run = self.validate(PLUGIN_DIR)
        for name in COMMANDS:
            self.assertIn(f"commands: codex:{name}\n", run.stdout)
        self.assertIn("agents: codex:codex-rescue", run.stdout)
        self.assertIn("bin: codex-companion", run.stdout)


class FilesTest(unittest.TestCase):

    def test_versions_agree(self):
        plugin = json.loads(read(os.path.join(PLUGIN_DIR, ".claude-plugin", "plugin.json")))
        market = json.loads(read(os.path.join(SOURCE_DIR, ".claude-plugin", "marketplace.json")))
        self.assertEqual(plugin["name"], "codex")  # so the commands are /codex:…
        entry = [p for p in market["plugins"] if p["name"] == "codex"]
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry[0]["source"], "./plugin")
        # The launcher refuses a runtime older than plugin.json says: keep them in step.
        self.assertEqual(plugin["version"], cmake_version())
        self.assertEqual(entry[0]["version"], plugin["version"])

    def test_commands_never_put_user_text_on_a_command_line(self):
        # Regression: a fixed here-document marker in a `!` line or in the model's Bash template
        # was ended by a line of the text equal to it (tests/security/test_free_text_ends_its_
        # heredoc.py): the text reaches the runtime through `slash`, never a command line.
        for name in COMMANDS:
            text = read(os.path.join(PLUGIN_DIR, "commands", f"{name}.md"))
            self.assertNotIn('"$ARGUMENTS"', text, name)
            self.assertNotIn("CLAUDE_PLUGIN_ROOT", text, name)
            self.assertNotIn("<<'", text, name)
            commands = re.findall(r"```!\n(.*?)```", text, re.S)
            commands += re.findall(r"(?<=\s)!`([^`]+)`", text)
            commands += re.findall(r"```bash\n(.*?)```", text, re.S)
            for command in commands:
                self.assertNotIn("$ARGUMENTS", command, name)
                self.assertNotRegex(command, r"\$[0-9]|\$ARGUMENTS\[", name)
                if command.startswith("codex-companion ") and name != "rescue":
                    self.assertRegex(command, r"^codex-companion slash --session="
                                              r"\$\{CLAUDE_SESSION_ID\} " + re.escape(name)
                                              + r"( --[a-z-]+)*\n?$", name)

    def test_agent_and_skills_call_the_runtime_by_name(self):
        agent = read(os.path.join(PLUGIN_DIR, "agents", "codex-rescue.md"))
        self.assertIn("\ntools: Bash\n", agent)
        self.assertIn("codex-companion slash rescue <options>\n", agent)
        self.assertNotIn("<<'", agent)
        for root, _, files in os.walk(os.path.join(PLUGIN_DIR, "skills")):
            for name in files:
                # Claude Code substitutes ${CLAUDE_PLUGIN_ROOT} in skill text (2.1.332).
                self.assertNotIn("CLAUDE_PLUGIN_ROOT", read(os.path.join(root, name)))

    def test_hooks_call_the_launcher_within_their_budgets(self):
        hooks = json.loads(read(os.path.join(PLUGIN_DIR, "hooks", "hooks.json")))["hooks"]
        expected = {"SessionStart": "session-start", "SessionEnd": "session-end",
                    "Stop": "stop", "UserPromptSubmit": "user-prompt-submit",
                    "UserPromptExpansion": "user-prompt-expansion"}
        self.assertEqual(set(hooks), set(expected))
        for event, arg in expected.items():
            (hook,) = hooks[event][0]["hooks"]
            self.assertTrue(hook["command"].endswith(f'exec "$c" hook {arg}'), hook["command"])
            # Never the literal ${CLAUDE_PLUGIN_ROOT}: Claude Code refuses a settings hook that
            # names it, and an empty one made /bin/codex-companion (reference issue #448).
            self.assertNotIn("${CLAUDE_PLUGIN_ROOT}", hook["command"])
            self.assertGreater(hook["timeout"], 0)
        self.assertEqual(hooks["UserPromptExpansion"][0]["matcher"], "^codex:")
        self.assertLessEqual(hooks["SessionEnd"][0]["hooks"][0]["timeout"], 2)
        self.assertLessEqual(hooks["Stop"][0]["hooks"][0]["timeout"], 900)

    def hook_command(self, event):
        hooks = json.loads(read(os.path.join(PLUGIN_DIR, "hooks", "hooks.json")))["hooks"]
        return hooks[event][0]["hooks"][0]["command"]

    def test_a_hook_without_a_plugin_root_falls_back_to_path_then_to_nothing(self):
        tmp = tempfile.mkdtemp(prefix="hook-root-")
        self.addCleanup(shutil.rmtree, tmp, True)
        on_path = os.path.join(tmp, "bin")
        os.makedirs(on_path)
        with open(os.path.join(on_path, "codex-companion"), "w", encoding="utf-8") as f:
            f.write('#!/bin/sh\nprintf "ran %s %s" "$1" "$2"\n')
        os.chmod(os.path.join(on_path, "codex-companion"), 0o755)
        roots = {"unset": None, "empty": "", "nowhere": os.path.join(tmp, "nowhere")}
        for shell in ("sh", "bash"):
            for name, root in roots.items():
                with self.subTest(shell=shell, plugin_root=name):
                    env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
                    if root is not None:
                        env["CLAUDE_PLUGIN_ROOT"] = root
                    command = self.hook_command("Stop")
                    found = subprocess.run([shell, "-c", command], input="{}", text=True,
                                           capture_output=True, timeout=30,
                                           env=dict(env, PATH=on_path + ":" + env["PATH"]))
                    self.assertEqual((found.returncode, found.stdout), (0, "ran hook stop"))
                    none = subprocess.run([shell, "-c", command], input="{}", text=True,
                                          capture_output=True, timeout=30, env=env)
                    self.assertEqual((none.returncode, none.stdout), (0, ""), none.stderr)
                    self.assertEqual(none.stderr.count("\n"), 1, none.stderr)
                    self.assertIn("the stop hook did nothing", none.stderr)


class LauncherTest(unittest.TestCase):
    """plugin/bin/codex-companion in a copy of the plugin, with stand-in runtimes."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="launcher-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.plugin = os.path.join(self.tmp, "plugin")
        shutil.copytree(PLUGIN_DIR, self.plugin, ignore=shutil.ignore_patterns("native"))
        self.version = json.loads(read(os.path.join(self.plugin, ".claude-plugin",
                                                    "plugin.json")))["version"]
        self.env = {"PATH": "/usr/bin:/bin", "HOME": self.tmp}

    def native(self, version, path=None):
        """A stand-in runtime; it reads stdin even for --version, as a careless one might."""
        path = path or os.path.join(self.plugin, "native", "codex-companion")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n"
                    f'[ "$1" = --version ] && {{ cat >/dev/null; echo "codex-companion {version}"; '
                    'exit 0; }\n'
                    'for a in "$@"; do printf "<%s>" "$a"; done; printf "|"; cat; exit 7\n')
        os.chmod(path, 0o755)
        return path

    def launch(self, *args, env=None, launcher=None, stdin="piped text\n"):
        return subprocess.run([launcher or os.path.join(self.plugin, "bin", "codex-companion"),
                               *args], env=dict(self.env, **(env or {})), input=stdin,
                              capture_output=True, text=True, timeout=30)

    def assert_one_line(self, result, fragment):
        self.assertEqual(result.returncode, 1, result)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("codex-companion: "), lines[0])
        self.assertIn(fragment, lines[0])
        self.assertEqual(result.stdout, "")

    def test_version_probe_leaves_stdin_to_the_command(self):
        # Regression: the version check once ran the runtime on the caller's stdin, so a runtime
        # (or wrapper) that read it there swallowed the task prompt of a here-document.
        self.native(self.version)
        self.assertEqual(self.launch("task").stdout, "<task>|piped text\n")

    def test_runs_the_installed_runtime_with_argv_and_stdin_untouched(self):
        self.native(self.version)
        result = self.launch("task", "it's \"x\"", "C:\\Users\\me")
        self.assertEqual(result.returncode, 7, result)
        self.assertEqual(result.stdout, "<task><it's \"x\"><C:\\Users\\me>|piped text\n")

    def test_missing_runtime_says_what_to_run(self):
        result = self.launch("status")
        self.assert_one_line(result, "the native runtime is not installed")
        self.assertIn("scripts/install", result.stderr)

    def test_older_runtime_is_refused(self):
        self.native("0.0.1")
        result = self.launch("status")
        self.assert_one_line(result, f"is version 0.0.1, older than this plugin ({self.version})")
        self.assertIn("scripts/install", result.stderr)

    def test_newer_runtime_runs(self):
        self.native("99.0.0")
        self.assertEqual(self.launch("status").returncode, 7)

    def test_development_build_is_found_beside_the_plugin(self):
        self.native(self.version, os.path.join(self.tmp, "build", "default", "codex-companion"))
        self.assertEqual(self.launch("status").stdout, "<status>|piped text\n")

    def test_explicit_runtime_must_exist(self):
        result = self.launch("status", env={"CODEX_COMPANION_NATIVE": "/nonexistent/runtime"})
        self.assert_one_line(result, "CODEX_COMPANION_NATIVE=/nonexistent/runtime is not an "
                                     "executable file")

    def test_symlinked_launcher_finds_its_plugin(self):
        self.native(self.version)
        link = os.path.join(self.tmp, "codex-companion")
        os.symlink(os.path.join(self.plugin, "bin", "codex-companion"), link)
        self.assertEqual(self.launch("x", launcher=link).stdout, "<x>|piped text\n")

    def test_a_hook_never_fails_because_the_runtime_is_missing_or_old(self):
        # Regression: the launcher exited 1 for a hook too, which Claude Code shows as a hook error
        # on every prompt and stop; for a hook it now exits 0 with its one line.
        cases = (("missing", None, "the native runtime is not installed"),
                 ("old", "0.0.1", "older than this plugin"),
                 ("not executable", "/nonexistent/runtime", "is not an executable file"))
        for what, version, fragment in cases:
            with self.subTest(runtime=what):
                env = {}
                if version == "/nonexistent/runtime":
                    env["CODEX_COMPANION_NATIVE"] = version
                elif version:
                    self.native(version)
                result = self.launch("hook", "stop", env=env, stdin="{}")
                self.assertEqual((result.returncode, result.stdout), (0, ""), result)
                lines = result.stderr.splitlines()
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertTrue(lines[0].startswith("codex-companion: the stop hook did nothing: "),
                                lines[0])
                self.assertIn(fragment, lines[0])
                self.assertEqual(self.launch("status", env=env).returncode, 1)

    def test_real_runtime_passes_the_version_check(self):
        from companion_testlib import BIN
        result = self.launch("--version", env={"CODEX_COMPANION_NATIVE": BIN})
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(result.stdout, f"codex-companion {self.version}\n")


if __name__ == "__main__":
    main()
