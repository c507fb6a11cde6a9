"""logs/--follow, token usage, retry, task --resume-thread and a vanished workspace, against the
fake app-server (issue 13), with their faults: a followed job's worker SIGKILLed, token numbers
across a reconcile, a retried cancelled job, an unknown thread, a workspace deleted mid-turn."""

import json
import os
import shutil
import signal
import subprocess
import time
import unittest

from companion_testlib import BIN, pid_alive, wait_until
from fake_codex_case import FakeCodexCase

HANG = {"FAKE_APP_SERVER_MODE": "hang", "FAKE_APP_SERVER_TOKENS": "1"}
# What the fake app-server's two model requests add up to (FAKE_APP_SERVER_TOKENS=1).
JOB_TOKENS = {"inputTokens": 250, "cachedInputTokens": 80, "outputTokens": 30,
              "reasoningOutputTokens": 5, "totalTokens": 280}


class BeyondCase(FakeCodexCase):
    def launch(self, prompt, env=None, *extra):
        out = self.run_cli("task", "--background", "--json", *extra, prompt, env=env)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)["jobId"]

    def job(self, job_id, cwd=None):
        return self.run_json("status", job_id, cwd=cwd)["job"]

    def wait_running_turn(self, job_id, cwd=None):
        return wait_until(lambda: (lambda j: j if j["turnId"] and j["status"] == "running"
                                   else None)(self.job(job_id, cwd)), 20, interval=0.05,
                          what=f"the turn of {job_id}")

    def wait_end(self, job_id, timeout=20, cwd=None):
        out = self.run_json("status", job_id, "--wait", "--timeout-ms", str(timeout * 1000),
                            cwd=cwd, timeout=timeout + 20)
        self.assertFalse(out["waitTimedOut"], out)
        return out["job"]


