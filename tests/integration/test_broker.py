"""The broker daemon (`codex-companion broker serve`) against the fake app-server in its "multi"
mode: several clients over one app-server, routing, faults, bounds and clean exits."""

import json
import os
import signal
import socket
import time
import unittest

from broker_client import BrokerClient
from companion_testlib import (BIN, PORTABLE, SANITIZED, SOURCE_DIR, CompanionTestCase, exchange_as_uid,
                               pid_alive, read_text, wait_until)

FAKE = os.path.join(SOURCE_DIR, "tests", "fixtures", "fake_app_server.py")


def parent_of(pid):
    stat = read_text(f"/proc/{pid}/stat")
    return int(stat.rsplit(")", 1)[1].split()[1]) if stat else 0


def vm_rss_kib(pid):
    for line in read_text(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class BrokerCase(CompanionTestCase):
    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.tmp, "b")
        self.sock = os.path.join(self.dir, "broker.sock")
        self.pid_file = os.path.join(self.dir, "broker.pid")
        self.fake_log = os.path.join(self.tmp, "fake.log")
        self.env.update({"CODEX_COMPANION_CODEX": FAKE, "FAKE_APP_SERVER_MODE": "multi",
                         "FAKE_APP_SERVER_LOG": self.fake_log})
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            client.close()
        super().tearDown()

    def start_broker(self, idle_ms=60000, env=None, wait=True):
        merged = {"CODEX_COMPANION_BROKER_IDLE_MS": str(idle_ms)}
        merged.update(env or {})
        self.broker_log = open(os.path.join(self.tmp, "broker.log"), "wb")
        self.addCleanup(self.broker_log.close)
        proc = self.spawn([BIN, "broker", "serve", "--endpoint", "unix:" + self.sock,
                           "--pid-file", self.pid_file], env=merged, stderr=self.broker_log)
        if wait:
            wait_until(lambda: os.path.exists(self.pid_file), 10, what="the broker's pid file")
        return proc

    def client(self):
        c = BrokerClient(self.sock)
        self.clients.append(c)
        c.result("initialize", {"clientInfo": {"name": "test", "title": "t", "version": "0"}})
        return c

    def fake_entries(self):
        return [json.loads(line) for line in read_text(self.fake_log).splitlines()]

    def app_server_pid(self, client):
        return client.result("broker/ping")["appServerPid"]

    def start_turn(self, client, prompt, rid):
        thread = client.result("thread/start", {"cwd": self.workspace})["thread"]["id"]
        client.send({"id": rid, "method": "turn/start",
                     "params": {"threadId": thread, "input": [{"type": "text", "text": prompt}]}})
        turn = client.next(lambda m: m.get("id") == rid)["result"]["turn"]["id"]
        return thread, turn

    def assert_nothing_left(self, proc, app_pid, code):
        self.assertEqual(proc.wait(timeout=10), code)
        self.assertFalse(os.path.exists(self.sock), "socket left behind")
        self.assertFalse(os.path.exists(self.pid_file), "pid file left behind")
        self.assertFalse(os.path.exists(self.dir), "socket directory left behind")
        wait_until(lambda: not pid_alive(app_pid), 5, what="the app-server to be gone")


