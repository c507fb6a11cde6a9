"""Fault (defense in depth): a planted worktree `.git` pointer.

After a `task --write --worktree` turn, git runs in the task's worktree (the snapshot, the commit
onto its branch). A task that rewrote the worktree's `.git` file to name a git directory of its
own had that git read the configuration there, which names programs: a clean filter ran outside
the sandbox. Only Codex's sandbox stopped a write task from doing it (it keeps a writable root's
top-level `.git` read-only). Before git runs in a worktree, its `.git` must now be a regular file
naming the worktree's own record under the repository's `.git/worktrees/`, and that record must
name it back; otherwise the job fails with one line, nothing of the planted configuration runs,
and nothing is committed to the branch.
"""

import os
import subprocess
import unittest

from security_support import FakeCodexCase, hostile


class PlantedWorktreeGitPointer(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=False)
        # A git directory of the task's making: its configuration runs a program on `git add`.
        evil_repo = os.path.join(self.tmp, "evil")
        subprocess.run(["git", "init", "-q", evil_repo], check=True, env=self.env)
        self.evil = os.path.join(evil_repo, ".git")
        self.marker = os.path.join(self.tmp, "FILTER_RAN")
        with open(os.path.join(self.evil, "config"), "a") as f:
            f.write(f'[filter "evil"]\n\tclean = touch {self.marker}; cat\n')

    def branch_commits(self, job_id):
        out = subprocess.run(["git", "rev-list", f"codex/{job_id}"], cwd=self.workspace,
                             env=self.env, capture_output=True, text=True)
        return out.stdout.split()

    def test_pointer_to_a_git_directory_of_the_tasks_making(self):
        prompt = (f"[[write:.gitattributes=* filter=evil]] [[write:a.txt=changed]] "
                  f"[[write:.git=gitdir: {self.evil}]] go")
        with hostile("worktree: a .git pointer the task rewrote to its own git directory"):
            proc = self.run_cli("task", "--write", "--worktree", prompt, timeout=60)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            lines = [l for l in proc.stderr.splitlines() if l.startswith("codex-companion:")]
            self.assertEqual(len(lines), 1, proc.stderr)
            self.assertIn("refusing to run git in the worktree", lines[0])
            self.assertFalse(os.path.exists(self.marker), "the planted filter ran")
            job = self.latest_job()
            self.assertEqual((job["status"], job["endReason"]), ("failed", "error"), job)
            base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.workspace, env=self.env,
                                  capture_output=True, text=True).stdout.split()
            self.assertEqual(self.branch_commits(job["id"])[:1], base)  # nothing committed
            self.assertEqual(self.lock_files(), [])

    def test_pointer_to_another_worktrees_record(self):
        first = self.run_json("task", "--write", "--worktree", "[[write:a.txt=one]] go")
        first_id = self.run_json("status")["latestFinished"]["id"]
        self.assertEqual(first["status"], 0, first)
        record = os.path.join(self.workspace, ".git", "worktrees", first_id)
        with hostile("worktree: a .git pointer to another worktree's record"):
            proc = self.run_cli("task", "--write", "--worktree",
                                f"[[write:.git=gitdir: {record}]] go", timeout=60)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            self.assertIn("refusing to run git in the worktree", proc.stderr.splitlines()[-1])


if __name__ == "__main__":
    unittest.main()
