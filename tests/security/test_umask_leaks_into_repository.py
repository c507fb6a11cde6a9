"""Fault: our private umask leaked into the user's repository.

The companion sets umask 077 for its own state, and everything it started inherited it: files
Codex created in a write task, the files `apply` wrote, git's objects in the user's repository and
whatever the notify command made came out 0600/0700 instead of following the user's umask. Every
child now gets the umask the companion started with (the app-server directly or behind the
broker, git, the notify command, the workers' children); our own files keep 0600/0700 by
explicit modes. With the real Codex CLI (both runtimes) and with the fake app-server.
"""

import os
import stat
import subprocess
import unittest

from companion_testlib import read_text, wait_until
from real_codex_case import RealCodexCase
from security_support import FakeCodexCase, hostile
from turns_support import init_repo

USER_UMASK = 0o002  # neither the companion's 077 nor the common 022: a mode that follows it


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


class UserUmask:
    """Runs the test (and every process it starts) with USER_UMASK."""

    def setUp(self):
        self._umask = os.umask(USER_UMASK)
        self.addCleanup(os.umask, self._umask)
        super().setUp()
        self.notified = os.path.join(self.tmp, "notified")
        self.env["NOTIFY_OUT"] = self.notified
        self.env["GIT_CONFIG_NOSYSTEM"] = "1"
        self.env["GIT_CONFIG_GLOBAL"] = "/dev/null"

    def set_notify(self):
        proc = self.run_cli("config", "set", "notify", 'umask > "$NOTIFY_OUT"')
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def wait_notified(self):
        wait_until(lambda: read_text(self.notified).strip(), 20, what="the notify command")

    def assert_user_mode(self, path, expected=0o664):
        self.assertEqual(oct(mode_of(path)), oct(expected), path)

    def assert_private_state(self):
        for d in self.state_dirs():
            self.assertEqual(oct(mode_of(d)), oct(0o700), d)
            self.assertEqual(oct(mode_of(os.path.join(d, "state.db"))), oct(0o600))
            for name in os.listdir(os.path.join(d, "jobs")):
                self.assertEqual(mode_of(os.path.join(d, "jobs", name)) & 0o077, 0, name)


class FakeCodexUmask(UserUmask, FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=False)

    def test_write_task_files_and_repository_objects(self):
        with hostile("umask: files a write task creates in the user's tree"):
            out = self.run_json("task", "--write", "[[write:made.txt=x]] go")
            self.assertEqual(out["changes"]["filesChanged"], 1)
            self.assert_user_mode(os.path.join(self.workspace, "made.txt"))
        with hostile("umask: git objects the snapshot writes into the user's repository"):
            blob = self.run_git_out("hash-object", "made.txt").strip()
            self.assert_user_mode(os.path.join(self.workspace, ".git", "objects", blob[:2],
                                               blob[2:]), 0o444)
        self.assert_private_state()

    def test_apply_and_notify(self):
        self.set_notify()
        launched = self.run_json("task", "--background", "--write", "--worktree",
                                 "[[write:sub/applied.txt=x]] go")
        job = self.run_json("status", launched["jobId"], "--wait", "--timeout-ms", "30000")["job"]
        self.assertEqual(job["status"], "completed", job)
        with hostile("umask: what the notify command creates"):
            self.wait_notified()
            with open(self.notified) as f:
                self.assertEqual(f.read().strip(), "0002")
            self.assert_user_mode(self.notified)
        with hostile("umask: files and directories apply writes"):
            self.run_json("apply", launched["jobId"])
            self.assert_user_mode(os.path.join(self.workspace, "sub", "applied.txt"))
            self.assert_user_mode(os.path.join(self.workspace, "sub"), 0o775)
        self.assert_private_state()

    def run_git_out(self, *args):
        return subprocess.run(["git", *args], cwd=self.workspace, env=self.env, check=True,
                              capture_output=True, text=True).stdout


class RealCodexUmask(UserUmask, RealCodexCase):
    def setUp(self):
        super().setUp()
        init_repo(self.workspace)

    def tearDown(self):
        if self.runtime is None and self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        super().tearDown()

    def test_real_codex_creates_files_with_the_users_umask(self):
        with hostile("umask: files the real Codex creates (apply_patch) in a write task"):
            out = self.run_json("task", "--write", "Add it [[stub:patch:real.txt]]", timeout=120)
            self.assertEqual(out["status"], 0, out)
            self.assert_user_mode(os.path.join(self.workspace, "real.txt"))
        self.assert_private_state()

    def test_real_codex_worktree_apply_and_notify(self):
        self.set_notify()
        launched = self.run_json("task", "--background", "--write", "--worktree",
                                 "Add it [[stub:patch:wt.txt]]")
        job = self.run_json("status", launched["jobId"], "--wait", "--timeout-ms", "120000",
                            timeout=150)["job"]
        self.assertEqual(job["status"], "completed", job)
        with hostile("umask: a real worktree task applied, and its notify command"):
            self.wait_notified()
            with open(self.notified) as f:
                self.assertEqual(f.read().strip(), "0002")
            self.assert_user_mode(os.path.join(job["result"]["worktree"]["path"], "wt.txt"))
            self.run_json("apply", launched["jobId"])
            self.assert_user_mode(os.path.join(self.workspace, "wt.txt"))
        self.assert_private_state()


class RealCodexUmaskShared(RealCodexUmask):
    runtime = None  # the app-server behind the workspace's broker


if __name__ == "__main__":
    unittest.main()