class Logs(BeyondCase):
    def test_logs_prints_the_last_lines_and_json(self):
        self.run_json("task", "hello logs")
        job_id = self.run_json("status")["latestFinished"]["id"]
        whole = self.run_cli("logs", job_id)
        self.assertEqual(whole.returncode, 0, whole.stderr)
        self.assertIn("Job " + job_id + " created", whole.stdout)
        self.assertIn("ECHO: hello logs", whole.stdout)
        two = self.run_cli("logs", job_id, "--lines", "2")
        self.assertEqual(two.stdout.splitlines(), whole.stdout.splitlines()[-2:])
        doc = self.run_json("logs", job_id, "--lines", "3")
        self.assertEqual(doc["lines"], whole.stdout.splitlines()[-3:])
        self.assertEqual(doc["job"]["status"], "completed")

    def test_bad_arguments_are_one_line(self):
        self.assert_one_line_error(self.run_cli("logs"), "logs needs one job id")
        self.run_json("task", "x")
        job_id = self.run_json("status")["latestFinished"]["id"]
        self.assert_one_line_error(self.run_cli("logs", job_id, "--lines", "0"), "--lines")
        self.assert_one_line_error(self.run_cli("logs", "task-nope"))

    def test_follow_of_a_finished_job_prints_it_and_its_end(self):
        self.run_json("task", "done already")
        job_id = self.run_json("status")["latestFinished"]["id"]
        out = self.run_cli("logs", job_id, "--follow", timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.endswith(f"Job {job_id} ended: completed (completed)\n"),
                        out.stdout)

    def test_follow_streams_until_cancel_then_prints_the_end(self):
        job_id = self.launch("follow me", HANG)
        self.wait_running_turn(job_id)
        follower = self.spawn([BIN, "logs", job_id, "--follow", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)  # the follower is reading; what it prints next must arrive as written
        self.assertEqual(self.run_cli("cancel", job_id).returncode, 0)
        stdout, stderr = follower.communicate(timeout=15)
        events = [json.loads(line) for line in stdout.splitlines()]
        self.assertEqual(follower.returncode, 0, stderr)
        self.assertEqual(events[-1]["type"], "end")
        self.assertEqual(events[-1]["job"]["status"], "cancelled")
        lines = [e["line"] for e in events[:-1]]
        self.assertTrue(any("Job ended: cancelled" in l for l in lines), lines)

    def test_follower_of_a_sigkilled_worker_ends_failed(self):
        job_id = self.launch("killed while followed", HANG)
        job = self.wait_running_turn(job_id)
        follower = self.spawn([BIN, "logs", job_id, "--follow"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        os.kill(job["pid"], signal.SIGKILL)
        started = time.monotonic()
        stdout, stderr = follower.communicate(timeout=15)
        self.assertLess(time.monotonic() - started, 5, "the follower noticed the death late")
        self.assertEqual(follower.returncode, 0, stderr)
        self.assertIn(f"Job {job_id} ended: failed (worker-died)", stdout.splitlines()[-1])
        self.assertIn("Worker exited unexpectedly", stdout)
        ended = self.job(job_id)
        self.assertEqual((ended["status"], ended["endReason"]), ("failed", "worker-died"))
        self.assertEqual(self.lock_files(), [])

    def test_follow_output_has_no_control_sequences(self):
        self.run_json("task", "colour \x1b[31mred\x1b[0m and bell \x07")
        job_id = self.run_json("status")["latestFinished"]["id"]
        out = self.run_bytes("logs", job_id, "--follow")
        self.assertNotIn(b"\x1b", out.stdout)
        self.assertNotIn(b"\x07", out.stdout)


class TokenUsage(BeyondCase):
    def test_usage_is_stored_shown_and_totalled(self):
        env = {"FAKE_APP_SERVER_TOKENS": "1"}
        self.run_json("task", "count tokens", env=env)
        self.run_json("task", "count again", env=env)
        job = self.latest_job()
        usage = job["tokenUsage"]
        self.assertEqual({k: usage[k] for k in JOB_TOKENS}, JOB_TOKENS)
        self.assertEqual(usage["modelContextWindow"], 258400)
        self.assertEqual(usage["threadTotal"]["totalTokens"], 280)
        result = self.run_json("result", job["id"])
        self.assertEqual(result["job"]["tokenUsage"]["totalTokens"], 280)
        self.assertEqual(result["storedJob"]["tokenUsage"]["totalTokens"], 280)
        self.assertIn("Tokens: 280 tokens (input 250 of which 80 cached",
                      self.run_cli("result", job["id"]).stdout)
        self.assertIn("Tokens: 280 tokens", self.run_cli("status", job["id"]).stdout)
        report = self.run_json("status")
        self.assertEqual(report["tokenUsage"]["totalTokens"], 560)
        self.assertEqual(report["tokenUsage"]["jobs"], 2)
        self.assertIn("Tokens of the 2 listed job(s)", self.run_cli("status").stdout)

    def test_no_usage_is_null(self):
        self.run_json("task", "quiet")
        self.assertIsNone(self.latest_job()["tokenUsage"])
        self.assertIsNone(self.run_json("status")["tokenUsage"])

    def test_token_numbers_survive_a_reconcile(self):
        job_id = self.launch("tokens then death", HANG)
        job = wait_until(lambda: (lambda j: j if j["tokenUsage"] else None)(self.job(job_id)), 20,
                         interval=0.05, what="the token usage of the running job")
        os.kill(job["pid"], signal.SIGKILL)
        ended = wait_until(lambda: (lambda j: j if j["status"] != "running" else None)(
            self.job(job_id)), 10, interval=0.05, what="the reconcile")
        self.assertEqual((ended["status"], ended["endReason"]), ("failed", "worker-died"))
        self.assertEqual({k: ended["tokenUsage"][k] for k in JOB_TOKENS}, JOB_TOKENS)
        self.assertEqual(self.run_json("result", job_id)["storedJob"]["tokenUsage"]["totalTokens"],
                         280)


class Retry(BeyondCase):
    def test_retry_of_a_cancelled_job_runs_its_request_again(self):
        job_id = self.launch("do it again", HANG, "--write")
        self.wait_running_turn(job_id)
        self.assertEqual(self.run_cli("cancel", job_id).returncode, 0)
        self.assertEqual(self.job(job_id)["status"], "cancelled")
        out = self.run_json("retry", job_id)  # foreground; the fake now answers at once
        self.assertEqual(out["status"], 0, out)
        self.assertEqual(out["rawOutput"], "ECHO: do it again")
        new = self.latest_job()
        self.assertNotEqual(new["id"], job_id)
        self.assertEqual((new["status"], new["write"]), ("completed", True))
        # The new job names the one it retried (JSON and text); the old one is left as it was.
        self.assertEqual(new["request"]["retryOf"], job_id)
        self.assertIn(f"Retry of: {job_id}", self.run_cli("status", new["id"]).stdout)
        self.assertIsNone(self.job(job_id)["request"]["retryOf"])
        starts = self.app_server_messages("thread/start")
        self.assertEqual([s["sandbox"] for s in starts], ["workspace-write"] * 2)
        self.assertEqual(self.app_server_messages("thread/resume"), [])

    def test_retry_resume_continues_the_thread_in_the_background(self):
        job_id = self.launch("resume me", HANG)
        thread = self.wait_running_turn(job_id)["threadId"]
        self.run_cli("cancel", job_id)
        launched = self.run_json("retry", job_id, "--resume", "--background")
        self.assertEqual(launched["status"], "queued")
        done = self.wait_end(launched["jobId"])
        self.assertEqual(done["status"], "completed", done)
        self.assertEqual(done["threadId"], thread)
        self.assertEqual(done["request"]["retryOf"], job_id)
        self.assertEqual([r["threadId"] for r in self.app_server_messages("thread/resume")],
                         [thread])

    def test_retry_refuses_active_and_completed_jobs(self):
        self.run_json("task", "fine")
        done = self.run_json("status")["latestFinished"]["id"]
        self.assert_one_line_error(self.run_cli("retry", done), "completed")
        running = self.launch("busy", HANG)
        self.wait_running_turn(running)
        self.assert_one_line_error(self.run_cli("retry", running), "still running")
        self.run_cli("cancel", running)
        self.assert_one_line_error(self.run_cli("retry"), "retry needs one job id")


class ResumeThread(BeyondCase):
    def test_resume_thread_continues_exactly_that_thread(self):
        out = self.run_json("task", "--resume-thread", "thr-given-7", "carry on")
        self.assertEqual(out["threadId"], "thr-given-7")
        self.assertEqual([r["threadId"] for r in self.app_server_messages("thread/resume")],
                         ["thr-given-7"])
        self.assertEqual(self.turn_texts(), ["carry on"])
        self.assertEqual(self.latest_job()["title"], "Codex Resume")

    def test_resume_thread_in_the_background(self):
        job_id = self.launch("bg carry on", None, "--resume-thread", "thr-bg-1")
        self.assertEqual(self.wait_end(job_id)["threadId"], "thr-bg-1")

    def test_conflicts_and_bad_ids_are_refused_before_anything_runs(self):
        for args in (("--resume-thread", "thr-1", "--fresh"), ("--resume", "--resume-thread",
                                                                "thr-1"),
                     ("--resume-thread=--write",), ("--resume-thread", "a b"),
                     ("--resume-thread", "x" * 200), ("--resume-thread=",)):
            with self.subTest(args=args):
                self.assert_one_line_error(self.run_cli("task", *args, "prompt"))
        self.assertEqual(self.app_server_messages("initialize"), [])

    def test_unknown_thread_is_one_clear_error(self):
        out = self.run_cli("task", "--resume-thread", "thr-missing-9", "carry on")
        line = self.assert_one_line_error(out)
        self.assertIn("Codex could not resume thread thr-missing-9", line)
        self.assertIn("no rollout found", line)
        job = self.latest_job()
        self.assertEqual((job["status"], job["endReason"]), ("failed", "error"))


class WorkspaceGone(BeyondCase):
    def test_deleted_workspace_fails_the_running_job_within_seconds(self):
        ws = os.path.join(self.tmp, "subagent-worktree")
        os.makedirs(ws)
        job_id = self.launch("in a doomed tree", {**HANG, "CODEX_COMPANION_TURN_STALL_MS":
                                                  "600000"}, "--cwd", ws)
        job = self.wait_running_turn(job_id, cwd=ws)
        worker = job["pid"]
        shutil.rmtree(ws)
        started = time.monotonic()
        ended = self.wait_end(job_id, timeout=15, cwd=self.tmp)
        self.assertLess(time.monotonic() - started, 6)
        self.assertEqual((ended["status"], ended["endReason"]), ("failed", "workspace-gone"))
        self.assertIn("was deleted or moved", ended["errorMessage"])
        wait_until(lambda: not pid_alive(worker), 10, what="the worker's exit")
        self.assertEqual(self.lock_files(), [])


if __name__ == "__main__":
    unittest.main()
