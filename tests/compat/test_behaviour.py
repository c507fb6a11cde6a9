"""What codex-companion sends to Codex and stores, where the reference plugin's users rely on it."""

import unittest

from compat_case import CompatCase
from compat_codex import FINDING_TITLE, REASONING_SECTIONS, TASK_ANSWER


class ReviewTargets(CompatCase):
    def setUp(self):
        super().setUp()
        # Uncommitted work on main itself: no commit beyond main.
        self.repo(dirty={"src/app.js": "export const first = items[0].id;\n"})

    # Regression (issue 9, B1): refused as "nothing to review"; Codex's base-branch review
    # diffs the base against the working tree, so the reference sends it.
    def test_base_branch_without_commits_beyond_it_is_sent(self):
        for args in (("review", "--base", "main"), ("review", "--base main")):
            with self.subTest(args=args):
                out = self.run_cli(*args, timeout=60)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("Reviewed changes against main.", out.stdout)
                self.assertEqual(self.sent("review/start")[-1]["target"],
                                 {"type": "baseBranch", "branch": "main"})

    def test_adversarial_review_takes_the_same_base(self):
        out = self.run_cli("adversarial-review", "--base", "main", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("Target: branch diff against main", out.stdout)
        self.assertIn(FINDING_TITLE, out.stdout)

    def test_explicit_working_tree_scope_on_a_clean_tree_is_sent(self):
        self.git("checkout", "-q", "--", ".")
        out = self.run_cli("review", "--scope", "working-tree", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.sent("review/start")[-1]["target"], {"type": "uncommittedChanges"})


# Regression (issue 9, R1): reasoning summaries sent as objects were dropped.
class ReasoningShapes(CompatCase):
    def test_every_summary_shape_reaches_the_review_and_the_log(self):
        self.repo(dirty={"src/app.js": "changed\n"})
        self.behave("reasoning")
        payload = self.run_json("review")
        self.assertEqual(payload["codex"]["reasoning"], REASONING_SECTIONS)
        out = self.run_cli("review")
        self.assertIn("\nReasoning:\n" + "".join(f"- {s}\n" for s in REASONING_SECTIONS),
                      out.stdout)
        log = self.log_of(self.run_json("status")["latestFinished"]["id"])
        self.assertIn("Reasoning summary", log)
        self.assertIn("Traced the risky path.", log)

    def test_task_payload_lists_them(self):
        self.repo()
        self.behave("reasoning")
        self.assertEqual(self.run_json("task", "think")["reasoningSummary"], REASONING_SECTIONS)


class StoredRecords(CompatCase):
    def setUp(self):
        super().setUp()
        self.repo(dirty={"src/app.js": "changed\n"})

    def test_background_request_names_its_job_and_resume_choice(self):
        launch = self.run_json("task", "--background", "look around")
        job = self.run_json("status", launch["jobId"], "--wait", "--timeout-ms", "30000")["job"]
        self.assertEqual(job["request"]["jobId"], launch["jobId"])
        self.assertIs(job["request"]["resumeLast"], False)
        self.assertEqual(job["title"], "Codex Task")
        resumed = self.run_json("task", "--background", "--resume", "follow up")
        job = self.run_json("status", resumed["jobId"], "--wait", "--timeout-ms", "30000")["job"]
        self.assertEqual(job["title"], "Codex Resume")
        self.assertIs(job["request"]["resumeLast"], True)
        self.assertEqual(job["status"], "completed", job)

    # Regression (issue 9): the summary stayed the one the job started with.
    def test_summary_becomes_what_the_job_found(self):
        self.run_json("task", "look around")
        self.assertEqual(self.run_json("status")["latestFinished"]["summary"],
                         TASK_ANSWER.splitlines()[0])
        self.run_json("review")
        self.assertEqual(self.run_json("status")["latestFinished"]["summary"],
                         "Reviewed uncommitted changes.")
        self.run_json("adversarial-review")
        self.assertEqual(self.run_json("status")["latestFinished"]["summary"],
                         "One guard is missing before shipping.")

    def test_finished_job_has_no_pid_and_an_elapsed_time(self):
        self.run_json("task", "look around")
        job = self.run_json("status")["latestFinished"]
        self.assertIsNone(job["pid"])
        self.assertIsInstance(job["elapsed"], str)
        self.assertEqual(job["progressPreview"], [])


class Prompts(CompatCase):
    def test_adversarial_prompt_names_itself(self):
        self.repo(dirty={"src/app.js": "changed\n"})
        self.run_json("adversarial-review", "look at the indexing")
        prompt = self.prompts()[-1]
        self.assertIn("adversarial software review", prompt)
        self.assertIn("look at the indexing", prompt)

    # Deliberate divergence (README, "Differences from the reference"): the reference stops
    # inlining beyond 2 changed files; we inline up to 256 KiB whatever the number of files.
    def test_three_small_files_are_inlined(self):
        names = ["src/a.js", "src/b.js", "src/c.js"]
        self.repo(files={n: "v1\n" for n in names},
                  dirty={n: f"INLINE_MARK_{i}\n" for i, n in enumerate(names)})
        self.run_json("adversarial-review")
        prompt = self.prompts()[-1]
        for i in range(3):
            self.assertIn(f"INLINE_MARK_{i}", prompt)
        self.assertNotIn("lightweight summary", prompt)

    def test_a_diff_beyond_the_limit_is_a_lightweight_summary(self):
        big = "".join(f"line {i} OVER_LIMIT_MARK\n" for i in range(12000))  # ~300 KiB
        self.repo(files={"big.txt": "small\n"}, dirty={"big.txt": big})
        self.run_json("adversarial-review", timeout=60)
        prompt = self.prompts()[-1]
        self.assertIn("lightweight summary", prompt)
        self.assertIn("read-only git commands", prompt)
        self.assertNotIn("OVER_LIMIT_MARK", prompt)


if __name__ == "__main__":
    unittest.main()