class RoutingTest(BrokerCase):
    def test_two_clients_with_interleaved_turns_each_get_only_their_own(self):
        proc = self.start_broker(env={"FAKE_APP_SERVER_STEP_MS": "15"})
        a, b = self.client(), self.client()
        thread_a, turn_a = self.start_turn(a, "alpha [[fake:steps:8]]", "ta")
        thread_b, turn_b = self.start_turn(b, "beta [[fake:steps:8]]", "tb")
        done_a = a.next(lambda m: m.get("method") == "turn/completed", timeout=10)
        done_b = b.next(lambda m: m.get("method") == "turn/completed", timeout=10)
        self.assertEqual(done_a["params"]["turn"]["id"], turn_a)
        self.assertEqual(done_b["params"]["turn"]["id"], turn_b)
        for client, own in ((a, thread_a), (b, thread_b)):
            threads = {m["params"]["threadId"] for m in client.messages()
                       if isinstance(m.get("params"), dict) and "threadId" in m["params"]}
            self.assertEqual(threads, {own})
            items = [m for m in client.messages() if m.get("method") == "item/completed"]
            self.assertEqual(len(items), 9)  # 8 steps and the answer
        # Both turns ran at once on one app-server.
        starts = [e for e in self.fake_entries() if e.get("event") == "start"]
        self.assertEqual(len(starts), 1)
        proc.send_signal(signal.SIGTERM)
        self.assert_nothing_left(proc, starts[0]["pid"], 0)

    def test_server_request_goes_to_its_owner_and_the_answer_back(self):
        self.start_broker()
        a, b = self.client(), self.client()
        thread, turn = self.start_turn(a, "[[fake:approval]]", "t")
        ask = a.next(lambda m: m.get("method") == "item/commandExecution/requestApproval")
        a.send({"id": ask["id"], "result": {"decision": "decline"}})
        answer = a.next(lambda m: m.get("method") == "item/completed")
        self.assertEqual(answer["params"]["item"]["text"], "approval answer: decline")
        self.assertFalse([m for m in b.messages() if "method" in m])
        logged = [e["answer"] for e in self.fake_entries() if "answer" in e]
        self.assertEqual(logged, [{"id": f"approval-{turn}", "result": {"decision": "decline"}}])

    def test_server_request_whose_client_is_gone_is_declined(self):
        self.start_broker()
        a = self.client()
        self.start_turn(a, "[[fake:approval]]", "t")
        a.next(lambda m: m.get("method") == "item/commandExecution/requestApproval")
        a.close()  # never answers
        wait_until(lambda: [e for e in self.fake_entries() if "answer" in e], 5,
                   what="the broker's answer")
        answer = [e["answer"] for e in self.fake_entries() if "answer" in e][0]
        self.assertEqual(answer["result"], {"decision": "decline"})

    def test_subagent_threads_are_routed_to_the_parents_owner(self):
        self.start_broker()
        a, b = self.client(), self.client()
        thread, _ = self.start_turn(a, "[[fake:subagent]]", "t")
        a.next(lambda m: m.get("method") == "turn/completed"
               and m["params"]["threadId"] == thread, timeout=10)
        sub = [m for m in a.messages() if m.get("params", {}).get("threadId") == thread + "-sub"]
        self.assertEqual(len(sub), 3)  # turn/started, its answer, turn/completed
        self.assertFalse([m for m in b.messages() if "method" in m])


