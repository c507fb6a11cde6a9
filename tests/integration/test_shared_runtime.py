"""How jobs find the workspace's broker (against the fake app-server in its "multi" mode): a stale
recorded session is replaced without touching a recycled pid, companions racing to start one
start one, the direct runtime and an explicit endpoint are honoured, and a broker that fails
before the turn starts is left for a direct app-server."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import unittest

from companion_testlib import (BIN, SOURCE_DIR, CompanionTestCase, pid_alive,
                               processes_with_env, read_text, recv_until_closed, wait_until)

FAKE = os.path.join(SOURCE_DIR, "tests", "fixtures", "fake_app_server.py")


def start_time_of(pid):
    return int(read_text(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[19])


class SharedFakeCase(CompanionTestCase):
    runtime = None

    def setUp(self):
        super().setUp()
        self.fake_log = os.path.join(self.tmp, "fake.log")
        self.env.update({"CODEX_COMPANION_CODEX": FAKE, "FAKE_APP_SERVER_MODE": "multi",
                         "FAKE_APP_SERVER_LOG": self.fake_log})

    def tearDown(self):
        if self.state_dirs():
            self.run_cli("broker", "stop", "--force")
        # Every broker and app-server of the test carries its fake's log path.
        mine = {proc.pid for proc in self.started}  # ended by the base class
        leftovers = [p for p in processes_with_env("FAKE_APP_SERVER_LOG", self.fake_log)
                     if p not in mine]
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        super().tearDown()
        self.assertEqual(leftovers, [], "processes outlived the test")

    def app_server_starts(self):
        return [json.loads(line) for line in read_text(self.fake_log).splitlines()
                if '"event": "start"' in line]

    def recorded_sessions(self):
        """Every broker record of the workspace (one per Codex identity), by key."""
        rows = self.db_rows("SELECT key, value FROM config WHERE key = 'brokerSession' "
                            "OR key LIKE 'brokerSession.%' ORDER BY key")
        return {key: json.loads(value) for key, value in rows}

    def recorded_session(self):
        """The one broker record, or None."""
        sessions = list(self.recorded_sessions().values())
        self.assertLessEqual(len(sessions), 1, sessions)
        return sessions[0] if sessions else None

    def identity(self, env=None):
        """This run's Codex identity, as `broker status --json` shows it."""
        return self.run_json("broker", "status", env=env)["identity"]

    def start_locks(self):
        return [name for d in self.state_dirs() for name in os.listdir(d)
                if name.startswith("broker") and name.endswith(".lock")]

    def task(self, text, env=None):
        out = self.run_cli("task", text, env=env, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("ECHO: " + text, out.stdout)
        return out


class FindingTheBroker(SharedFakeCase):
    def test_stale_session_with_a_dead_socket_and_a_recycled_pid_is_replaced(self):
        self.run_json("status")  # creates the store
        stale_dir = os.path.join(self.tmp, "stale")
        os.makedirs(stale_dir, mode=0o700)
        sock = os.path.join(stale_dir, "broker.sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(sock)
        s.close()  # the socket file stays; nobody listens
        bystander = self.spawn(["sleep", "60"])  # holds the recorded pid now, started later
        record = {"endpoint": "unix:" + sock, "socketDir": stale_dir,
                  "pidFile": os.path.join(stale_dir, "broker.pid"), "logFile": "",
                  "pid": bystander.pid, "pidStartTime": start_time_of(bystander.pid) + 1,
                  "startedAt": 0}
        identity = self.identity()
        record["identity"] = identity
        con = sqlite3.connect(os.path.join(self.state_dirs()[0], "state.db"))
        with con:
            con.execute("INSERT INTO config(key, value) VALUES (?, ?)",
                        ("brokerSession." + identity["key"], json.dumps(record)))
        con.close()
        self.task("after a stale broker")
        self.assertTrue(pid_alive(bystander.pid), "a recycled pid was signalled")
        self.assertFalse(os.path.exists(stale_dir), "the stale broker's files were left")
        session = self.recorded_session()
        self.assertNotEqual(session["endpoint"], record["endpoint"])
        self.assertTrue(pid_alive(session["pid"]))

    def test_companions_racing_to_start_the_broker_start_one(self):
        results = [None] * 4
        gate = threading.Barrier(4)

        def one(i):
            gate.wait()
            results[i] = self.run_cli("task", f"racer {i}", timeout=60)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        for i, out in enumerate(results):
            self.assertIsNotNone(out)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn(f"ECHO: racer {i}", out.stdout)
            self.assertNotIn("direct app-server", out.stderr)
        self.assertEqual(len(self.app_server_starts()), 1)
        self.assertEqual(self.start_locks(), [])

    def test_runtime_direct_starts_no_broker(self):
        self.task("direct please", env={"CODEX_COMPANION_RUNTIME": "direct"})
        self.assertIsNone(self.recorded_session())
        self.assertFalse(self.run_json("broker", "status")["running"])
        runtime = self.run_json("status", env={"CODEX_COMPANION_RUNTIME": "direct"})
        self.assertEqual(runtime["sessionRuntime"]["mode"], "direct")

    def test_broker_status_and_runtime_when_none_runs(self):
        status = self.run_json("status")
        self.assertEqual(status["sessionRuntime"]["mode"], "direct")
        self.assertIsNone(status["sessionRuntime"]["endpoint"])
        text = self.run_cli("broker", "status").stdout
        self.assertTrue(text.startswith("Shared Codex broker: not running for this workspace\n"
                                        "This run's Codex:\n"), text)
        stopped = self.run_json("broker", "stop")
        self.assertFalse(stopped["wasRunning"])


class ExplicitEndpoint(SharedFakeCase):
    def test_dead_endpoint_falls_back_to_a_direct_app_server(self):
        env = {"CODEX_COMPANION_APP_SERVER_ENDPOINT": "unix:" + os.path.join(self.tmp, "none.sock")}
        out = self.task("no broker there", env=env)
        self.assertIn("using a direct app-server", out.stderr)
        self.assertIsNone(self.recorded_session())
        runtime = self.run_json("status", env=env)["sessionRuntime"]
        self.assertEqual(runtime["mode"], "shared")
        self.assertIn("does not answer", runtime["detail"])

    def test_broker_closing_before_the_turn_falls_back_to_direct(self):
        path = os.path.join(self.tmp, "rude.sock")
        identity = self.identity()
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        server.listen(8)
        accepted = []

        def rude():
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                accepted.append(1)
                if len(accepted) == 1:  # the identity check: it says it runs this run's Codex
                    request = json.loads(conn.makefile("rb").readline())
                    conn.sendall((json.dumps({"id": request["id"], "result": {
                        "pid": 1, "identity": identity}}) + "\n").encode())
                conn.close()  # then, for the job, before answering initialize

        thread = threading.Thread(target=rude, daemon=True)
        thread.start()
        try:
            out = self.task("rude broker", env={"CODEX_COMPANION_APP_SERVER_ENDPOINT": "unix:" + path})
            self.assertIn("failed before the turn started", out.stderr)
            self.assertEqual(len(accepted), 2)
        finally:
            server.close()

    def test_a_listener_of_another_uid_is_never_spoken_to(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to listen as another uid")
        os.chmod(self.tmp, 0o711)
        place = os.path.join(self.tmp, "other")
        os.makedirs(place)
        os.chown(place, 65534, 65534)
        path = os.path.join(place, "impostor.sock")
        heard = os.path.join(place, "heard")
        ready_r, ready_w = os.pipe()
        child = os.fork()
        if child == 0:  # an impostor "broker" of uid 65534 that records what it is sent
            try:
                os.close(ready_r)
                os.setgid(65534)
                os.setuid(65534)
                server = socket.socket(socket.AF_UNIX)
                server.bind(path)
                os.chmod(path, 0o666)
                server.listen(4)
                os.write(ready_w, b"1")
                server.settimeout(20)
                conn, _ = server.accept()
                conn.settimeout(5)
                data = recv_until_closed(conn)
                with open(heard, "wb") as f:
                    f.write(data)
            finally:
                os._exit(0)
        os.close(ready_w)
        self.assertEqual(os.read(ready_r, 1), b"1")
        os.close(ready_r)
        try:
            out = self.task("not to an impostor",
                            env={"CODEX_COMPANION_APP_SERVER_ENDPOINT": "unix:" + path})
            # Its directory is another user's: refused before anything connects (the peer's uid
            # is checked too, for a socket that got past that: rpc/stream_transport).
            self.assertIn("owned by uid 65534", out.stderr)
        finally:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        self.assertFalse(os.path.exists(heard) and read_text(heard),
                         "the companion sent something to another uid")


class SessionEndHook(SharedFakeCase):
    """The plugin's SessionEnd hook lets an idle broker go and never one that serves a job."""

    def test_session_end_lets_an_idle_broker_exit_and_leaves_nothing(self):
        self.task("before the session ends")
        session = self.recorded_session()
        self.assertIsNotNone(session)
        app_pids = [e["pid"] for e in self.app_server_starts()]
        self.session_end_hook("sess-ending")
        wait_until(lambda: not pid_alive(session["pid"]), 2, what="the idle broker's exit")
        for pid in app_pids:
            wait_until(lambda pid=pid: not pid_alive(pid), 2, what="its app-server's exit")
        self.assertIsNone(self.recorded_session())
        self.assertFalse(os.path.exists(session["socketDir"]), "the socket directory is left")
        self.task("the next task starts a new broker")
        self.assertEqual(len(self.app_server_starts()), 2)

    def test_session_end_keeps_a_broker_that_serves_another_sessions_job(self):
        launched = self.run_json("task", "--background", "[[fake:hang]] still working",
                                 env={"CODEX_COMPANION_SESSION_ID": "sess-working"})
        job_id = launched["jobId"]
        wait_until(lambda: self.run_json("status", job_id)["job"].get("turnId"), 30,
                   what="the job's turn")
        session = self.recorded_session()
        self.session_end_hook("sess-ending")
        self.assertTrue(pid_alive(session["pid"]), "session-end ended a broker serving a job")
        self.assertEqual(self.recorded_session(), session)
        self.assertEqual(self.run_json("status", job_id)["job"]["status"], "running")
        out = self.run_cli("cancel", job_id)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.run_json("status", job_id)["job"]["status"], "cancelled")


if __name__ == "__main__":
    unittest.main()


class LauncherKilledWhileStartingTheBroker(SharedFakeCase):
    """Found by the chaos runner (tests/chaos): a companion SIGKILLed between starting the broker
    and recording it left a broker nobody knew of (still running after `broker stop --force`, or,
    once killed too, its socket, pid file and directory) and its start lock file."""

    def setUp(self):
        super().setUp()
        # An app-server that takes 2 s to start: the broker answers only after that.
        slow = os.path.join(self.tmp, "slow-codex")
        with open(slow, "w") as f:
            f.write(f'#!/bin/sh\nsleep 2\nexec "{FAKE}" "$@"\n')
        os.chmod(slow, 0o755)
        self.env["CODEX_COMPANION_CODEX"] = slow

    def brokers(self):
        return [p for p in processes_with_env("FAKE_APP_SERVER_LOG", self.fake_log)
                if read_text(f"/proc/{p}/cmdline").split("\0")[1:3] == ["broker", "serve"]]

    def kill_launcher_while_the_broker_starts(self):
        """Starts a foreground task, SIGKILLs it once its broker is spawned but before it
        answers; returns (broker pid, its pid file)."""
        task = self.spawn([BIN, "task", "started while the broker starts"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def detached_broker():
            # `broker serve --detach` forks twice: the one that stays has left the task's session
            # (the task leads its own: spawn's new_session). Its cmdline is read while it lives.
            for pid in self.brokers():
                try:
                    with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
                        session = int(f.read().rsplit(")", 1)[1].split()[3])
                except (OSError, IndexError, ValueError):
                    continue
                args = read_text(f"/proc/{pid}/cmdline").split("\0")
                if session != task.pid and "--pid-file" in args:
                    return pid, args[args.index("--pid-file") + 1]
            return None

        broker, pid_file = wait_until(detached_broker, 10, what="the broker being started")
        os.killpg(task.pid, signal.SIGKILL)
        task.wait(10)
        return broker, pid_file

    def assert_nothing_left(self, pid_file):
        self.assertFalse(os.path.exists(pid_file), "pid file left")
        run = os.path.join(self.state_home, "codex-companion", "run")  # no XDG_RUNTIME_DIR here
        left = [d for d in os.listdir(run) if d.startswith("cxc-")] if os.path.isdir(run) else []
        self.assertEqual(left, [], "socket directory left")
        self.assertEqual(self.brokers(), [], "a broker outlived `broker stop --force`")
        self.assertEqual(self.start_locks(), [], "start lock left")

    def test_sigkill_of_the_launcher_then_broker_stop_force_ends_the_unanswered_broker(self):
        broker, pid_file = self.kill_launcher_while_the_broker_starts()
        wait_until(lambda: os.path.exists(pid_file), 10, what="the broker listening")
        broker = int(read_text(pid_file).split()[0])  # the daemon, past its detach forks
        out = self.run_cli("broker", "stop", "--force", timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        wait_until(lambda: not pid_alive(broker), 5, what="the broker's exit")
        self.assert_nothing_left(pid_file)

    def test_sigkill_of_the_launcher_and_then_the_broker_leaves_no_socket_after_stop(self):
        broker, pid_file = self.kill_launcher_while_the_broker_starts()
        wait_until(lambda: os.path.exists(pid_file), 10, what="the broker listening")
        broker = int(read_text(pid_file).split()[0])  # the daemon, past its detach forks
        os.kill(broker, signal.SIGKILL)
        wait_until(lambda: not pid_alive(broker), 5, what="the broker's death")
        out = self.run_cli("broker", "stop", "--force", timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assert_nothing_left(pid_file)
        self.task("a new broker serves the next task")


class BrokerKilledWhileWritingItsPidFile(SharedFakeCase):
    """Found by the chaos runner: a broker SIGKILLed while writing its pid file leaves the draft
    (`broker.pid.tmp.<pid>`), and its socket directory stayed after `broker stop --force`."""

    def stop_killed_broker(self, sock_dir, pid_file):
        """Records a broker at `sock_dir` that was SIGKILLed (no process), then `broker stop
        --force`, which must succeed."""
        record = {"endpoint": "unix:" + os.path.join(sock_dir, "broker.sock"),
                  "socketDir": sock_dir, "pidFile": pid_file,
                  "logFile": "", "pid": 0, "pidStartTime": 0, "startedAt": 0}
        self.db_write("INSERT INTO config(key, value) VALUES ('brokerSession', ?)",
                      (json.dumps(record),))
        out = self.run_cli("broker", "stop", "--force", timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_broker_stop_force_removes_the_pid_file_draft_and_nothing_else(self):
        self.run_json("status")  # creates the store
        sock_dir = os.path.join(self.tmp, "cxc-killed")
        os.makedirs(sock_dir, mode=0o700)
        # The pid file lives in the workspace's state directory (never beside the socket).
        pid_file = os.path.join(self.state_dirs()[0], "broker.pid")
        draft = pid_file + ".tmp.4242"
        with open(draft, "w") as f:
            f.write("4242 ")  # cut short by the SIGKILL
        unrelated = pid_file + ".tmp.not-a-pid"
        open(unrelated, "w").close()
        self.stop_killed_broker(sock_dir, pid_file)
        self.assertFalse(os.path.exists(draft), "the pid file's draft is left")
        self.assertTrue(os.path.exists(unrelated), "a file of another shape was removed")
        os.remove(unrelated)
        self.assertIsNone(self.recorded_session())
        out = self.run_cli("broker", "stop", "--force", timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_a_draft_alone_does_not_keep_the_socket_directory(self):
        self.run_json("status")
        sock_dir = os.path.join(self.tmp, "cxc-killed-alone")
        os.makedirs(sock_dir, mode=0o700)
        pid_file = os.path.join(self.state_dirs()[0], "broker.pid")
        open(pid_file + ".tmp.31337", "w").close()
        self.stop_killed_broker(sock_dir, pid_file)
        self.assertFalse(os.path.exists(sock_dir), "the socket directory is left")
        self.assertFalse(os.path.exists(pid_file + ".tmp.31337"), "the draft is left")
