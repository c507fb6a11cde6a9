"""Fault: a planted `.git` above the workspace takes it over.

The workspace root was the nearest directory holding a `.git`, whoever owned it: another user's
`.git` in a parent directory (say /tmp/.git, which anyone can create) became the workspace and
Codex's cwd. The walk now stops at a directory owned by another user, and a `.git` owned by
another user is not ours either (git's safe.directory rule). Needs root to create files owned by
another uid; CI runs as root.
"""

import json
import os
import unittest

from security_support import FakeCodexCase, hostile

OTHER_UID = 65534  # nobody


@unittest.skipUnless(os.geteuid() == 0, "needs root to create another user's files")
class PlantedGitParent(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.parent = os.path.join(self.tmp, "shared")
        self.sub = os.path.join(self.parent, "mine")
        os.makedirs(self.sub)
        os.makedirs(os.path.join(self.parent, ".git"))
        self.ours = os.path.realpath(self.sub)

    def workspace_root(self):
        proc = self.run_cli("status", "--json", cwd=self.sub)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)["workspaceRoot"], proc.stderr

    def test_parent_and_git_owned_by_another_user_are_not_the_workspace(self):
        os.chown(self.parent, OTHER_UID, OTHER_UID)
        os.chown(os.path.join(self.parent, ".git"), OTHER_UID, OTHER_UID)
        with hostile("workspace: a parent directory and .git of another user"):
            self.assert_parent_not_taken()

    def assert_parent_not_taken(self):
        root, err = self.workspace_root()
        self.assertEqual(root, self.ours)
        # It matters here (a .git was ignored), so one line says so.
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertIn(os.path.realpath(self.parent), lines[0])
        self.assertIn("another user", lines[0])
        proc = self.run_cli("task", "what is here", cwd=self.sub, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.app_server_messages("thread/start")[0]["cwd"], self.ours)

    def test_git_owned_by_another_user_in_our_parent_is_not_ours(self):
        os.chown(os.path.join(self.parent, ".git"), OTHER_UID, OTHER_UID)
        with hostile("workspace: a .git of another user in our parent"):
            root, _ = self.workspace_root()
            self.assertEqual(root, self.ours)

    def test_walk_stops_at_another_users_directory(self):
        # Our repository above a directory of someone else: the walk does not cross it.
        middle = os.path.join(self.parent, "theirs")
        deep = os.path.join(middle, "deep")
        os.makedirs(deep)
        os.chown(middle, OTHER_UID, OTHER_UID)
        with hostile("workspace: a directory of another user between us and a .git"):
            proc = self.run_cli("status", "--json", cwd=deep)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(json.loads(proc.stdout)["workspaceRoot"], os.path.realpath(deep))

    def test_our_own_repository_above_is_still_found_quietly(self):
        root, err = self.workspace_root()
        self.assertEqual(root, os.path.realpath(self.parent))
        self.assertEqual(err, "")


if __name__ == "__main__":
    unittest.main()
