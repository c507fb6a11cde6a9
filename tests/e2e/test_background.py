"""Fault tests for background jobs (SPEC.md section 3) against the REAL Codex CLI.

Each test launches `codex-companion task --background` with a private state root and CODEX_HOME;
Codex talks to a local Responses API stand-in whose behaviour is chosen by markers in the prompt
([[stub:slow:MS]], [[stub:hang]]). Faults are injected from outside, by pid: SIGKILL or SIGSTOP of
the worker, SIGKILL of the native app-server, the launcher's whole session killed, concurrent and
racing cancels, rows and locks left by crashed runs. Every test checks exactly one terminal state
with its endReason, the job row and log kept, no lock file and no process left behind.

    ctest --test-dir build/default -R e2e.test_background --output-on-failure
"""

import json
import os
import signal
import subprocess
import time
import unittest

from background_support import (BIN, BackgroundCase, iso_to_epoch, pid_alive, session_of,
                                start_time_of, wait_until)

HANG = "[[stub:hang]]"


def slow(ms):
    return f"[[stub:slow:{ms}]]"


class Launch(BackgroundCase):
    def test_job_outlives_the_killed_launcher_session(self):
        # The launcher runs in a shell that is its own session; the whole session (process group)
        # is hung up and killed right after the job id is printed.
        token = self.token()
        shell, job_id = self.launch_from_shell(f"Survive. ECHO:{token} {slow(1500)}")
        os.killpg(shell.pid, signal.SIGHUP)
        os.killpg(shell.pid, signal.SIGKILL)
        shell.wait(timeout=10)
        job = self.job(job_id)
        self.assertIn(job["status"], ("queued", "running"), job)
        worker = job["pid"]
        self.assertTrue(pid_alive(worker), "the worker died with the launcher's session")
        self.assertNotEqual(session_of(worker), shell.pid, "the worker is in the launcher's session")
        job = self.wait_job(job_id)
        self.assert_terminal(job, "completed", "completed")
        self.assertIn(token, job["result"]["rawOutput"])
        self.assert_no_processes_left()

    def test_launch_does_not_hold_the_callers_pipes(self):
        # capture_output waits for EOF on stdout and stderr: a worker holding them would make
        # this take as long as the job.
        out, took = self.timed_cli("task", "--background", "--json",
                                   f"Slow work. ECHO:pipes {slow(3000)}")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertLess(took, 1.0, "the launcher's caller waited for the job")
        job_id = json.loads(out.stdout)["jobId"]
        job = self.job(job_id)
        self.assertIn(job["status"], ("queued", "running"), "the job should still be running")
        for fd in os.listdir(f"/proc/{job['pid']}/fd"):
            target = os.readlink(f"/proc/{job['pid']}/fd/{fd}")
            self.assertFalse(target.startswith("pipe:") and int(fd) < 3,
                             f"worker fd {fd} is a pipe: {target}")
        self.assert_terminal(self.wait_job(job_id), "completed", "completed")
        self.assert_no_processes_left()


