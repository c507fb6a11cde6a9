"""Write tasks against the fake app-server: what really changed (a diffstat measured by git, and a
plain warning when Codex claims edits that never happened: openai/codex-plugin-cc#754),
`task --from-review`, and isolated `task --write --worktree` jobs with `apply`, including faults
(a conflicting tree, two worktree tasks at once, a worktree deleted under a running job).

The fake app-server acts on markers in the prompt: [[write:PATH=TEXT]] writes a file in the
thread's cwd, [[claim-edit:PATH]] reports a file change without writing, [[sleep:S]] waits."""

import json
import os
import shutil
import subprocess
import unittest

from companion_testlib import wait_until
from fake_codex_case import FakeCodexCase

FINDINGS = {
    "verdict": "needs-attention",
    "summary": "One real bug.",
    "findings": [{"severity": "high", "title": "Greeting lost its newline",
                  "body": "a.txt ends without the expected line.", "file": "a.txt",
                  "line_start": 1, "line_end": 1, "confidence": 0.9,
                  "recommendation": "Restore the line."}],
    "next_steps": [],
}


class WriteTaskCase(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=False)

    def read(self, name, cwd=None):
        with open(os.path.join(cwd or self.workspace, name), encoding="utf-8") as f:
            return f.read()

    def git_out(self, *args, cwd=None):
        return subprocess.run(["git", *args], cwd=cwd or self.workspace, env=self.env,
                              check=True, capture_output=True, text=True).stdout

    def task(self, *args, env=None):
        return self.run_json("task", *args, env=env)

    def stored(self, job_id):
        return self.run_json("result", job_id)["storedJob"]

    def wait_terminal(self, job_id, timeout_ms=30000):
        report = self.run_json("status", job_id, "--wait", "--timeout-ms", str(timeout_ms),
                               timeout=timeout_ms / 1000 + 15)
        self.assertFalse(report.get("waitTimedOut"), f"{job_id} did not end: {report}")
        return report["job"]


