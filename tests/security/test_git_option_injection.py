"""Fault: a repository can put an option into git's argv.

A clone whose remote HEAD is a branch named `--output=<file>` made `review` run
`git rev-list --count --output=<file>..HEAD`, and git created or truncated `<file>..HEAD`. Refs
from anywhere (--base, origin/HEAD, defaults) now pass one check and reach git only after
--end-of-options. The repository here is built with plumbing (update-ref, symbolic-ref), as a
hostile remote would leave it after a clone.
"""

import os
import unittest

from security_support import FakeCodexCase, hostile


class GitOptionInjection(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.victim_dir = os.path.join(self.tmp, "victim")
        os.makedirs(self.victim_dir)
        # git would open "<name after --output=>..HEAD" for writing.
        self.victim = os.path.join(self.victim_dir, "precious..HEAD")
        with open(self.victim, "w") as f:
            f.write("precious data\n")
        self.evil_branch = "--output=" + os.path.join(self.victim_dir, "precious")
        self.make_repo(dirty=False)
        self.git("checkout", "-q", "-b", "feature")
        with open(os.path.join(self.workspace, "b.txt"), "w") as f:
            f.write("feature work\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "feature work")
        # What a clone of a remote whose HEAD is that branch leaves behind.
        self.git("update-ref", f"refs/heads/{self.evil_branch}", "main")
        self.git("update-ref", f"refs/remotes/origin/{self.evil_branch}", "main")
        self.git("symbolic-ref", "refs/remotes/origin/HEAD", f"refs/remotes/origin/{self.evil_branch}")

    def assert_victim_untouched(self):
        with open(self.victim) as f:
            self.assertEqual(f.read(), "precious data\n")
        self.assertEqual(sorted(os.listdir(self.victim_dir)), ["precious..HEAD"])

    def test_origin_head_named_like_an_option_does_not_reach_git(self):
        for args in (["review"], ["review", "--scope", "branch"], ["adversarial-review"],
                     ["adversarial-review", "--background", "--scope=branch"]):
            with self.subTest(args=args), hostile("git: origin/HEAD named like an option"):
                proc = self.run_cli(*args, timeout=60)
                self.assert_victim_untouched()
                line = self.assert_one_line_error(proc, "origin/HEAD")
                self.assertIn("--base", line)
                self.assertEqual(self.app_server_messages("thread/start"), [])

    def test_explicit_base_named_like_an_option_is_refused(self):
        for base in (self.evil_branch, "-o" + self.victim):
            with self.subTest(base=base), hostile("git: --base value named like an option"):
                proc = self.run_cli("review", f"--base={base}", timeout=60)
                self.assert_one_line_error(proc, "base ref")
                self.assert_victim_untouched()

    def test_a_safe_base_still_works_in_that_repository(self):
        proc = self.run_cli("review", "--base", "main", "--json", timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_victim_untouched()
        target = self.app_server_messages("review/start")[0]["target"]
        self.assertEqual(target, {"type": "baseBranch", "branch": "main"})


if __name__ == "__main__":
    unittest.main()