class FaultTest(BrokerCase):
    def test_app_server_killed_every_client_told_and_broker_exits_1(self):
        proc = self.start_broker()
        a, b = self.client(), self.client()
        self.start_turn(a, "[[fake:hang]]", "t")
        app_pid = self.app_server_pid(a)
        killed_at = time.monotonic()
        os.kill(app_pid, signal.SIGKILL)
        for client in (a, b):
            note = client.next(lambda m: m.get("method") == "notifications/broker/shuttingDown")
            self.assertEqual(note["params"]["cause"], "app-server-exited")
            self.assertIn("Codex app-server exited (signal 9)", note["params"]["reason"])
            client.wait_closed()
        self.assertLess(time.monotonic() - killed_at, 2.0)
        self.assert_nothing_left(proc, app_pid, 1)

    def test_sigterm_tells_every_client_and_exits_0(self):
        proc = self.start_broker()
        a = self.client()
        app_pid = self.app_server_pid(a)
        proc.send_signal(signal.SIGTERM)
        note = a.next(lambda m: m.get("method") == "notifications/broker/shuttingDown")
        self.assertEqual(note["params"]["cause"], "stopped")
        a.wait_closed()
        self.assert_nothing_left(proc, app_pid, 0)

    def test_shutdown_request_if_idle_is_refused_while_in_use(self):
        proc = self.start_broker()
        a, b = self.client(), self.client()
        refused = a.request("broker/shutdown", {"ifIdle": True})
        self.assertEqual(refused["error"]["code"], -32001)
        self.assertIn("1 other clients", refused["error"]["message"])
        b.close()
        app_pid = self.app_server_pid(a)
        wait_until(lambda: a.result("broker/ping")["clients"] == 0, 5, what="no other client")
        self.assertEqual(a.result("broker/shutdown", {"ifIdle": True}), {})
        self.assert_nothing_left(proc, app_pid, 0)

    def test_client_vanishing_mid_turn_gets_its_turn_interrupted(self):
        self.start_broker()
        a, b = self.client(), self.client()
        thread, turn = self.start_turn(a, "[[fake:hang]]", "t")
        self.assertEqual(b.result("broker/ping")["activeTurns"], 1)
        a.close()
        wait_until(lambda: [e for e in self.fake_entries() if e.get("method") == "turn/interrupt"],
                   2, what="turn/interrupt")
        interrupt = [e for e in self.fake_entries() if e.get("method") == "turn/interrupt"][0]
        self.assertEqual(interrupt["params"], {"threadId": thread, "turnId": turn})
        wait_until(lambda: b.result("broker/ping")["activeTurns"] == 0, 2, what="no active turn")
        self.assertEqual(b.result("broker/ping")["threads"], 0)

    @unittest.skipIf(SANITIZED, "a 200,000-line flood relayed at ASan speed outlasts the other "
                     "client's bounds; run in the default preset and by the chaos runner")
    def test_client_that_does_not_read_is_disconnected_and_its_turn_interrupted(self):
        proc = self.start_broker()
        a, b = self.client(), self.client()
        # The reader thread stops taking data: the socket buffers fill, then the broker's bound.
        thread = a.result("thread/start", {"cwd": self.workspace})["thread"]["id"]
        a.pause_reading()
        prompt = "[[fake:flood:200000]] [[fake:hang]]"
        a.send({"id": "flood", "method": "turn/start",
                "params": {"threadId": thread, "input": [{"type": "text", "text": prompt}]}})
        thread_b, _ = self.start_turn(b, "fine [[fake:steps:2]]", "tb")
        b.next(lambda m: m.get("method") == "turn/completed", timeout=10)
        wait_until(lambda: [e for e in self.fake_entries() if e.get("method") == "turn/interrupt"],
                   20, what="the flooded client's turn to be interrupted")
        if not SANITIZED:  # ASan's shadow memory is not the broker's
            self.assertLess(vm_rss_kib(proc.pid), 64 * 1024)
        self.assertIn(b"is not reading its messages", read_text(self.broker_log.name).encode())

    def test_client_flooding_requests_without_reading_is_disconnected(self):
        proc = self.start_broker()
        a, b = self.client(), self.client()
        a.pause_reading()
        line = b'{"id":1,"method":"broker/ping"}\n' * 1000
        sent = 0
        with self.assertRaises(OSError):  # the broker hangs up on it
            for sent in range(1000):
                a.sock.sendall(line)
        self.assertLess(sent, 999)
        if not SANITIZED:  # ASan's shadow memory is not the broker's
            self.assertLess(vm_rss_kib(proc.pid), 64 * 1024)
        self.assertEqual(b.result("broker/ping")["clients"], 0)


