"""Fault: the state directory could be placed where Codex can write.

A relative CODEX_COMPANION_STATE_DIR was resolved inside the current directory, so the job store
could live in the repository, where a sandboxed write task may write; the task could then rewrite
the store (the workspace's `notify` setting), which the companion later runs outside the sandbox.
Codex's workspace-write sandbox also lets every task write /tmp and $TMPDIR. Refused now, each with
one line saying what to set instead: a relative CODEX_COMPANION_STATE_DIR, a state directory in
/tmp or $TMPDIR (for every command), and a write task whose workspace holds the state directory
(compared as real paths), before anything is created. A relative XDG_STATE_HOME is ignored, as
the XDG Base Directory specification says.
"""

import os
import unittest

from security_support import FakeCodexCase, hostile


class StateDirWhereCodexCanWrite(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=False)

    def assert_refused(self, env, fragment, cwd=None, args=("task", "--write", "go")):
        before = sorted(os.listdir(self.workspace))
        proc = self.run_cli(*args, env=env, cwd=cwd)
        line = self.assert_one_line_error(proc, fragment)
        self.assertIn("CODEX_COMPANION_STATE_DIR", line)  # what to set instead
        self.assertEqual(self.app_server_messages("thread/start"), [], "Codex was started")
        self.assertEqual(sorted(os.listdir(self.workspace)), before, "a store was created")
        return line

    def test_relative_state_dir(self):
        for rel in ("state", ".codex-state", "./x/y", "../beside"):
            with self.subTest(rel=rel), hostile("state dir: a relative CODEX_COMPANION_STATE_DIR"):
                self.assert_refused({"CODEX_COMPANION_STATE_DIR": rel}, "is a relative path")
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "beside")))

    def test_state_dir_inside_the_workspace(self):
        sub = os.path.join(self.workspace, "sub")
        os.makedirs(sub)
        for state in (os.path.join(self.workspace, ".state"),
                      os.path.join(self.workspace, "sub", "deeper", "state")):
            for args in (("task", "--write", "go"), ("task", "--background", "--write", "go"),
                         ("task", "--write", "--json", "go")):
                with self.subTest(state=state, args=args), \
                        hostile("state dir: inside the workspace of a write task"):
                    self.assert_refused({"CODEX_COMPANION_STATE_DIR": state},
                                        "inside the workspace", cwd=sub, args=args)

    def test_other_commands_may_use_a_store_inside_their_directory(self):
        # `status` from a home directory that holds ~/.local/state: only a write task there could
        # rewrite the store. A read-only task may run too.
        env = {"CODEX_COMPANION_STATE_DIR": os.path.join(self.workspace, ".state")}
        self.assertEqual(self.run_json("status", env=env)["running"], [])
        proc = self.run_cli("task", "look around", env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.run_json("status", env=env)["latestFinished"]["status"], "completed")

    def test_state_dir_through_a_symlink_into_the_workspace(self):
        link = os.path.join(self.tmp, "link-to-ws")
        os.symlink(self.workspace, link)
        with hostile("state dir: a symlinked path that resolves into the workspace"):
            self.assert_refused({"CODEX_COMPANION_STATE_DIR": os.path.join(link, ".state")},
                                "inside the workspace")

    def test_state_dir_in_tmp_or_tmpdir(self):
        with hostile("state dir: in /tmp, which every write task may write"):
            self.assert_refused({"CODEX_COMPANION_STATE_DIR": "/tmp/codex-companion-state"},
                                "inside /tmp")
            self.assertFalse(os.path.exists("/tmp/codex-companion-state"))
        tmpdir = os.path.join(self.tmp, "my-tmp")
        os.makedirs(tmpdir)
        with hostile("state dir: in $TMPDIR, which every write task may write"):
            self.assert_refused({"TMPDIR": tmpdir, "XDG_STATE_HOME": os.path.join(tmpdir, "s")},
                                "inside $TMPDIR")
        with hostile("state dir: a HOME under /tmp (the default state root there)"):
            self.assert_refused({"HOME": "/tmp", "XDG_STATE_HOME": ""}, "inside /tmp")

    def test_relative_xdg_state_home_is_ignored(self):
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        with hostile("state dir: a relative XDG_STATE_HOME"):
            report = self.run_json("status", env={"XDG_STATE_HOME": "rel-state", "HOME": home})
            self.assertEqual(report["running"], [])
            self.assertFalse(os.path.exists(os.path.join(self.workspace, "rel-state")))
            self.assertTrue(os.path.isdir(os.path.join(home, ".local", "state", "codex-companion")))

    def test_a_state_dir_beside_the_repository_works(self):
        state = os.path.join(self.tmp, "beside-state")
        proc = self.run_cli("task", "--write", "go", env={"CODEX_COMPANION_STATE_DIR": state})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.listdir(state))


if __name__ == "__main__":
    unittest.main()
