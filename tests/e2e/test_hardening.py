"""Regressions from replayed bug reports (issue "Hardening"), against the real Codex CLI.

Each test is named after the fault it guards against; each failed on the code before its fix.
"""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

from background_support import BackgroundCase, SharedRuntimeCase, is_native_codex
from companion_testlib import BIN, SOURCE_DIR, pid_alive, wait_until
from turns_support import descendants

HANG = "[[stub:hang]]"
STUCK_MCP = os.path.join(SOURCE_DIR, "tests", "fixtures", "stuck_mcp_server.py")


class DescendantsOutliveTheirJob(BackgroundCase):
    """An MCP server started by the app-server from the user's Codex config.toml that ignores the
    end of its stdin (and SIGTERM) survived a SIGKILL of the worker or of the app-server,
    reparented to init. Nothing a job started may outlive it, however the job ends.

    Direct runtime: the job's own app-server and what it started are gone when the job's end is
    recorded. The shared runtime's subclass below runs the same faults through the broker."""

    def setUp(self):
        super().setUp()
        self.pid_file = os.path.join(self.tmp, "mcp.pids")
        with open(os.path.join(self.codex.home, "config.toml"), "a", encoding="utf-8") as f:
            f.write(f'\n[mcp_servers.stuck]\ncommand = "{sys.executable}"\n'
                    f'args = ["{STUCK_MCP}", "{self.pid_file}"]\nstartup_timeout_sec = 5\n')
        self.addCleanup(self.kill_mcp_servers)

    def mcp_servers(self):
        try:
            with open(self.pid_file, encoding="utf-8") as f:
                return [int(line) for line in f.read().split()]
        except FileNotFoundError:
            return []

    def kill_mcp_servers(self):
        for pid in self.mcp_servers():
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)

    def started_job(self):
        job_id, token = self.launch(HANG)
        job = self.wait_turn_under_way(job_id, token)
        servers = wait_until(self.mcp_servers, 20, what="the stuck MCP server to start")
        self.assertTrue(all(pid_alive(p) for p in servers), servers)
        return job, servers

    def assert_mcp_gone(self, servers):
        self.assert_gone(servers, 5, f"the stuck MCP servers {servers} to be ended")

    # What differs between the runtimes -------------------------------------------------------

    def app_servers_of(self, owner_pid):
        """The native app-server(s) serving the turn of the job owned by `owner_pid`."""
        return wait_until(lambda: [p for p in descendants(owner_pid) if is_native_codex(p)], 10,
                          what=f"the app-server of {owner_pid}")

    def after_the_job(self):
        """What ends the job's app-server once the job has ended: the direct runtime ended it
        with the job; the shared runtime's subclass stops the broker."""

    def assert_mcp_gone_with_the_job(self, servers):
        # The owner, reaper of the orphaned MCP server, ended it before it recorded the end.
        self.assertEqual([p for p in servers if pid_alive(p)], [])

    # The faults --------------------------------------------------------------------------------

    def test_worker_sigkilled_mid_turn(self):
        job, servers = self.started_job()
        worker = job["pid"]
        self.assertTrue(pid_alive(worker), job)
        os.kill(worker, signal.SIGKILL)
        self.assert_gone([worker], 5, "the worker to die")
        job = self.job(job["id"])  # the reconciling read ends what the worker left running
        self.assert_terminal(job, "failed", "worker-died")
        self.after_the_job()
        self.assert_mcp_gone(servers)
        self.assert_no_processes_left()

    def test_app_server_sigkilled_mid_turn(self):
        job, servers = self.started_job()
        for pid in self.app_servers_of(job["pid"]):
            os.kill(pid, signal.SIGKILL)
        job = self.wait_job(job["id"])
        self.assert_terminal(job, "failed", "app-server-exited")
        self.assert_mcp_gone_with_the_job(servers)
        self.assert_no_processes_left()

    def test_cancelled_job(self):
        job, servers = self.started_job()
        out, took = self.timed_cli("cancel", job["id"], "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertLess(took, 5.0)
        self.assert_terminal(self.job(job["id"]), "cancelled", "cancelled")
        self.after_the_job()
        self.assert_mcp_gone(servers)
        self.assert_no_processes_left()

    def test_completed_job(self):
        job_id, _ = self.launch()
        job = self.wait_job(job_id)
        self.assert_terminal(job, "completed", "completed")
        servers = self.mcp_servers()
        self.assertTrue(servers, "Codex did not start the MCP server")
        self.after_the_job()
        self.assertEqual([p for p in servers if pid_alive(p)], [])
        self.assert_no_processes_left()

    def test_foreground_command_sigkilled_mid_turn(self):
        proc = self.spawn([BIN, "task", f"Work. ECHO:{self.token()} {HANG}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers = wait_until(self.mcp_servers, 30, what="the stuck MCP server to start")
        self.app_servers_of(proc.pid)
        proc.kill()
        proc.wait(timeout=10)
        report = self.run_json("status")  # reconciles the dead foreground owner
        self.assertEqual(report["latestFinished"]["endReason"], "worker-died", report)
        self.after_the_job()
        self.assert_mcp_gone(servers)
        self.assert_no_processes_left()


class DescendantsOutliveTheirJobThroughTheBroker(SharedRuntimeCase, DescendantsOutliveTheirJob):
    """The same faults through the shared broker (the default runtime): the MCP server is the
    shared app-server's, which outlives each job by design; it must go with the app-server, when
    the app-server dies or its broker exits, however that happens. Before, an app-server SIGKILLed
    mid-turn, a broker stopped, idle or SIGKILLed each left the MCP server running, reparented to
    init."""

    def app_servers_of(self, owner_pid):
        broker = wait_until(self.broker, 10, what="the shared broker")
        return [broker["appServerPid"]]

    def after_the_job(self):
        broker = self.broker()
        self.assertIsNotNone(broker, "the broker should outlive the job")
        # A client that left mid-turn has its turn interrupted by the broker: Codex ends it soon.
        wait_until(lambda: self.broker()["activeTurns"] == 0, 10,
                   what="the abandoned turn to be interrupted")
        out = self.run_json("broker", "stop")  # not forced: no job uses it any more
        self.assertTrue(out["stopped"], out)
        self.assert_gone([broker["pid"]], 10, "the broker to exit")

    def assert_mcp_gone_with_the_job(self, servers):
        # The broker ends its dead app-server's whole session, by itself.
        self.assert_mcp_gone(servers)

    def test_broker_sigkilled_mid_turn(self):
        job, servers = self.started_job()
        broker = self.broker()
        os.kill(broker["pid"], signal.SIGKILL)
        job = self.wait_job(job["id"])
        self.assert_terminal(job, "failed", "broker-lost")
        # Whoever finds the broker dead (the job's worker, the next read) ends what is left of
        # its app-server's session, found by the recorded pid and start time.
        self.job(job["id"])
        self.assert_mcp_gone(servers)
        self.assert_no_processes_left()
        self.assertEqual(self.run_json("broker", "status")["brokers"], [])

    def test_broker_idle_exit(self):
        env = {"CODEX_COMPANION_BROKER_IDLE_MS": "1500"}
        out = self.run_cli("task", f"Once. ECHO:{self.token()}", env=env, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        servers = self.mcp_servers()
        self.assertTrue(servers, "Codex did not start the MCP server")
        broker = self.broker()
        self.assert_gone([broker["pid"]], 20, "the idle broker to exit")
        self.assert_mcp_gone(servers)
        self.assert_no_processes_left()

    def test_broker_stop_after_a_completed_job(self):
        out = self.run_cli("task", f"Once. ECHO:{self.token()}", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        servers = self.mcp_servers()
        self.assertTrue(servers, "Codex did not start the MCP server")
        self.assertTrue(all(pid_alive(p) for p in servers), "the thread's MCP server ended early")
        self.after_the_job()
        self.assert_mcp_gone(servers)
        self.assert_no_processes_left()

    def test_broker_sigterm_mid_turn(self):
        job, servers = self.started_job()
        broker = self.broker()
        os.kill(broker["pid"], signal.SIGTERM)
        job = self.wait_job(job["id"])
        self.assertEqual(job["status"], "failed", job)
        self.assert_gone([broker["pid"]], 10, "the broker to exit")
        self.assert_mcp_gone(servers)
        self.assert_no_processes_left()


class EmptyAnswerPassesForSuccess(BackgroundCase):
    """A turn that completed with no final message (a real Codex behaviour) was stored
    `completed` with rawOutput "" and exit 0."""

    def test_foreground_task_without_an_answer_fails(self):
        out = self.run_cli("task", "Say nothing. [[stub:empty]]", timeout=60)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("Codex returned no answer", out.stderr)
        report = self.run_json("status")
        job = self.job(report["latestFinished"]["id"])
        self.assert_terminal(job, "failed", "no-final-message")
        self.assertEqual(job["result"]["rawOutput"], "")
        self.assert_no_processes_left()

    def test_background_task_without_an_answer_fails(self):
        job_id, _ = self.launch("[[stub:empty]]")
        self.assert_terminal(self.wait_job(job_id), "failed", "no-final-message")


class ResultOfACancelledJob(BackgroundCase):
    """`result` of a cancelled (or failed) job printed its output but exited 1; the reference
    exits 0 whenever it prints a stored result (its exit status is about the command, not the
    job, which `status` reports)."""

    def test_result_of_a_cancelled_job_exits_zero(self):
        job_id, token = self.launch(HANG)
        self.wait_turn_under_way(job_id, token)
        self.assertEqual(self.run_cli("cancel", job_id).returncode, 0)
        out = self.run_cli("result", job_id)
        self.assertEqual(out.returncode, 0, out.stderr)
        payload = self.run_json("result", job_id)
        self.assertEqual(payload["storedJob"]["status"], "cancelled")


class CancelBoundWithAStoppedStoreWriter(BackgroundCase):
    """`cancel` relied on SQLite's 30 s busy timeout: a store writer stopped mid-transaction
    (SIGSTOP) made it break its 5 s bound."""

    def test_cancel_keeps_its_bound_while_the_store_is_locked(self):
        job_id, token = self.launch(HANG)
        self.wait_turn_under_way(job_id, token)
        ready = os.path.join(self.tmp, "locked")
        holder = self.helper("lock-store", self.workspace, ready)
        wait_until(lambda: os.path.exists(ready), 10, what="the store to be locked")
        os.kill(holder.pid, signal.SIGSTOP)
        out, took = self.timed_cli("cancel", job_id)
        self.assertLess(took, 5.0, out.stderr)
        self.assertEqual(out.returncode, 1)
        self.assertIn("locked by another process", out.stderr)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        # The worker was told to stop and did; the next read records the cancel asked for.
        job = wait_until(lambda: (lambda j: j if j["status"] != "running" else None)(
            self.job(job_id)), 10, interval=0.1, what="the job to end")
        self.assert_terminal(job, "cancelled", "cancelled")
        self.assert_no_processes_left()


if __name__ == "__main__":
    unittest.main()
