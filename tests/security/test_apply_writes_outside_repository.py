"""Fault: `apply` wrote outside the repository.

A change made entirely inside a sandboxed worktree task (`task --write --worktree`, then `apply
JOB`) created files outside the user's repository when the user's tree had an untracked or ignored
symlink to a directory: a patch adding files under that name went through the link (`git apply
--index` checks links in the index only). Every path the change touches is now checked on disk,
component by component, without following links; a change that would go through one is refused
with one line and nothing is written: not outside, not in the work tree, not in the index.
"""

import os
import subprocess
import unittest

from security_support import FakeCodexCase, hostile


class ApplyThroughALink(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=False)
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(self.outside)
        with open(os.path.join(self.outside, "keep.txt"), "w") as f:
            f.write("tracked\n")  # the same text as the repository's lib/keep.txt below

    def git_out(self, *args):
        return subprocess.run(["git", *args], cwd=self.workspace, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def worktree_task(self, prompt):
        out = self.run_json("task", "--write", "--worktree", prompt)
        self.assertEqual(out["status"], 0, out)
        return self.run_json("status")["latestFinished"]["id"]

    def assert_refused_and_untouched(self, job_id, link_name):
        outside_before = sorted(os.listdir(self.outside))
        status_before = self.git_out("status", "--porcelain", "--ignored")
        index_before = self.git_out("ls-files", "--stage")
        proc = self.run_cli("apply", job_id)
        line = self.assert_one_line_error(proc, "refusing to apply the change of " + job_id)
        self.assertIn(f"symlink {link_name}", line)
        self.assertIn("Nothing was changed", line)
        self.assertEqual(sorted(os.listdir(self.outside)), outside_before)
        with open(os.path.join(self.outside, "keep.txt")) as f:
            self.assertEqual(f.read(), "tracked\n")
        self.assertEqual(self.git_out("status", "--porcelain", "--ignored"), status_before)
        self.assertEqual(self.git_out("ls-files", "--stage"), index_before)
        return line

    def test_untracked_symlink_takes_the_added_files(self):
        job_id = self.worktree_task("[[write:out/evil.txt=pwned]] go")
        os.symlink(self.outside, os.path.join(self.workspace, "out"))  # untracked
        with hostile("apply: an untracked symlink in the user's tree on the change's path"):
            self.assert_refused_and_untouched(job_id, "out")
            self.assertFalse(os.path.exists(os.path.join(self.outside, "evil.txt")))

    def test_ignored_symlink_deeper_in_the_tree(self):
        job_id = self.worktree_task("[[write:build/cache/evil.txt=pwned]] go")
        with open(os.path.join(self.workspace, ".gitignore"), "w") as f:
            f.write("build/cache\n")
        os.makedirs(os.path.join(self.workspace, "build"))
        os.symlink(self.outside, os.path.join(self.workspace, "build", "cache"))  # ignored
        with hostile("apply: an ignored symlink deeper in the user's tree"):
            self.assert_refused_and_untouched(job_id, "build/cache")
            self.assertFalse(os.path.exists(os.path.join(self.outside, "evil.txt")))

    def test_deletion_through_a_link(self):
        # The repository tracks lib/keep.txt; the task deletes it; the user has since replaced
        # lib by a symlink to a directory holding a keep.txt of its own (the same text, so the
        # patch's deletion would match it).
        os.makedirs(os.path.join(self.workspace, "lib"))
        with open(os.path.join(self.workspace, "lib", "keep.txt"), "w") as f:
            f.write("tracked\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "lib")
        job_id = self.worktree_task("[[delete:lib/keep.txt]] go")
        self.git("rm", "-q", "--cached", "-r", "lib")
        os.rename(os.path.join(self.workspace, "lib"), os.path.join(self.tmp, "old-lib"))
        os.symlink(self.outside, os.path.join(self.workspace, "lib"))
        with hostile("apply: a deletion through a symlink in the user's tree"):
            self.assert_refused_and_untouched(job_id, "lib")

    def test_a_change_without_links_still_applies(self):
        job_id = self.worktree_task("[[write:out/fine.txt=ok]] go")
        applied = self.run_json("apply", job_id)
        self.assertTrue(applied["applied"])
        with open(os.path.join(self.workspace, "out", "fine.txt")) as f:
            self.assertEqual(f.read(), "ok\n")


if __name__ == "__main__":
    unittest.main()
