"""What the store keeps of a job and for how long, against the fake app-server: stop-gate reviews
kept apart from the user's jobs, an unread result kept until it is read, a pruned job reported as
pruned wherever a job reference is resolved, and what Codex resolved for each job (provenance).

Each class is named after the fault it guards against:
  StopGateReviewsStoredAsUserJobs  a few stops evicted the user's finished jobs and crowded status
  UnreadResultPrunedSilently       retention by count dropped a result nobody had fetched, then
                                   `result JOB` said the job did not exist
  JobsDoNotRecordWhatTheyRanWith   a job kept the request, not the model, effort, sandbox, approval
                                   policy, Codex version and runtime its thread really used
"""

import json
import os
import re
import signal
import subprocess
import unittest

from companion_testlib import BIN, SOURCE_DIR, pid_alive, processes_with_env, wait_until
from hooks_support import HookCase

SESSION = "7d1c0a52-1d7e-4a55-9c1b-6e2f0a9d4b22"
GATE_TITLE = "Codex Stop Gate Review"
PRUNED = re.compile(r"^codex-companion: (task|review)-[a-z0-9-]+ was removed by retention on "
                    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; raise CODEX_COMPANION_KEEP_JOBS$")


class RecordsCase(HookCase):
    def listed(self, *args, env=None):
        report = self.run_json("status", *args, env=env)
        jobs = report["running"] + report["recent"]
        if report["latestFinished"]:
            jobs.append(report["latestFinished"])
        return jobs

    def foreground(self, *args, env=None):
        out = self.run_json("task", *args, env=env)
        self.assertEqual(out["status"], 0, out)
        return self.run_json("status", env=env)["latestFinished"]["id"]

    def stop(self, env=None):
        return self.hook("stop", self.hook_input("Stop", SESSION, stop_hook_active=False,
                                                 last_assistant_message="I changed a.txt."),
                         env=env)


class StopGateReviewsStoredAsUserJobs(RecordsCase):
    def setUp(self):
        super().setUp()
        self.make_repo()
        self.env["CODEX_COMPANION_SESSION_ID"] = SESSION
        self.run_json("setup", "--enable-review-gate")

    def test_stops_never_evict_or_crowd_the_users_jobs(self):
        self.env["CODEX_COMPANION_KEEP_JOBS"] = "2"
        mine = [self.foreground(f"my task {i}") for i in range(2)]
        for _ in range(3):
            out = self.stop(env={"FAKE_APP_SERVER_FINAL": "ALLOW: fine"})
            self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        # The user's finished jobs are all still there, and their results readable.
        for job_id in mine:
            proc = self.run_cli("result", job_id)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn(f"ECHO: my task {mine.index(job_id)}", proc.stdout)
        # `status` lists the user's jobs only; `status --all` adds the gate's reviews.
        self.assertEqual(sorted(j["id"] for j in self.listed()), sorted(mine))
        self.assertNotIn(GATE_TITLE, self.run_cli("status").stdout)
        gates = [j for j in self.listed("--all") if j["title"] == GATE_TITLE]
        self.assertEqual(len(gates), 3)
        self.assertEqual({j["origin"] for j in gates}, {"stop-gate"})
        self.assertEqual({j["origin"] for j in self.listed()}, {"user"})
        # By id they are shown like any job; `result` without an id is the user's latest.
        gate = gates[0]["id"]
        self.assertIn("Origin: stop-time review gate", self.run_cli("status", gate).stdout)
        self.assertIn("ALLOW: fine", self.run_cli("result", gate).stdout)
        self.assertEqual(self.run_json("result")["job"]["id"], mine[-1])

    def test_a_second_stop_while_the_sessions_review_runs_starts_none(self):
        first = self.spawn([BIN, "hook", "stop"], env={"FAKE_APP_SERVER_MODE": "hang"},
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first.stdin.write(json.dumps(self.hook_input("Stop", SESSION, stop_hook_active=False))
                          .encode())
        first.stdin.close()
        first.stdin = None  # communicate() below must not flush it
        gate = wait_until(lambda: next((j for j in self.listed("--all")
                                        if j["title"] == GATE_TITLE and j["turnId"]), None),
                          30, interval=0.05, what="the first stop's review to run")
        starts = self.app_server_starts()
        second = self.stop(env={"FAKE_APP_SERVER_FINAL": "BLOCK: would block"})
        self.assertEqual((second.returncode, second.stdout), (0, b""), second.stderr)
        lines = second.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(f"stop-time review {gate['id']} of this session is still running", lines[0])
        self.assertEqual(self.app_server_starts(), starts, "a second review was started")
        # Meanwhile the user's background job is neither queued behind it nor is the review a
        # default for cancel.
        self.run_cli("config", "set", "max-parallel", "1")
        launched = self.run_json("task", "--background", "[[fake:hang]] my job",
                                 env={"FAKE_APP_SERVER_MODE": "hang"})
        self.assertNotIn("queuePosition", launched)
        self.wait_status(launched["jobId"], ("running",))
        self.assertEqual([j["id"] for j in self.listed() if j["status"] == "running"],
                         [launched["jobId"]])
        self.cancel_and_wait(launched["jobId"])
        self.assert_one_line_error(self.run_cli("cancel"),
                                   "No active Codex jobs to cancel for this session.")
        # Cancelled, the review ends and the first stop is allowed.
        self.assertEqual(self.run_cli("cancel", gate["id"]).returncode, 0)
        out, err = first.communicate(timeout=30)
        self.assertEqual((first.returncode, out), (0, b""), err)
        self.assertEqual(self.status_of(gate["id"])["status"], "cancelled")
        self.assertEqual(self.lock_files(), [])


class UnreadResultPrunedSilently(RecordsCase):
    def setUp(self):
        super().setUp()
        self.make_repo()
        self.env["CODEX_COMPANION_KEEP_JOBS"] = "1"

    def test_an_unread_background_result_outlives_keep_jobs_until_it_is_read(self):
        job_id = self.run_json("task", "--background", "the result to keep")["jobId"]
        # Text status --wait shows no output: not a read.
        waited = self.run_cli("status", job_id, "--wait", "--timeout-ms", "30000")
        self.assertEqual(waited.returncode, 0, waited.stderr)
        self.assertIsNone(self.status_of_text_free(job_id)["readAt"])
        for i in range(3):
            self.foreground(f"newer {i}")
        shown = self.run_cli("result", job_id)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("ECHO: the result to keep", shown.stdout)
        self.assertIsNotNone(self.row(job_id)["read_at"])
        self.foreground("one more")  # read and older than KEEP_JOBS: pruned now
        line = self.assert_one_line_error(self.run_cli("result", job_id))
        self.assertRegex(line, PRUNED)
        self.assertIn(job_id, line)

    def row(self, job_id):
        rows = self.db_rows("SELECT read_at FROM jobs WHERE id = ?", (job_id,))
        return {"read_at": rows[0][0] or None} if rows else None

    def status_of_text_free(self, job_id):
        """The job's read_at without reading it (status JOB --json would be a read)."""
        return {"readAt": self.row(job_id)["read_at"]}

    def test_result_and_status_json_record_the_read(self):
        job_id = self.run_json("task", "--background", "read me")["jobId"]
        self.run_cli("status", job_id, "--wait", "--timeout-ms", "30000")
        self.assertIsNone(self.row(job_id)["read_at"])
        doc = self.run_json("status", job_id)
        self.assertIsNotNone(doc["job"]["readAt"])
        self.assertIsNotNone(self.row(job_id)["read_at"])
        self.assertEqual(self.run_json("result", job_id)["storedJob"]["readAt"],
                         doc["job"]["readAt"], "a later read keeps the first time")

    def test_every_command_says_a_pruned_job_was_removed_by_retention(self):
        review = self.run_json("adversarial-review", "anything")  # a read foreground review
        self.assertIn("review", review)
        old = self.run_json("status")["latestFinished"]["id"]
        self.foreground("newer")  # `old` is now beyond KEEP_JOBS=1, and was read
        self.assertEqual(self.db_rows("SELECT count(*) FROM jobs WHERE id = ?", (old,)),
                         [(0,)])
        commands = [["result", old], ["status", old], ["status", old, "--json"],
                    ["status", old, "--wait"], ["cancel", old], ["logs", old],
                    ["logs", old, "--follow"], ["retry", old], ["apply", old],
                    ["task", "--from-review", old], ["result", old[:-2]]]
        for argv in commands:
            with self.subTest(argv=argv):
                line = self.assert_one_line_error(self.run_cli(*argv))
                self.assertRegex(line, PRUNED)
                self.assertIn(old, line)
        # The full id is found from another workspace too.
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        self.make_repo(elsewhere)
        self.run_json("status", cwd=elsewhere)
        line = self.assert_one_line_error(self.run_cli("result", old, cwd=elsewhere))
        self.assertRegex(line, PRUNED)
        # An id nobody ever had is still "no job".
        self.assert_one_line_error(self.run_cli("result", "task-zzzzzzzz-zzzzzz"),
                                   "no job 'task-zzzzzzzz-zzzzzz'")


class JobsDoNotRecordWhatTheyRanWith(RecordsCase):
    def setUp(self):
        super().setUp()
        self.make_repo()

    def test_status_result_and_the_job_json_show_what_codex_resolved(self):
        job_id = self.foreground("--write", "change it")
        expected = {"model": "fake-model", "effort": "medium", "modelProvider": "fake",
                    "sandbox": "workspace-write", "approvalPolicy": "never",
                    "codexVersion": "0.0.0", "runtime": "direct",
                    "codexHome": os.path.realpath(self.env.get("CODEX_HOME") or
                                                  os.path.expanduser("~/.codex"))}
        self.assertEqual(self.status_of(job_id)["resolved"], expected)
        result = self.run_json("result", job_id)
        self.assertEqual(result["job"]["resolved"], expected)
        self.assertEqual(result["storedJob"]["resolved"], expected)
        self.assertIn("Resolved by Codex: model fake-model, effort medium, provider fake, sandbox "
                      "workspace-write, approval never, Codex 0.0.0, runtime direct",
                      self.run_cli("status", job_id).stdout)
        # What the turn asked for replaces the thread's settings; a reroute replaces the model.
        job_id = self.foreground("--model", "gpt-x", "--effort", "high", "look")
        self.assertEqual((self.status_of(job_id)["resolved"]["model"],
                          self.status_of(job_id)["resolved"]["effort"]), ("gpt-x", "high"))
        job_id = self.foreground("look again", env={"FAKE_APP_SERVER_REROUTE": "safe-model"})
        self.assertEqual(self.status_of(job_id)["resolved"]["model"], "safe-model")
        # A Codex that cannot tell a model's default effort leaves it unknown, not invented.
        job_id = self.foreground("and again", env={"FAKE_APP_SERVER_MODELS": "[]"})
        self.assertIsNone(self.status_of(job_id)["resolved"]["effort"])

    def test_a_worker_that_dies_keeps_what_it_recorded(self):
        job_id = self.run_json("task", "--background", "hang on",
                               env={"FAKE_APP_SERVER_MODE": "hang"})["jobId"]
        job = wait_until(lambda: (lambda j: j if j["turnId"] else None)(self.status_of(job_id)),
                         30, interval=0.05, what="the turn to start")
        self.assertEqual(job["resolved"]["sandbox"], "read-only")
        os.kill(job["pid"], signal.SIGKILL)
        wait_until(lambda: not pid_alive(job["pid"]), 10, what="the worker to die")
        ended = self.status_of(job_id)
        self.assertEqual((ended["status"], ended["endReason"]), ("failed", "worker-died"))
        self.assertEqual(ended["resolved"], job["resolved"])
        self.assertEqual(ended["resolved"]["model"], "fake-model")


class JobsDoNotRecordWhatTheyRanWithShared(RecordsCase):
    """The same through the shared broker (the fake app-server in its multi mode)."""

    runtime = None

    def setUp(self):
        super().setUp()
        self.make_repo()
        self.env["FAKE_APP_SERVER_MODE"] = "multi"

    def tearDown(self):
        if self.state_dirs():
            self.run_cli("broker", "stop", "--force")
        leftovers = [p for p in processes_with_env("FAKE_APP_SERVER_LOG", self.app_server_log)
                     if p not in {proc.pid for proc in self.started}]
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        super().tearDown()
        self.assertEqual(leftovers, [], "processes outlived the test")

    def test_the_shared_runtime_is_recorded(self):
        job_id = self.foreground("through the broker")
        resolved = self.status_of(job_id)["resolved"]
        self.assertEqual(resolved["runtime"], "shared")
        self.assertEqual((resolved["model"], resolved["effort"], resolved["sandbox"],
                          resolved["approvalPolicy"], resolved["codexVersion"]),
                         ("fake-model", "medium", "read-only", "never", "0.0.0"))


if __name__ == "__main__":
    unittest.main()