def session_of(pid):
    """The session id of a live process (from /proc), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[3])
    except (OSError, IndexError, ValueError):
        return None


class AppServerDescendantsTest(BrokerCase):
    """What the broker's app-server started and left behind — a process in a group of its own
    (as Codex starts an MCP server) and one in a session of its own, both ignoring SIGTERM and the
    end of their stdin — outlived the broker, reparented to init, whenever the app-server did not
    end them itself: killed, or exiting without them. Now they go with the app-server's session
    when it dies, and with the broker (their reaper) however it exits."""

    def setUp(self):
        super().setUp()
        self.children_file = os.path.join(self.tmp, "children.pids")
        self.env["FAKE_APP_SERVER_CHILDREN"] = self.children_file
        self.addCleanup(self.kill_children)

    def children(self):
        return wait_until(lambda: (lambda pids: pids if len(pids) == 3 else None)(
            [int(p) for p in read_text(self.children_file).split()]), 10,
            what="the app-server's three children")

    def kill_children(self):
        for pid in [int(p) for p in read_text(self.children_file).split()]:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)

    def assert_children_gone(self, pids):
        if PORTABLE:
            # Without a subreaper (macOS) the broker finds what is in its app-server's session;
            # the child that made a session of its own escapes (README "Portability").
            pids = [p for p in pids if session_of(p) != p]
            self.assertEqual(len(pids), 2)
        wait_until(lambda: not [p for p in pids if pid_alive(p)], 5,
                   what=f"the app-server's children {pids} to be ended")

    def test_sigterm_of_the_broker_ends_them(self):
        proc = self.start_broker()
        a = self.client()
        app_pid = self.app_server_pid(a)
        kids = self.children()
        proc.send_signal(signal.SIGTERM)
        a.wait_closed()
        self.assert_nothing_left(proc, app_pid, 0)
        self.assert_children_gone(kids)

    def test_idle_exit_ends_them(self):
        proc = self.start_broker(idle_ms=300)
        a = self.client()
        app_pid = self.app_server_pid(a)
        kids = self.children()
        a.close()
        self.assert_nothing_left(proc, app_pid, 0)
        self.assert_children_gone(kids)

    def test_app_server_sigkilled_ends_them_before_the_broker_exits(self):
        proc = self.start_broker()
        a = self.client()
        self.start_turn(a, "[[fake:hang]]", "t")
        app_pid = self.app_server_pid(a)
        kids = self.children()
        os.kill(app_pid, signal.SIGKILL)
        note = a.next(lambda m: m.get("method") == "notifications/broker/shuttingDown")
        self.assertEqual(note["params"]["cause"], "app-server-exited")
        a.wait_closed()
        self.assert_nothing_left(proc, app_pid, 1)
        self.assert_children_gone(kids)

    @unittest.skipIf(PORTABLE, "no subreaper without PR_SET_CHILD_SUBREAPER: init adopts it")
    def test_an_orphan_of_the_app_server_is_adopted_and_reaped_as_it_exits(self):
        proc = self.start_broker()
        a = self.client()
        app_pid = self.app_server_pid(a)
        kids = self.children()
        orphan = wait_until(lambda: [p for p in kids if parent_of(p) == proc.pid], 5,
                            what="the broker to adopt the orphan")
        self.assertEqual(len(orphan), 1, [parent_of(p) for p in kids])
        os.kill(orphan[0], signal.SIGKILL)
        # Reaped by the broker, its reaper: not left as a zombie while the broker runs.
        wait_until(lambda: not os.path.exists(f"/proc/{orphan[0]}"), 5,
                   what="the broker to reap its orphan")
        self.assertIsNone(proc.poll())
        self.assertEqual(self.app_server_pid(a), app_pid)
        proc.send_signal(signal.SIGTERM)
        a.wait_closed()
        self.assert_nothing_left(proc, app_pid, 0)
        self.assert_children_gone(kids)


class ReadinessTest(BrokerCase):
    def test_idle_exit_leaves_nothing_behind(self):
        proc = self.start_broker(idle_ms=300)
        a = self.client()
        app_pid = self.app_server_pid(a)
        time.sleep(0.5)
        self.assertIsNone(proc.poll(), "exited while a client was connected")
        a.close()
        self.assert_nothing_left(proc, app_pid, 0)

    def test_peer_of_another_uid_is_refused_with_one_line(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to connect as another uid")
        self.start_broker()
        # Let uid 65534 reach the socket: only the broker's SO_PEERCRED check stops it.
        os.chmod(self.tmp, 0o711)
        os.chmod(self.dir, 0o711)
        os.chmod(self.sock, 0o666)
        data = exchange_as_uid(65534, self.sock, b'{"id":1,"method":"broker/ping"}\n')
        lines = data.decode().splitlines()
        self.assertEqual(len(lines), 1, data)
        self.assertTrue(lines[0].startswith("{"), lines[0])
        error = json.loads(lines[0])["error"]
        self.assertEqual(error["code"], -32001)
        self.assertIn("refused uid 65534", error["message"])
        self.assertEqual(self.client().result("broker/ping")["clients"], 0)  # we still get in

    def test_stale_socket_is_replaced_and_a_live_one_refused(self):
        os.makedirs(self.dir, mode=0o700)
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(self.sock)
        stale.close()  # the file stays, nobody listens
        self.start_broker()
        self.assertEqual(self.client().result("broker/ping")["clients"], 0)
        second = self.run_cli("broker", "serve", "--endpoint", "unix:" + self.sock,
                              "--pid-file", os.path.join(self.tmp, "other.pid"),
                              env={"CODEX_COMPANION_BROKER_IDLE_MS": "60000"})
        self.assert_one_line_error(second, "another broker already listens on")
        self.assertTrue(os.path.exists(self.sock))

    def test_bad_endpoint_is_one_clear_line(self):
        proc = self.run_cli("broker", "serve", "--endpoint", "tcp:1234")
        self.assert_one_line_error(proc, "expected unix:<absolute socket path>")


if __name__ == "__main__":
    unittest.main()
