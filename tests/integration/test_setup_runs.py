"""`setup` runs the Codex CLI once: one app-server, whose initialize answer names the version.

Regression (issue 14): `setup` started Codex three times (`codex --version`, `codex app-server
--help`, then the app-server for the account), 374 ms of its 4xx ms with the real CLI.
"""

import os
import stat
import unittest

from fake_codex_case import FAKE_CODEX, FakeCodexCase


class SetupStartsCodexOnce(FakeCodexCase):
    def wrap_codex(self, app_server_fails=False):
        """A `codex` that records its arguments, then runs the fake app-server (or, with
        app_server_fails, exits 3 as `app-server` while --version and --help still answer)."""
        self.calls = os.path.join(self.tmp, "codex-calls")
        wrapper = os.path.join(self.tmp, "codex")
        with open(wrapper, "w", encoding="utf-8") as f:
            fail = '[ "$*" = app-server ] && exit 3\n' if app_server_fails else ""
            f.write(f'#!/bin/sh\necho "$*" >> "{self.calls}"\n{fail}exec "{FAKE_CODEX}" "$@"\n')
        os.chmod(wrapper, stat.S_IRWXU)
        self.env["CODEX_COMPANION_CODEX"] = wrapper

    def codex_calls(self):
        with open(self.calls, encoding="utf-8") as f:
            return [line.strip() for line in f]

    def test_version_comes_from_the_app_server_alone(self):
        self.wrap_codex()
        report = self.run_json("setup")
        self.assertEqual(self.codex_calls(), ["app-server"])
        # fake_app_server.py answers initialize with userAgent "fake_app_server/0.0.0"; its
        # `--version` would print "codex-cli 0.0.0-fake".
        self.assertEqual(report["codex"]["version"], "codex-cli 0.0.0")
        self.assertEqual(report["codex"]["detail"], "codex-cli 0.0.0; advanced runtime available")
        self.assertTrue(report["codex"]["available"])
        self.assertTrue(report["auth"]["available"])

    def test_app_server_that_fails_falls_back_to_the_version_checks(self):
        self.wrap_codex(app_server_fails=True)
        report = self.run_json("setup")
        self.assertEqual(self.codex_calls(), ["app-server", "--version", "app-server --help"])
        self.assertEqual(report["codex"]["version"], "codex-cli 0.0.0-fake")
        self.assertFalse(report["auth"]["loggedIn"])


if __name__ == "__main__":
    unittest.main()
