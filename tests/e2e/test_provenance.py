"""Fault: jobs did not record what they ran with. Against the REAL Codex CLI (a local Responses
stand-in as the model), through both runtimes: the job's `resolved` object names the model and
reasoning effort the model endpoint really received, the sandbox and approval policy Codex applied,
Codex's version and the runtime, in `status JOB` (text and JSON) and `result --json`.

    ctest --test-dir build/default -R e2e.test_provenance --output-on-failure
"""

import os
import unittest

from turns_support import CodexTurnCase, init_repo


class ProvenanceCase(CodexTurnCase):
    def tearDown(self):
        if self.runtime is None and self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        super().tearDown()

    def run_task(self, *args):
        out = self.run_cli("task", *args, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return self.run_json("status")["latestFinished"]["id"]

    def sent(self):
        """(model, effort) of the last request the model endpoint received."""
        body = self.stub.requests[-1]["body"]
        return body["model"], body["reasoning"]["effort"]

    def check_job(self, job_id, model, effort, sandbox, runtime):
        resolved = self.run_json("status", job_id)["job"]["resolved"]
        self.assertEqual(resolved, {"model": model, "effort": effort, "modelProvider": "mock",
                                    "sandbox": sandbox, "approvalPolicy": "never",
                                    "codexVersion": "0.169.0", "runtime": runtime,
                                    "codexHome": os.path.realpath(self.env["CODEX_HOME"])})
        result = self.run_json("result", job_id)
        self.assertEqual(result["storedJob"]["resolved"], resolved)
        text = self.run_cli("status", job_id).stdout
        self.assertIn(f"Resolved by Codex: model {model}, effort {effort}, provider mock, "
                      f"sandbox {sandbox}, approval never, Codex 0.169.0, runtime {runtime}", text)

    def check_runtime(self, runtime):
        # Nothing asked: the configured model at its own default effort (model/list), read-only.
        job_id = self.run_task("ECHO:tok-plain")
        self.assertEqual(self.sent(), ("gpt-5.5", "medium"))
        self.check_job(job_id, "gpt-5.5", "medium", "read-only", runtime)
        # Asked for: what the endpoint received is what is recorded.
        job_id = self.run_task("--write", "--model", "gpt-6-sol", "--effort", "high",
                               "ECHO:tok-asked")
        self.assertEqual(self.sent(), ("gpt-6-sol", "high"))
        self.check_job(job_id, "gpt-6-sol", "high", "workspace-write", runtime)
        # A native review runs on the thread's model at that model's default effort.
        init_repo(self.workspace)
        with open(f"{self.workspace}/a.txt", "w") as f:
            f.write("changed\n")
        out = self.run_cli("review", "--model", "gpt-6-sol", timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        review_id = self.run_json("status")["latestFinished"]["id"]
        model, effort = self.sent()
        self.assertEqual(model, "gpt-6-sol")
        self.check_job(review_id, model, effort, "read-only", runtime)


class Direct(ProvenanceCase):
    runtime = "direct"

    def test_jobs_record_what_codex_resolved_direct(self):
        self.check_runtime("direct")


class Shared(ProvenanceCase):
    runtime = None  # the workspace's broker

    def test_jobs_record_what_codex_resolved_shared(self):
        self.check_runtime("shared")


if __name__ == "__main__":
    unittest.main()
