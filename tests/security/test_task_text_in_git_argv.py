"""Fault (found with the notify command in `ps`): a task's text in git's command line.

A `--worktree` task's change is committed onto its branch with `git commit-tree -m MESSAGE`, and
the message holds the task's summary (Codex's answer or the prompt): every local user could read
it in that git's argv. The message now goes to git on its stdin. A `git` on PATH that records its
arguments shows what every git the companion starts was given.
"""

import os
import subprocess
import unittest

from security_support import FakeCodexCase, hostile

SECRET = "PROMPT-SECRET-4242"
RECORDER = """#!/bin/sh
for arg in "$@"; do printf '%s\\n' "$arg" >> "$GIT_ARGV_LOG"; done
exec {git} "$@"
"""


class TaskTextInGitArgv(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=False)
        bin_dir = os.path.join(self.tmp, "bin")
        os.makedirs(bin_dir)
        real_git = subprocess.run(["sh", "-c", "command -v git"], capture_output=True,
                                  text=True, check=True).stdout.strip()
        with open(os.path.join(bin_dir, "git"), "w") as f:
            f.write(RECORDER.format(git=real_git))
        os.chmod(os.path.join(bin_dir, "git"), 0o755)
        self.argv_log = os.path.join(self.tmp, "git-argv.log")
        self.env["GIT_ARGV_LOG"] = self.argv_log
        self.env["PATH"] = bin_dir + ":" + self.env["PATH"]

    def test_worktree_commit_message_is_not_an_argument(self):
        with hostile("argv: a task's summary in git's command line (commit-tree -m)"):
            out = self.run_json("task", "--write", "--worktree",
                                f"[[write:a.txt=new]] {SECRET} go",
                                env={"FAKE_APP_SERVER_FINAL": f"Done: {SECRET}"})
            self.assertEqual(out["changes"]["filesChanged"], 1)
            job_id = self.run_json("status")["latestFinished"]["id"]
            with open(self.argv_log) as f:
                argv = f.read()
            self.assertIn("commit-tree", argv)  # the recorder saw the commit
            self.assertNotIn(SECRET, argv)
            message = subprocess.run(["git", "log", "-1", "--format=%B", f"codex/{job_id}"],
                                     cwd=self.workspace, env=self.env, capture_output=True,
                                     text=True, check=True).stdout
            self.assertIn(f"Codex task {job_id}", message)
            self.assertIn(SECRET, message)  # the message itself is kept


if __name__ == "__main__":
    unittest.main()