class WriteTaskReportsWhatChanged(WriteTaskCase):
    def test_diffstat_of_a_write_task(self):
        index_before = self.git_out("ls-files", "--stage")
        out = self.task("--write", "[[write:a.txt=changed]] [[write:new.txt=hello]] go")
        changes = out["changes"]
        self.assertTrue(changes["measured"])
        self.assertEqual(changes["filesChanged"], 2)
        self.assertEqual(changes["insertions"], 2)
        self.assertEqual(changes["deletions"], 1)
        self.assertEqual(sorted(f["path"] for f in changes["files"]), ["a.txt", "new.txt"])
        self.assertIsNone(changes["warning"])
        self.assertEqual(self.git_out("ls-files", "--stage"), index_before)  # index untouched
        job_id = self.run_json("status")["latestFinished"]["id"]
        text = self.run_cli("result", job_id).stdout
        self.assertIn("Changes: 2 files changed, 2 insertions(+), 1 deletion(-)", text)
        self.assertEqual(self.stored(job_id)["result"]["changes"]["filesChanged"], 2)

    def test_claimed_edit_that_never_happened(self):
        out = self.task("--write", "[[claim-edit:a.txt]] I updated a.txt as asked.")
        changes = out["changes"]
        self.assertFalse(changes["changed"])
        self.assertTrue(changes["claimedEdits"])
        self.assertIn("claims edits, but the working tree did not change", changes["warning"])
        job_id = self.run_json("status")["latestFinished"]["id"]
        self.assertIn("Warning: Codex's answer claims edits", self.run_cli("result", job_id).stdout)

    def test_claim_in_the_answer_alone_is_caught_too(self):
        out = self.task("--write", "I have fixed the bug in a.txt.")  # echoed back as the answer
        self.assertTrue(out["changes"]["claimedEdits"])
        self.assertIn("claims edits", out["changes"]["warning"])

    def test_a_write_task_that_changed_nothing_says_so(self):
        out = self.task("--write", "look around")
        self.assertFalse(out["changes"]["claimedEdits"])
        self.assertIn("No file changed", out["changes"]["warning"])

    def test_read_only_task_has_no_changes_report(self):
        self.assertNotIn("changes", self.task("look around"))

    def test_outside_git_the_change_is_not_measured_and_the_task_still_runs(self):
        plain = os.path.join(self.tmp, "plain")
        os.makedirs(plain)
        proc = self.run_cli("task", "--json", "--write", "[[write:x.txt=1]] go", cwd=plain,
                            env={"CODEX_COMPANION_ALLOW_ANY_WORKSPACE": "1"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout)
        self.assertFalse(out["changes"]["measured"])
        self.assertTrue(out["changes"]["claimedEdits"])


class FromReview(WriteTaskCase):
    def review_job(self):
        with open(os.path.join(self.workspace, "a.txt"), "w") as f:
            f.write("dirty\n")
        self.run_json("adversarial-review", "--wait",
                      env={"FAKE_APP_SERVER_FINAL": json.dumps(FINDINGS)})
        return self.run_json("status")["latestFinished"]["id"]

    def test_prompt_is_built_from_the_stored_findings(self):
        review_id = self.review_job()
        out = self.task("--from-review", review_id, "keep it short")
        self.assertEqual(out["status"], 0)
        prompt = self.turn_texts()[-1]
        self.assertIn("Greeting lost its newline", prompt)
        self.assertIn("Recommendation: Restore the line.", prompt)
        self.assertIn(review_id, prompt)
        self.assertIn("keep it short", prompt)
        self.assertEqual(self.app_server_messages("thread/start")[-1]["sandbox"], "workspace-write")
        self.assertIn("changes", out)
        job = self.run_json("status")["latestFinished"]
        self.assertEqual(job["summary"].split(":")[0], "ECHO")  # the answer replaced the summary
        self.assertEqual(self.stored(job["id"])["request"]["fromReview"], review_id)

    def test_native_review_text_is_used(self):
        with open(os.path.join(self.workspace, "a.txt"), "w") as f:
            f.write("dirty\n")
        self.run_json("review", "--wait")
        review_id = self.run_json("status")["latestFinished"]["id"]
        self.task("--from-review", review_id)
        self.assertIn("No issues found.", self.turn_texts()[-1])

    def test_refuses_a_job_that_is_not_a_finished_review(self):
        self.task("look around")
        task_id = self.run_json("status")["latestFinished"]["id"]
        self.assert_one_line_error(self.run_cli("task", "--from-review", task_id),
                                   "is a task, not a review")
        self.assert_one_line_error(self.run_cli("task", "--from-review", "review-zz-zzzzzz"))
        with open(os.path.join(self.workspace, "a.txt"), "w") as f:
            f.write("dirty\n")
        self.run_cli("adversarial-review", "--wait", env={"FAKE_APP_SERVER_MODE": "turn-failed"})
        failed_id = self.run_json("status")["latestFinished"]["id"]
        turns = len(self.turn_texts())
        self.assert_one_line_error(self.run_cli("task", "--from-review", failed_id), "ended failed")
        self.assertEqual(len(self.turn_texts()), turns)  # no task turn was started


class WorktreeTasks(WriteTaskCase):
    def worktree_task(self, prompt, env=None):
        out = self.task("--write", "--worktree", prompt, env=env)
        return self.run_json("status")["latestFinished"]["id"], out

    def test_runs_in_a_worktree_on_its_own_branch_and_applies(self):
        job_id, out = self.worktree_task("[[write:a.txt=from codex]] go")
        worktree = out["worktree"]
        self.assertEqual(worktree["branch"], "codex/" + job_id)
        self.assertTrue(worktree["path"].startswith(self.state_home), worktree["path"])
        self.assertEqual(self.read("a.txt"), "one\n")  # the user's tree is untouched
        self.assertEqual(self.read("a.txt", cwd=worktree["path"]), "from codex\n")
        self.assertEqual(self.app_server_messages("thread/start")[-1]["cwd"], worktree["path"])
        self.assertEqual(out["changes"]["filesChanged"], 1)
        self.assertEqual(self.git_out("show", f"codex/{job_id}:a.txt"), "from codex\n")
        text = self.run_cli("result", job_id).stdout
        self.assertIn(f"codex-companion apply {job_id}", text)

        applied = self.run_json("apply", job_id)
        self.assertTrue(applied["applied"])
        self.assertEqual(self.read("a.txt"), "from codex\n")
        self.assertEqual(self.git_out("diff", "--cached", "--name-only"), "a.txt\n")
        # Applying twice is refused, and changes nothing more.
        self.assert_one_line_error(self.run_cli("apply", job_id), "does not apply cleanly")

    def test_apply_on_a_conflicting_tree_changes_nothing(self):
        job_id, _ = self.worktree_task("[[write:a.txt=from codex]] go")
        with open(os.path.join(self.workspace, "a.txt"), "w") as f:
            f.write("the user's own edit\n")
        status_before = self.git_out("status", "--porcelain")
        index_before = self.git_out("ls-files", "--stage")
        line = self.assert_one_line_error(self.run_cli("apply", job_id), "nothing was changed")
        self.assertIn("git merge codex/" + job_id, line)
        self.assertEqual(self.read("a.txt"), "the user's own edit\n")
        self.assertEqual(self.git_out("status", "--porcelain"), status_before)
        self.assertEqual(self.git_out("ls-files", "--stage"), index_before)
        self.assertEqual(os.listdir(os.path.join(self.state_dirs()[0], "jobs")).count(
            job_id + ".patch"), 0)

    def test_two_worktree_tasks_at_once(self):
        status_before = self.git_out("status", "--porcelain")
        ids = []
        for name in ("b.txt", "c.txt"):
            launched = self.run_json("task", "--background", "--write", "--worktree",
                                     f"[[sleep:1]] [[write:{name}={name}]] go")
            ids.append(launched["jobId"])
        for job_id in ids:
            self.assertEqual(self.wait_terminal(job_id)["status"], "completed")
        for job_id, name in zip(ids, ("b.txt", "c.txt")):
            files = self.git_out("ls-tree", "--name-only", f"codex/{job_id}").split()
            self.assertEqual(sorted(files), sorted(["a.txt", name]))
        self.assertEqual(self.git_out("status", "--porcelain"), status_before)
        self.assertFalse(os.path.exists(os.path.join(self.workspace, "b.txt")))

    def removed_worktree_ends_workspace_gone(self, wait_for):
        launched = self.run_json("task", "--background", "--write", "--worktree",
                                 "[[sleep:60]] [[write:a.txt=late]] go")
        job_id = launched["jobId"]
        path = os.path.join(self.state_dirs()[0], "worktrees", job_id)
        log = os.path.join(self.state_dirs()[0], "jobs", job_id + ".log")
        # Made and snapshotted: the worker logs where the turn will run.
        wait_until(lambda: os.path.exists(log) and f"Worktree {path}" in open(log).read(), 20,
                   what="the worktree to be made")
        if wait_for == "turn":
            wait_until(lambda: self.app_server_messages("turn/start"), 20,
                       what="the turn to start in the worktree")
        shutil.rmtree(path)
        # The turn would take a minute: ending within 20 s means the worktree's removal ended it.
        job = self.wait_terminal(job_id, timeout_ms=20000)
        self.assertEqual((job["status"], job["endReason"]), ("failed", "workspace-gone"), job)
        self.assertIn("worktree", job["errorMessage"])
        self.assertEqual(self.lock_files(), [])

    def test_worktree_deleted_under_a_running_background_job(self):
        self.removed_worktree_ends_workspace_gone(wait_for="turn")

    def test_worktree_deleted_before_its_turn_starts(self):
        # Made, but the app-server may not have started a thread there yet.
        self.removed_worktree_ends_workspace_gone(wait_for="worktree")

    def test_failed_worktree_job_keeps_its_worktree_until_pruned(self):
        proc = self.run_cli("task", "--write", "--worktree", "go",
                            env={"FAKE_APP_SERVER_MODE": "turn-failed"})
        self.assertEqual(proc.returncode, 1)
        job_id = self.run_json("status")["latestFinished"]["id"]
        path = os.path.join(self.state_dirs()[0], "worktrees", job_id)
        self.assertTrue(os.path.isdir(path))
        self.assertIn("kept until the job is pruned", self.run_cli("result", job_id).stdout)
        self.assert_one_line_error(self.run_cli("apply", job_id), "ended failed")

    def test_pruning_a_job_removes_its_worktree_and_branch(self):
        env = {"CODEX_COMPANION_KEEP_JOBS": "1"}
        job_id, out = self.worktree_task("[[write:a.txt=x]] go", env=env)
        path = out["worktree"]["path"]
        self.assertTrue(os.path.isdir(path))
        self.task("look around", env=env)  # the worktree job is now beyond retention
        self.assertFalse(os.path.exists(path))
        self.assertEqual(self.git_out("branch", "--list", "codex/*"), "")
        self.assertNotIn(path, self.git_out("worktree", "list", "--porcelain"))

    def test_refusals(self):
        self.task("look around")
        task_id = self.run_json("status")["latestFinished"]["id"]
        self.assert_one_line_error(self.run_cli("apply", task_id), "did not run in a worktree")
        self.assert_one_line_error(self.run_cli("apply"), "apply takes one job id")
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        self.git("init", "-q", cwd=empty)
        self.assert_one_line_error(
            self.run_cli("task", "--write", "--worktree", "go", cwd=empty), "no commit yet")


if __name__ == "__main__":
    unittest.main()
