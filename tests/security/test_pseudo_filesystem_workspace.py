"""Fault: the filesystem root or a pseudo-filesystem accepted as a workspace.

`--cwd /` or `--cwd /proc/self` (likewise /sys, /dev) was taken as the workspace, and Codex ran a
write task there. Both are now refused with one line, before any job or Codex process exists,
unless CODEX_COMPANION_ALLOW_ANY_WORKSPACE=1.
"""

import os
import unittest

from security_support import FakeCodexCase, hostile

ALLOW = {"CODEX_COMPANION_ALLOW_ANY_WORKSPACE": "1"}


class PseudoFilesystemWorkspace(FakeCodexCase):
    def assert_refused(self, proc, *fragments):
        line = self.assert_one_line_error(proc)
        for fragment in fragments:
            self.assertIn(fragment, line)
        self.assertEqual(self.app_server_messages("thread/start"), [], "Codex was started")
        self.assertEqual(self.state_dirs(), [], "a workspace store was created")
        return line

    def test_filesystem_root_is_refused(self):
        for args in (["task", "--write", "--cwd", "/", "tidy up"], ["status", "-C", "/"]):
            with self.subTest(args=args), hostile("workspace: the filesystem root"):
                self.assert_refused(self.run_cli(*args, cwd=self.tmp), "filesystem root",
                                    "CODEX_COMPANION_ALLOW_ANY_WORKSPACE")
        self.assert_refused(self.run_cli("task", "--write", "tidy", cwd="/"), "filesystem root")

    def test_proc_self_is_refused(self):
        with hostile("workspace: /proc/self"):
            self.assert_refused(self.run_cli("task", "--write", "--cwd", "/proc/self", "tidy up"),
                                "proc", "CODEX_COMPANION_ALLOW_ANY_WORKSPACE")

    def test_other_pseudo_filesystems_are_refused(self):
        for path, kind in (("/sys/kernel", "sysfs"), ("/proc/self/fd", "proc"),
                           ("/dev/pts", "devpts"), ("/dev", "devtmpfs")):
            if not os.path.isdir(path):
                continue
            with self.subTest(path=path), hostile("workspace: sysfs, devpts, devtmpfs"):
                self.assert_refused(self.run_cli("status", "--cwd", path), kind)

    def test_override_allows_any_workspace(self):
        proc = self.run_cli("task", "--cwd", "/", "look around", env=ALLOW, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.app_server_messages("thread/start")[0]["cwd"], "/")
        report = self.run_json("status", "--cwd", "/proc/self", env=ALLOW)
        self.assertTrue(report["workspaceRoot"].startswith("/proc/"), report["workspaceRoot"])

    def test_ordinary_directories_are_still_workspaces(self):
        report = self.run_json("status")
        self.assertEqual(report["workspaceRoot"], os.path.realpath(self.workspace))


if __name__ == "__main__":
    unittest.main()