class Faults(BackgroundCase):
    def test_sigkill_of_the_worker_mid_turn(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        os.kill(worker, signal.SIGKILL)
        self.assert_gone([worker], 5, "the worker to die")
        # The very next single read notices the dead owner, and lists it as finished.
        snapshot = self.run_json("status")
        self.assertEqual(snapshot["running"], [])
        latest = snapshot["latestFinished"]
        self.assertEqual((latest["id"], latest["status"], latest["endReason"]),
                         (job_id, "failed", "worker-died"))
        job = self.job(job_id)
        self.assert_terminal(job, "failed", "worker-died")
        self.assertIn(str(worker), job["errorMessage"])
        # The app-server loses its parent (and its stdin) and goes too.
        self.assert_gone(app_servers, 5, "the app-server of the killed worker to exit")
        self.assert_no_processes_left()

    def test_sigkill_of_the_app_server_mid_turn(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        for pid in app_servers:
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        out = self.run_json("status", job_id, "--wait", "--timeout-ms", "2000")
        self.assertLess(time.monotonic() - killed, 2.5)
        self.assertFalse(out["waitTimedOut"], f"still active 2 s after the kill: {out['job']}")
        self.assert_terminal(out["job"], "failed", "app-server-exited")
        self.assert_gone([worker], 5, "the worker to exit")
        self.assert_no_processes_left()

    def test_hanging_model_is_stalled(self):
        job_id, token = self.launch(HANG, env={"CODEX_COMPANION_TURN_STALL_MS": "1500"})
        self.wait_turn_under_way(job_id, token)
        job = self.wait_job(job_id, timeout_s=15)
        self.assert_terminal(job, "failed", "stalled")
        self.assertIn("No activity", job["errorMessage"])
        # Silence since the model was asked, plus the interrupt and the app-server's shutdown.
        ended = iso_to_epoch(job["completedAt"]) - self.request_for(token)["time"]
        self.assertGreater(ended, 1.4)
        self.assertLess(ended, 5.0)
        self.assert_no_processes_left()

    def test_job_deadline_shorter_than_the_turn(self):
        job_id, token = self.launch(slow(30000), env={"CODEX_COMPANION_JOB_TIMEOUT_MS": "2000"})
        self.wait_turn_under_way(job_id, token)
        job = self.wait_job(job_id, timeout_s=15)
        self.assert_terminal(job, "failed", "deadline")
        self.assertIn("deadline", job["errorMessage"])
        ended = iso_to_epoch(job["completedAt"]) - iso_to_epoch(job["startedAt"])
        self.assertGreater(ended, 1.9)
        self.assertLess(ended, 5.0)
        self.assert_no_processes_left()


class Cancel(BackgroundCase):
    def test_cancel_of_a_hanging_job(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        out, took = self.timed_cli("cancel", job_id, "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertLess(took, 5.0)
        payload = json.loads(out.stdout)
        self.assertEqual(set(payload), {"jobId", "status", "title", "turnInterruptAttempted",
                                        "turnInterrupted"})
        self.assertEqual((payload["jobId"], payload["status"]), (job_id, "cancelled"))
        self.assertIs(payload["turnInterruptAttempted"], True)
        self.assertIsInstance(payload["turnInterrupted"], bool)
        job = self.job(job_id)
        self.assert_terminal(job, "cancelled", "cancelled")
        with open(job["logFile"]) as f:
            self.assertIn("Cancelled by user.", f.read())
        self.assert_gone([worker, *app_servers], 5, "the worker and its app-server to exit")
        self.assert_no_processes_left()

    def test_cancel_right_after_the_launch(self):
        # The worker may still be starting (no signal handler, no app-server yet) or be starting
        # the app-server when the cancel lands.
        for _ in range(3):
            job_id, _ = self.launch(HANG)
            out, took = self.timed_cli("cancel", job_id, "--json")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertLess(took, 5.0)
            self.assertEqual(json.loads(out.stdout)["status"], "cancelled")
            self.assert_terminal(self.job(job_id), "cancelled", "cancelled")
            self.assert_no_processes_left()

    def test_cancel_right_after_the_app_server_was_killed(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        for pid in app_servers:
            os.kill(pid, signal.SIGKILL)
        out, took = self.timed_cli("cancel", job_id, "--json")
        self.assertLess(took, 5.0)
        job = self.job(job_id)
        # Whoever came first wins: the worker (app-server-exited) or the cancel.
        self.assertIn((job["status"], job["endReason"]),
                      [("cancelled", "cancelled"), ("failed", "app-server-exited")], job)
        if out.returncode == 0:
            self.assertEqual(json.loads(out.stdout)["status"], job["status"])
        else:
            self.assert_one_line_error(out, "nothing to cancel")
        self.assert_settled(job)
        self.assert_gone([worker], 5, "the worker to exit")
        self.assert_no_processes_left()

    def test_cancel_of_a_stopped_worker(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        os.kill(worker, signal.SIGSTOP)
        try:
            out, took = self.timed_cli("cancel", job_id, "--json")
        finally:
            if pid_alive(worker):
                os.kill(worker, signal.SIGCONT)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertLess(took, 5.0)
        self.assertEqual(json.loads(out.stdout)["status"], "cancelled")
        self.assert_terminal(self.job(job_id), "cancelled", "cancelled")
        self.assert_gone([worker, *app_servers], 5, "the worker and its app-server to exit")
        self.assert_no_processes_left()

    def test_cancel_with_a_hung_app_server(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        for pid in app_servers:
            os.kill(pid, signal.SIGSTOP)
        out, took = self.timed_cli("cancel", job_id, "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertLess(took, 5.0)
        payload = json.loads(out.stdout)
        self.assertEqual(payload["status"], "cancelled")
        job = self.job(job_id)
        self.assert_terminal(job, "cancelled", "cancelled")
        # The worker asked for the interrupt, which the hung app-server never answered; it must
        # fit that and the app-server's shutdown in cancel's grace to report it.
        with open(job["logFile"]) as f:
            log = f.read()
        self.assertIn("Interrupting the turn failed", log)
        self.assertEqual((payload["turnInterruptAttempted"], payload["turnInterrupted"]),
                         (True, False), f"cancel misreports the interrupt asked for:\n{log}")
        self.assert_gone([worker, *app_servers], 5, "the worker and its hung app-server to exit")
        self.assert_no_processes_left()

    def test_two_cancels_at_once(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        outs, took = self.run_together([("cancel", job_id, "--json")] * 2)
        self.assertLess(max(took), 5.0)
        ok = [o for o in outs if o.returncode == 0]
        self.assertTrue(ok, [o.stderr for o in outs])
        for o in outs:
            if o.returncode == 0:
                self.assertEqual(json.loads(o.stdout)["status"], "cancelled")
            else:
                self.assert_one_line_error(o, "already cancelled")
        self.assert_terminal(self.job(job_id), "cancelled", "cancelled")
        self.assert_gone([worker, *app_servers], 5, "the worker and its app-server to exit")
        self.assert_no_processes_left()

    def test_cancel_racing_the_jobs_own_completion(self):
        # The stand-in answers 600 ms after the request; cancels land just before, at and just
        # after that moment. Either side may win, but only one of them.
        for offset_ms in (-40, 0, 15, 40, 120):
            job_id, token = self.launch(slow(600))
            self.wait_turn_under_way(job_id, token)
            asked = self.request_for(token)["time"]
            delay = asked + (600 + offset_ms) / 1000.0 - time.time()
            if delay > 0:
                time.sleep(delay)  # aiming the cancel at the completion, not waiting for a state
            out, took = self.timed_cli("cancel", job_id, "--json")
            self.assertLess(took, 5.0)
            job = self.job(job_id)
            with open(job["logFile"]) as f:
                story = (f"cancel {offset_ms:+} ms: rc {out.returncode} {out.stdout}{out.stderr}\n"
                         f"{f.read()}")
            self.assertIn((job["status"], job["endReason"]),
                          [("cancelled", "cancelled"), ("completed", "completed")], story)
            if out.returncode == 0:
                self.assertEqual(json.loads(out.stdout)["status"], job["status"])
            else:
                self.assert_one_line_error(out, "nothing to cancel")
            self.assert_settled(job)
            self.assert_no_processes_left()


class Crowd(BackgroundCase):
    def test_twenty_jobs_at_once_in_one_workspace(self):
        count = 20
        tokens = [self.token() for _ in range(count)]
        outs, _ = self.run_together([("task", "--background", "--json", f"Job {i}. ECHO:{token}")
                                     for i, token in enumerate(tokens)])
        for out in outs:
            self.assertEqual(out.returncode, 0, out.stderr)
        ids = [json.loads(out.stdout)["jobId"] for out in outs]
        self.assertEqual(len(set(ids)), count)
        for job_id in ids:
            self.wait_job(job_id, timeout_s=120)
        for i, job_id in enumerate(ids):
            job = self.job(job_id)
            self.assert_terminal(job, "completed", "completed")
            self.assertIn(tokens[i], job["result"]["rawOutput"])
        rows = self.db_rows("SELECT id, status, end_reason FROM jobs ORDER BY id")
        self.assertEqual(sorted(r[0] for r in rows), sorted(ids))
        self.assertTrue(all(r[1:] == ("completed", "completed") for r in rows), rows)
        self.assertEqual(self.db_rows("PRAGMA integrity_check"), [("ok",)])
        snapshot = self.run_json("status", "--all")
        self.assertEqual(snapshot["running"], [])
        listed = [snapshot["latestFinished"]["id"]] + [j["id"] for j in snapshot["recent"]]
        self.assertEqual(sorted(listed), sorted(ids))
        self.assert_no_processes_left(timeout=10)


class Reconcile(BackgroundCase):
    def test_launcher_killed_as_soon_as_the_job_row_appears(self):
        # Kill the launcher the moment its job's log appears (the row is written first): the
        # worker may or may not have been started yet. Either way the job must not stay active.
        # Both outcomes show up within a few rounds here.
        seen = set()

        def new_job():
            fresh = self.logged_job_ids() - seen
            return fresh.pop() if fresh else None

        for round_no in range(4):
            proc = self.spawn([BIN, "task", "--background", "--json",
                               f"Early {round_no}. ECHO:early {slow(200)}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            job_id = wait_until(new_job, 10, interval=0.0005, what="the job row")
            seen.add(job_id)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            job = self.wait_job(job_id)
            self.assertIn((job["status"], job["endReason"]),
                          [("failed", "worker-died"), ("completed", "completed")], job)
            self.assert_settled(job)
            self.assert_no_processes_left()

    def test_queued_job_whose_creator_exited(self):
        self.run_json("status")  # creates the store
        lock = self.insert_job("task-crash00-queued", status="queued", pid=999999)
        with open(lock, "w"):
            pass  # the creator's lock, released when it died
        job = self.job("task-crash00-queued")
        self.assert_terminal(job, "failed", "worker-died")

    def test_stale_lock_file_with_no_owner(self):
        self.run_json("status")
        lock = self.insert_job("task-stale00-locked", status="running", pid=999999)
        with open(lock, "w"):
            pass
        snapshot = self.run_json("status")  # a list read reconciles before it slices
        self.assertEqual(snapshot["running"], [])
        self.assertEqual(snapshot["latestFinished"]["id"], "task-stale00-locked")
        job = self.job("task-stale00-locked")
        self.assert_terminal(job, "failed", "worker-died")
        self.assertNotIn("lock is missing", job["errorMessage"])
        self.assertFalse(os.path.exists(lock))

    def test_rows_from_a_crashed_older_run(self):
        self.run_json("status")
        # No lock file, and a pid that is alive but not the owner: this test process with another
        # start time (a recycled pid), and init.
        self.insert_job("task-crash01-nolock", status="running", pid=os.getpid(),
                        pid_start_time=start_time_of(os.getpid()) + 1000)
        self.insert_job("task-crash02-nolock", status="queued", pid=1)
        out = self.run_cli("cancel")
        self.assert_one_line_error(out, "No active Codex jobs to cancel")
        for job_id in ("task-crash01-nolock", "task-crash02-nolock"):
            job = self.job(job_id)
            self.assert_terminal(job, "failed", "worker-died")
            self.assertIn("lock is missing", job["errorMessage"])
        self.assertTrue(pid_alive(os.getpid()))

    def test_store_written_by_an_older_release(self):
        # A store created before the cancel_requested column existed, holding a job of a run that
        # crashed: the next read must reconcile it, not fail on the schema.
        self.run_json("status")
        self.replace_with_older_store()
        self.insert_job("task-crash03-oldrel", status="running", pid=999999)
        out = self.run_cli("status", "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        snapshot = json.loads(out.stdout)
        self.assertEqual(snapshot["running"], [])
        self.assertEqual(snapshot["latestFinished"]["id"], "task-crash03-oldrel")
        self.assert_terminal(self.job("task-crash03-oldrel"), "failed", "worker-died")
        # And the upgraded store runs new jobs.
        job_id, _ = self.launch()
        self.assert_terminal(self.wait_job(job_id), "completed", "completed")
        self.assert_no_processes_left()

    def test_owner_killed_while_holding_the_lock(self):
        ready = os.path.join(self.tmp, "ready")
        holder = self.helper("hold", self.workspace, ready)
        wait_until(lambda: os.path.exists(ready), 10, what="the holder's job")
        with open(ready) as f:
            job_id = f.read().strip()
        self.assertEqual(self.job(job_id)["status"], "running")
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        self.assert_terminal(self.job(job_id), "failed", "worker-died")


class Waiting(BackgroundCase):
    def test_status_wait_returns_right_after_the_end(self):
        job_id, token = self.launch(slow(1500))
        self.wait_turn_under_way(job_id, token)
        waiter = self.spawn([BIN, "status", job_id, "--wait", "--json", "--timeout-ms", "30000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = waiter.communicate(timeout=40)
        returned = time.time()
        self.assertEqual(waiter.returncode, 0, err)
        payload = json.loads(out)
        self.assertFalse(payload["waitTimedOut"])
        job = payload["job"]
        self.assert_terminal(job, "completed", "completed")
        latency = returned - iso_to_epoch(job["completedAt"])
        self.assertLess(latency, 0.15, f"--wait returned {latency * 1000:.0f} ms after the end")

    def test_status_wait_ends_when_the_worker_dies(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(job)
        waiter = self.spawn([BIN, "status", job_id, "--wait", "--json", "--timeout-ms", "30000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The waiter is waiting once it holds the store open (it reads it, then probes the lock).
        store = self.db_path()
        wait_until(lambda: any(os.path.realpath(f"/proc/{waiter.pid}/fd/{fd}") == store
                               for fd in os.listdir(f"/proc/{waiter.pid}/fd")), 10,
                   what="the waiter to open the store")
        self.assertIsNone(waiter.poll(), "status --wait returned on a running job")
        os.kill(worker, signal.SIGKILL)
        killed = time.monotonic()
        out, err = waiter.communicate(timeout=40)
        self.assertLess(time.monotonic() - killed, 1.0, "--wait did not notice the dead worker")
        self.assertEqual(waiter.returncode, 0, err)
        payload = json.loads(out)
        self.assertFalse(payload["waitTimedOut"])
        self.assert_terminal(payload["job"], "failed", "worker-died")
        self.assert_gone(app_servers, 5, "the app-server of the killed worker to exit")
        self.assert_no_processes_left()

    def test_status_wait_times_out_on_a_hanging_job(self):
        job_id, token = self.launch(HANG)
        before = self.wait_turn_under_way(job_id, token)
        worker, app_servers = self.worker_and_app_server(before)
        started = time.monotonic()
        out = self.run_json("status", job_id, "--wait", "--timeout-ms", "300")
        took = time.monotonic() - started
        self.assertTrue(out["waitTimedOut"])
        self.assertEqual(out["timeoutMs"], 300)
        self.assertGreaterEqual(took, 0.3)
        self.assertLess(took, 2.0)
        after = self.job(job_id)
        self.assertEqual((after["status"], after["endReason"]), ("running", None))
        self.assertEqual((after["turnId"], after["pid"]), (before["turnId"], before["pid"]))
        self.assertTrue(pid_alive(worker) and all(pid_alive(p) for p in app_servers))
        self.assertEqual(self.run_cli("cancel", job_id).returncode, 0)
        self.assert_terminal(self.job(job_id), "cancelled", "cancelled")
        self.assert_no_processes_left()


class Sessions(BackgroundCase):
    A = {"CODEX_COMPANION_SESSION_ID": "session-a"}
    B = {"CODEX_COMPANION_SESSION_ID": "session-b"}

    def test_jobs_are_scoped_to_their_session(self):
        job_id, token = self.launch(HANG, env=self.A)
        self.wait_turn_under_way(job_id, token)
        mine = self.run_json("status", env=self.A)
        self.assertEqual([j["id"] for j in mine["running"]], [job_id])
        theirs = self.run_json("status", env=self.B)
        self.assertEqual(theirs["running"], [])
        self.assertIsNone(theirs["latestFinished"])
        self.assert_one_line_error(self.run_cli("cancel", env=self.B),
                                   "No active Codex jobs to cancel for this session.")
        self.assertEqual(self.job(job_id, env=self.B)["sessionId"], "session-a")
        self.assertEqual(self.job(job_id)["status"], "running")
        out = self.run_cli("cancel", job_id, "--json", env=self.B)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["status"], "cancelled")
        self.assert_terminal(self.job(job_id, env=self.A), "cancelled", "cancelled")
        self.assert_no_processes_left()

    def test_task_resume_candidate_shape_and_scope(self):
        empty = self.run_json("task-resume-candidate", env=self.A)
        # The reference's three fields, and passedOver (a job passed over for its Codex home).
        self.assertEqual(empty, {"available": False, "sessionId": "session-a", "candidate": None,
                                 "passedOver": None})
        job_id, _ = self.launch(env=self.A)
        job = self.wait_job(job_id)
        self.assert_terminal(job, "completed", "completed")
        mine = self.run_json("task-resume-candidate", env=self.A)
        self.assertEqual(set(mine), {"available", "sessionId", "candidate", "passedOver"})
        self.assertTrue(mine["available"])
        self.assertEqual(mine["sessionId"], "session-a")
        candidate = mine["candidate"]
        self.assertEqual(set(candidate), {"id", "status", "title", "summary", "threadId",
                                          "completedAt", "updatedAt"})
        self.assertEqual((candidate["id"], candidate["status"], candidate["threadId"]),
                         (job_id, "completed", job["threadId"]))
        self.assertEqual(candidate["completedAt"], job["completedAt"])
        theirs = self.run_json("task-resume-candidate", env=self.B)
        self.assertEqual(theirs, {"available": False, "sessionId": "session-b", "candidate": None,
                                  "passedOver": None})
        anyone = self.run_json("task-resume-candidate")
        self.assertIsNone(anyone["sessionId"])
        self.assertEqual(anyone["candidate"]["id"], job_id)
        self.assert_no_processes_left()


if __name__ == "__main__":
    unittest.main()
