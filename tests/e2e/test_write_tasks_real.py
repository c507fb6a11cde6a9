"""Write tasks against the REAL Codex CLI (with the local Responses stand-in): the measured change
of a write task, an answer that claims an edit the tree never got, and a `--worktree` task whose
apply_patch lands in its own worktree and branch, then `apply` into the user's tree.

    ctest --test-dir build/default -R e2e.test_write_tasks_real --output-on-failure
"""

import os
import subprocess
import unittest

from turns_support import CodexTurnCase, git, init_repo


class RealWriteTasks(CodexTurnCase):
    def setUp(self):
        super().setUp()
        init_repo(self.workspace)

    def latest_id(self):
        return self.run_json("status")["latestFinished"]["id"]

    def test_measured_change_of_a_real_apply_patch(self):
        payload = self.run_json("task", "--write", "Add it [[stub:patch:added.txt]]")
        self.assertEqual(payload["status"], 0, payload)
        changes = payload["changes"]
        self.assertEqual(changes["filesChanged"], 1, changes)
        self.assertEqual(changes["files"][0]["path"], "added.txt")
        self.assertIsNone(changes["warning"])
        self.assertEqual(git(self.workspace, "diff", "--cached", "--name-only"), "")
        self.assert_no_processes_left()

    def test_claimed_edit_that_never_happened(self):
        payload = self.run_json("task", "--write",
                                "[[stub:say:I updated README.md with the new section.]]")
        self.assertEqual(payload["status"], 0, payload)
        self.assertTrue(payload["changes"]["claimedEdits"])
        self.assertFalse(payload["changes"]["changed"])
        text = self.run_cli("result", self.latest_id()).stdout
        self.assertIn("Warning: Codex's answer claims edits, but the working tree did not change",
                      text)
        self.assert_no_processes_left()

    def test_worktree_task_then_apply(self):
        status_before = git(self.workspace, "status", "--porcelain")
        payload = self.run_json("task", "--write", "--worktree", "Add it [[stub:patch:wt.txt]]")
        self.assertEqual(payload["status"], 0, payload)
        job_id = self.latest_id()
        worktree = payload["worktree"]
        self.assertEqual(worktree["branch"], "codex/" + job_id)
        self.assertTrue(os.path.isfile(os.path.join(worktree["path"], "wt.txt")))
        self.assertFalse(os.path.exists(os.path.join(self.workspace, "wt.txt")))
        self.assertEqual(git(self.workspace, "status", "--porcelain"), status_before)
        self.assertIn("wt.txt", git(self.workspace, "ls-tree", "--name-only", f"codex/{job_id}"))
        applied = self.run_json("apply", job_id)
        self.assertTrue(applied["applied"])
        self.assertTrue(os.path.isfile(os.path.join(self.workspace, "wt.txt")))
        self.assert_no_processes_left()


if __name__ == "__main__":
    unittest.main()
