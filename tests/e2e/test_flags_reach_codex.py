"""Fault: `review --effort` was accepted but never sent (review/start has no effort, and the
thread was opened without one), so the review ran at the model's default effort while the job
looked as asked. Every accepted flag of every running command must reach Codex: checked against
the REAL Codex CLI, at the request the model endpoint (tests/lib/responses_stub.py) receives, and
in the job's `resolved`, through both runtimes.

    ctest --test-dir build/default -R e2e.test_flags_reach_codex --output-on-failure
"""

import json
import os
import unittest

from turns_support import CodexTurnCase, init_repo


class FlagsCase(CodexTurnCase):
    def tearDown(self):
        if self.runtime is None and self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        super().tearDown()

    def setUp(self):
        super().setUp()
        init_repo(self.workspace)
        with open(os.path.join(self.workspace, "README.md"), "a") as f:
            f.write("A change to review.\n")

    def run_ok(self, *args):
        out = self.run_cli(*args, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return self.run_json("status")["latestFinished"]["id"]

    def sent(self):
        """(model, effort, whole body as text) of the last request the model endpoint received."""
        body = self.stub.requests[-1]["body"]
        return body["model"], (body.get("reasoning") or {}).get("effort"), json.dumps(body)

    def resolved(self, job_id):
        return self.run_json("status", job_id)["job"]["resolved"]

    def check_runtime(self, runtime):
        # review: the model goes with thread/start, the effort with the thread's configuration.
        job_id = self.run_ok("review", "--wait", "--model", "gpt-6-sol", "--effort", "low")
        model, effort, _ = self.sent()
        self.assertEqual((model, effort), ("gpt-6-sol", "low"))
        resolved = self.resolved(job_id)
        self.assertEqual((resolved["model"], resolved["effort"], resolved["sandbox"],
                          resolved["runtime"]), ("gpt-6-sol", "low", "read-only", runtime))
        # adversarial-review: turn/start carries both.
        job_id = self.run_ok("adversarial-review", "--wait", "--model", "gpt-6-sol", "--effort",
                             "high", "look at the readme [[stub:adversarial-json]]")
        model, effort, _ = self.sent()
        self.assertEqual((model, effort), ("gpt-6-sol", "high"))
        resolved = self.resolved(job_id)
        self.assertEqual((resolved["model"], resolved["effort"], resolved["sandbox"]),
                         ("gpt-6-sol", "high", "read-only"))
        # task as the rescue command runs it: one raw argument string, options first.
        job_id = self.run_ok("task", "--write --model gpt-6-sol --effort xhigh ECHO:tok-rescue")
        model, effort, body = self.sent()
        self.assertEqual((model, effort), ("gpt-6-sol", "xhigh"))
        self.assertIn("workspace-write", body)  # the sandbox Codex describes to the model
        resolved = self.resolved(job_id)
        self.assertEqual((resolved["model"], resolved["effort"], resolved["sandbox"]),
                         ("gpt-6-sol", "xhigh", "workspace-write"))
        # retry runs the stored request again: the same model and effort reach Codex.
        failed = self.run_cli("task", "--model", "gpt-6-sol", "--effort", "medium",
                              "[[stub:500]]", timeout=120)
        self.assertEqual(failed.returncode, 1)
        failed_id = self.run_json("status")["latestFinished"]["id"]
        retried = self.run_cli("retry", failed_id, "--wait", timeout=120)
        model, effort, _ = self.sent()
        self.assertEqual((model, effort), ("gpt-6-sol", "medium"), retried.stderr)


class Direct(FlagsCase):
    runtime = "direct"

    def test_review_effort_accepted_but_never_sent_direct(self):
        self.check_runtime("direct")


class Shared(FlagsCase):
    runtime = None  # the workspace's broker

    def test_review_effort_accepted_but_never_sent_shared(self):
        self.check_runtime("shared")


if __name__ == "__main__":
    unittest.main()
