"""Token usage, task --resume-thread, logs --follow and a vanished workspace against the REAL Codex
CLI (issue 13), which talks to the local Responses stand-in. The stand-in reports usage
{input 10, cached 0, output 5, reasoning 0, total 15} in every response.completed.

    ctest --test-dir build/default -R e2e.test_beyond_real --output-on-failure
"""

import json
import os
import shutil
import subprocess
import time
import unittest
import uuid

from background_support import BIN, BackgroundCase, pid_alive, wait_until

HANG = "[[stub:hang]]"
ONE_REQUEST = {"inputTokens": 10, "cachedInputTokens": 0, "outputTokens": 5,
               "reasoningOutputTokens": 0, "totalTokens": 15}


def counts(usage):
    return {k: usage[k] for k in ONE_REQUEST}


class RealTokenUsage(BackgroundCase):
    def test_usage_of_a_task_and_of_its_resumed_thread(self):
        first = self.run_json("task", "Work. [[stub:normal]] ECHO:first")
        job = self.run_json("status")["latestFinished"]
        usage = self.run_json("status", job["id"])["job"]["tokenUsage"]
        self.assertEqual(counts(usage), ONE_REQUEST, usage)
        self.assertIsInstance(usage["modelContextWindow"], (int, type(None)))
        self.assertEqual(usage["threadTotal"]["totalTokens"], 15)
        # The same thread again, by id: this job's own numbers, the thread's total grows.
        second = self.run_json("task", "--resume-thread", first["threadId"],
                               "More. [[stub:normal]] ECHO:second")
        self.assertEqual(second["threadId"], first["threadId"])
        resumed = self.run_json("result")["storedJob"]["tokenUsage"]
        self.assertEqual(counts(resumed), ONE_REQUEST, resumed)
        self.assertEqual(resumed["threadTotal"]["totalTokens"], 30, resumed)
        self.assertEqual(self.run_json("status")["tokenUsage"]["totalTokens"], 30)
        self.assert_no_processes_left()


class RealResumeThread(BackgroundCase):
    def test_unknown_thread_is_one_clear_error(self):
        unknown = str(uuid.uuid4())
        out = self.run_cli("task", "--resume-thread", unknown, "Hello [[stub:normal]]")
        line = self.assert_one_line_error(out, f"Codex could not resume thread {unknown}")
        print("\nreal codex, unknown thread:", line)
        job = self.run_json("status")["latestFinished"]
        self.assertEqual((job["status"], job["endReason"]), ("failed", "error"))
        self.assert_no_processes_left()


class RealFollowAndWorkspace(BackgroundCase):
    def test_follow_streams_a_real_turn_to_its_end(self):
        job_id, token = self.launch("[[stub:slow:1500]]")
        follower = self.spawn([BIN, "logs", job_id, "--follow"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        stdout, stderr = follower.communicate(timeout=60)
        self.assertEqual(follower.returncode, 0, stderr)
        self.assertIn("Thread ready", stdout)
        self.assertIn(token, stdout)
        self.assertTrue(stdout.endswith(f"Job {job_id} ended: completed (completed)\n"), stdout)
        self.assert_no_processes_left()

    def test_deleted_workspace_fails_the_job_workspace_gone(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        shutil.rmtree(self.workspace)
        started = time.monotonic()
        out = self.run_json("status", job_id, "--wait", "--timeout-ms", "20000", cwd=self.tmp,
                            timeout=40)
        self.assertFalse(out["waitTimedOut"], out)
        self.assertLess(time.monotonic() - started, 8)
        ended = out["job"]
        self.assertEqual((ended["status"], ended["endReason"]), ("failed", "workspace-gone"))
        wait_until(lambda: not pid_alive(job["pid"]), 10, what="the worker's exit")
        self.assert_no_processes_left(timeout=10)
        self.assertEqual(self.lock_files(), [])


if __name__ == "__main__":
    unittest.main()
