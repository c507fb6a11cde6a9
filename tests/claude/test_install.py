"""scripts/install against the real Claude Code, in a private HOME: it registers a checkout as a
marketplace and installs the plugin, a second run updates, and the installed plugin (no
--plugin-dir) runs the commands headless with the installed native runtime.

The checkout is a copy of the files the install uses (scripts/, plugin/, .claude-plugin/), so
the test never writes into the source tree; CODEX_COMPANION_PREBUILT hands it the binary the
build already made instead of a second, release build.
"""

import json
import os
import shutil
import subprocess

from claude_case import ClaudeCase, main
from companion_testlib import BIN, SOURCE_DIR


class InstallTest(ClaudeCase):

    def setUp(self):
        super().setUp()
        # The installed plugin must find its own runtime, not the recording stand-in.
        self.cenv.extra_env.pop("CODEX_COMPANION_NATIVE")
        self.checkout = os.path.join(self.tmp, "checkout")
        os.makedirs(os.path.join(self.checkout, "scripts"))
        for name in ("install", "setup"):
            shutil.copy2(os.path.join(SOURCE_DIR, "scripts", name),
                         os.path.join(self.checkout, "scripts", name))
        shutil.copytree(os.path.join(SOURCE_DIR, ".claude-plugin"),
                        os.path.join(self.checkout, ".claude-plugin"))
        shutil.copytree(os.path.join(SOURCE_DIR, "plugin"), os.path.join(self.checkout, "plugin"),
                        ignore=shutil.ignore_patterns("native"))
        self.native = os.path.join(self.checkout, "plugin", "native", "codex-companion")

    def install(self, claude=None):
        env = self.cenv.env({"CODEX_COMPANION_CLAUDE": claude or self.cenv.claude,
                             "CODEX_COMPANION_PREBUILT": BIN})
        return subprocess.run([os.path.join(self.checkout, "scripts", "install")],
                              cwd=self.tmp, env=env, capture_output=True, text=True, timeout=300)

    def installed_plugins(self):
        path = os.path.join(self.cenv.config_dir, "plugins", "installed_plugins.json")
        with open(path, encoding="utf-8") as f:
            return json.load(f)["plugins"]

    def test_install_registers_the_checkout_and_a_second_run_updates(self):
        first = self.install()
        self.assertEqual(first.returncode, 0, first.stderr + first.stdout)
        for line in ("/codex:setup", "/codex:review", "/codex:rescue"):
            self.assertIn(line, first.stdout)
        self.assertTrue(os.access(self.native, os.X_OK))
        self.assertEqual(list(self.installed_plugins()), ["codex@codex-companion"])
        listing = self.cenv.run(["plugin", "list"], timeout=60)
        self.assertIn("codex@codex-companion", listing.stdout)
        self.assertIn("enabled", listing.stdout)

        second = self.install()
        self.assertEqual(second.returncode, 0, second.stderr + second.stdout)
        self.assertEqual(list(self.installed_plugins()), ["codex@codex-companion"])
        self.assertEqual(len(self.installed_plugins()["codex@codex-companion"]), 1)

    def test_install_refuses_without_claude_before_touching_anything(self):
        result = self.install(claude="no-such-claude-binary")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Claude Code ('no-such-claude-binary') is not on PATH", result.stderr)
        self.assertIn("CODEX_COMPANION_CLAUDE", result.stderr)
        self.assertFalse(os.path.exists(self.native))
        self.assertFalse(os.path.exists(
            os.path.join(self.cenv.config_dir, "plugins", "installed_plugins.json")))

    def test_installed_plugin_runs_status_result_and_setup_headless(self):
        result = self.install()
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        out = self.companion("task", "--json", "say ECHO-INSTALLED-3", session=True)
        self.assertEqual(out.returncode, 0, out.stderr)

        status = self.run_claude("/codex:status", plugin_dir=None)
        prompt = self.prompt_text(status)
        self.assertIn("# Codex Status", prompt)
        self.assertIn("ECHO-INSTALLED-3", prompt)

        result_run = self.run_claude("/codex:result", plugin_dir=None)
        self.assertIn("ECHO: say ECHO-INSTALLED-3", self.prompt_text(result_run))

        setup = self.run_claude("/codex:setup", plugin_dir=None)
        self.assertIn('"reviewGateEnabled"', self.prompt_text(setup))

    def prompt_text(self, run):
        from messages_stub import MessagesRequest
        bodies = run.message_bodies()
        self.assertTrue(bodies, run.describe())
        return MessagesRequest(bodies[0]).last_user_text()


if __name__ == "__main__":
    main()
