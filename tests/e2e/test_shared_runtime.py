"""The shared runtime (the default): the jobs of a workspace reach the REAL Codex CLI through one
broker, started on demand, health-checked, replaced when stale, stopped on request, and gone
after its idle time with nothing left behind (SPEC.md guarantee 4)."""

import json
import os
import signal
import time
import unittest

import background_support
from background_support import is_native_codex
from companion_testlib import BIN, pid_alive, read_text, wait_until


def parent_of(pid):
    stat = read_text(f"/proc/{pid}/stat")
    return int(stat.rsplit(")", 1)[1].split()[1]) if stat else 0


class SharedRuntimeCase(background_support.SharedRuntimeCase):

    def natives(self):
        """Native codex processes that are app-servers: not the children an app-server forks
        for a moment before they exec something else (they show its command line)."""
        found = []
        for pid in self.codex_processes():
            if is_native_codex(pid) and not is_native_codex(parent_of(pid)):
                found.append(pid)
        return found

    def assert_no_broker_files(self, endpoint):
        sock = endpoint[len("unix:"):]
        self.assertFalse(os.path.exists(sock), "socket left behind")
        self.assertFalse(os.path.exists(os.path.dirname(sock)), "socket directory left behind")
        for d in self.state_dirs():
            locks = [n for n in os.listdir(d) if n.startswith("broker") and n.endswith(".lock")]
            self.assertEqual(locks, [], "start lock left")


class ManyJobs(SharedRuntimeCase):
    def test_six_background_jobs_at_once_share_one_app_server(self):
        jobs = [self.launch("[[stub:slow:1500]]") for _ in range(6)]
        seen = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen.update(self.natives())
            states = [self.raw_row(job_id)[0] for job_id, _ in jobs]
            if all(s in ("completed", "failed", "cancelled") for s in states):
                break
            time.sleep(0.05)
        for job_id, token in jobs:
            job = self.wait_job(job_id)
            self.assert_terminal(job, "completed", "completed")
            self.assertIn(token, job["rendered"])
            self.assertNotIn("busy", read_text(job["logFile"]).lower())
        logs = "".join(read_text(self.job(j)["logFile"]) for j, _ in jobs)
        self.assertEqual(len(seen), 1, f"app-servers seen: {sorted(seen)}\n{logs}")
        self.assertEqual(self.broker()["appServerPid"], next(iter(seen)))

    def test_ten_foreground_tasks_back_to_back_on_one_broker(self):
        brokers, app_servers = set(), set()
        for i in range(10):
            out = self.run_cli("task", f"Task {i}. ECHO:tok-fg-{i}", timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn(f"tok-fg-{i}", out.stdout)
            broker = self.broker()
            brokers.add(broker["pid"])
            app_servers.add(broker["appServerPid"])
        self.assertEqual(len(brokers), 1)
        self.assertEqual(len(app_servers), 1)

    def test_setup_asks_the_running_broker_and_shows_it(self):
        busy = [self.launch("[[stub:hang]]") for _ in range(3)]
        for job_id, token in busy:
            self.wait_turn_under_way(job_id, token)
        report = self.run_json("setup", timeout=60)
        self.assertTrue(report["auth"]["available"], report["auth"])  # never "not signed in"
        runtime = report["sessionRuntime"]
        self.assertEqual(runtime["mode"], "shared")
        self.assertEqual(runtime["pid"], self.broker()["pid"])
        self.assertEqual(runtime["activeTurns"], 3)
        status = self.run_json("status")
        self.assertEqual(status["sessionRuntime"]["endpoint"], runtime["endpoint"])
        for job_id, _ in busy:
            self.run_cli("cancel", job_id, "--json")


class Faults(SharedRuntimeCase):
    def test_app_server_killed_under_the_broker(self):
        job_id, token = self.launch("[[stub:hang]]")
        self.wait_turn_under_way(job_id, token)
        broker = self.broker()
        killed = time.monotonic()
        os.kill(broker["appServerPid"], signal.SIGKILL)
        job = self.wait_job(job_id)
        self.assertLess(time.monotonic() - killed, 2.5)
        self.assert_terminal(job, "failed", "app-server-exited")
        self.assertIn("signal 9", job["errorMessage"])
        wait_until(lambda: not pid_alive(broker["pid"]), 5, what="the broker to exit")
        self.assert_no_broker_files(broker["endpoint"])
        out = self.run_cli("task", "Again. ECHO:tok-after-app-server", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertNotEqual(self.broker()["pid"], broker["pid"])

    def test_broker_killed_mid_turn(self):
        job_id, token = self.launch("[[stub:hang]]")
        self.wait_turn_under_way(job_id, token)
        broker = self.broker()
        killed = time.monotonic()
        os.kill(broker["pid"], signal.SIGKILL)
        job = self.wait_job(job_id)
        self.assertLess(time.monotonic() - killed, 2.5)
        self.assert_terminal(job, "failed", "broker-lost")
        wait_until(lambda: not pid_alive(broker["appServerPid"]), 5,
                   what="the app-server of the killed broker to go")
        out = self.run_cli("task", "Again. ECHO:tok-after-broker", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("tok-after-broker", out.stdout)
        self.assertNotEqual(self.broker()["pid"], broker["pid"])

    def test_stopped_broker_cancel_is_bounded_and_the_broker_is_replaced(self):
        job_id, token = self.launch("[[stub:hang]]")
        self.wait_turn_under_way(job_id, token)
        broker = self.broker()
        os.kill(broker["pid"], signal.SIGSTOP)
        try:
            out, took = self.timed_cli("cancel", job_id, "--json")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertLess(took, 5.0)
            self.assert_terminal(self.job(job_id), "cancelled", "cancelled")
            # The next job finds it unhealthy, ends it and starts another.
            out, took = self.timed_cli("task", "Next. ECHO:tok-replaced", timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("tok-replaced", out.stdout)
        finally:
            if pid_alive(broker["pid"]):
                os.kill(broker["pid"], signal.SIGCONT)
        wait_until(lambda: not pid_alive(broker["pid"]), 5, what="the stopped broker to be ended")
        self.assertNotEqual(self.broker()["pid"], broker["pid"])

    def test_broker_stop_refuses_while_a_job_uses_it_and_force_fails_the_job(self):
        job_id, token = self.launch("[[stub:hang]]")
        self.wait_turn_under_way(job_id, token)
        refused = self.run_cli("broker", "stop")
        self.assert_one_line_error(refused, "in use")
        self.assertIsNotNone(self.broker())
        forced = self.run_json("broker", "stop", "--force")
        self.assertTrue(forced["stopped"])
        job = self.wait_job(job_id)
        self.assert_terminal(job, "failed", "broker-lost")
        self.assertIsNone(self.broker())


class IdleExit(SharedRuntimeCase):
    def test_idle_exit_leaves_nothing_behind(self):
        env = {"CODEX_COMPANION_BROKER_IDLE_MS": "500"}
        out = self.run_cli("task", "Once. ECHO:tok-idle", env=env, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        broker = self.broker()
        self.assertIsNotNone(broker)
        wait_until(lambda: not pid_alive(broker["pid"]), 10, what="the idle broker to exit")
        self.assert_no_processes_left()
        self.assert_no_broker_files(broker["endpoint"])
        self.assertEqual(self.lock_files(), [])
        self.assertEqual(self.run_json("broker", "status")["running"], False)


if __name__ == "__main__":
    unittest.main()
