"""The broker daemon in front of the REAL Codex CLI (offline, against tests/lib/responses_stub.py):
several clients over one native `codex app-server`, each seeing only its own threads; the
app-server killed under it; clients that leave mid-turn or do not answer a server request; idle
exit with nothing left behind."""

import os
import signal
import time
import unittest

from broker_client import BrokerClient
from companion_testlib import BIN, pid_alive, read_text, wait_until
from real_codex_case import RealCodexCase
from turns_support import native_codex_among


class BrokerOnRealCodex(RealCodexCase):
    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.tmp, "b")
        self.sock = os.path.join(self.dir, "broker.sock")
        self.pid_file = os.path.join(self.dir, "broker.pid")
        self.clients = []
        self.brokers = []

    def tearDown(self):
        for client in self.clients:
            client.close()
        for proc in self.brokers:  # the clean way out, before the leftover check
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
        super().tearDown()

    def start_broker(self, idle_ms=60000):
        log = open(os.path.join(self.tmp, "broker.log"), "wb")
        self.addCleanup(log.close)
        proc = self.spawn([BIN, "broker", "serve", "--endpoint", "unix:" + self.sock,
                           "--pid-file", self.pid_file],
                          env={"CODEX_COMPANION_BROKER_IDLE_MS": str(idle_ms)}, stderr=log)
        wait_until(lambda: os.path.exists(self.pid_file) or proc.poll() is not None, 30,
                   what="the broker to listen")
        if proc.poll() is not None:
            self.fail(f"the broker exited: {read_text(log.name)}")
        self.brokers.append(proc)
        return proc

    def client(self):
        c = BrokerClient(self.sock)
        self.clients.append(c)
        c.result("initialize", {"clientInfo": {"name": "e2e", "title": "e2e", "version": "0"},
                                "capabilities": {"experimentalApi": False}})
        return c

    def start_turn(self, client, prompt, approval="never", timeout=30):
        thread = client.result("thread/start", {
            "cwd": self.workspace, "approvalPolicy": approval, "sandbox": "read-only",
            "ephemeral": True}, timeout=timeout)["thread"]["id"]
        turn = client.result("turn/start", {
            "threadId": thread, "input": [{"type": "text", "text": prompt, "text_elements": []}]},
            timeout=timeout)["turn"]["id"]
        return thread, turn

    def completed(self, client, thread, timeout=30):
        return client.next(lambda m: m.get("method") == "turn/completed"
                           and m["params"].get("threadId") == thread, timeout=timeout)

    def assert_broker_gone(self, proc, code):
        self.assertEqual(proc.wait(timeout=10), code)
        for path in (self.sock, self.pid_file, self.dir):
            self.assertFalse(os.path.exists(path), f"{path} left behind")
        self.assert_no_processes_left()

    def test_two_clients_with_interleaved_turns_on_one_app_server(self):
        proc = self.start_broker()
        a, b = self.client(), self.client()
        thread_a, turn_a = self.start_turn(a, "First [[stub:slow:700]] ECHO:tok-alpha")
        thread_b, turn_b = self.start_turn(b, "Second [[stub:slow:300]] ECHO:tok-beta")
        done_b = self.completed(b, thread_b)
        done_a = self.completed(a, thread_a)
        self.assertEqual(done_a["params"]["turn"]["status"], "completed")
        self.assertEqual(done_b["params"]["turn"]["status"], "completed")
        for client, own, token, other in ((a, thread_a, "tok-alpha", "tok-beta"),
                                          (b, thread_b, "tok-beta", "tok-alpha")):
            messages = client.messages()
            threads = {m["params"]["threadId"] for m in messages
                       if isinstance(m.get("params"), dict) and "threadId" in m["params"]}
            self.assertEqual(threads, {own})
            answers = [m["params"]["item"].get("text", "") for m in messages
                       if m.get("method") == "item/completed"
                       and m["params"]["item"].get("type") == "agentMessage"]
            self.assertTrue(any(token in text for text in answers), answers)
            self.assertFalse(any(other in text for text in answers))
        codex = native_codex_among(self.codex_processes())
        self.assertEqual(len(codex), 1, f"expected one app-server, found {codex}")
        self.assertEqual(codex[0], a.result("broker/ping")["appServerPid"])
        proc.send_signal(signal.SIGTERM)
        self.assert_broker_gone(proc, 0)

    def test_app_server_killed_every_client_told_and_nothing_left(self):
        proc = self.start_broker()
        a, b = self.client(), self.client()
        self.start_turn(a, "Hang [[stub:hang]]")
        app_pid = a.result("broker/ping")["appServerPid"]
        self.assertEqual(native_codex_among([app_pid]), [app_pid])
        killed = time.monotonic()
        os.kill(app_pid, signal.SIGKILL)
        for client in (a, b):
            note = client.next(lambda m: m.get("method") == "notifications/broker/shuttingDown")
            self.assertEqual(note["params"]["cause"], "app-server-exited")
            self.assertIn("signal 9", note["params"]["reason"])
            client.wait_closed()
        self.assertLess(time.monotonic() - killed, 2.0)
        self.assert_broker_gone(proc, 1)

    def test_client_vanishing_mid_turn_gets_its_turn_interrupted(self):
        self.start_broker()
        a, b = self.client(), self.client()
        self.start_turn(a, "Hang [[stub:hang]]")
        wait_until(lambda: self.stub.requests, 10, what="the model request")
        self.assertEqual(b.result("broker/ping")["activeTurns"], 1)
        a.close()
        wait_until(lambda: b.result("broker/ping")["activeTurns"] == 0, 3,
                   what="the abandoned turn to be interrupted")
        self.assertEqual(b.result("broker/ping")["threads"], 0)

    def test_server_request_a_client_does_not_answer_is_declined_by_the_broker(self):
        self.start_broker()
        a = self.client()
        thread, _ = self.start_turn(a, "Escalate [[stub:escalate:touch escalated.txt]]",
                                    approval="on-request")
        ask = a.next(lambda m: m.get("method") == "item/commandExecution/requestApproval", 30)
        self.assertEqual(ask["params"]["threadId"], thread)
        # No answer from the client: after its timeout the broker declines for it.
        done = self.completed(a, thread, timeout=30)
        self.assertEqual(done["params"]["turn"]["status"], "completed")
        commands = [m["params"]["item"] for m in a.messages()
                    if m.get("method") == "item/completed"
                    and m["params"]["item"].get("type") == "commandExecution"]
        self.assertEqual([c["status"] for c in commands], ["declined"])
        self.assertFalse(os.path.exists(os.path.join(self.workspace, "escalated.txt")))

    def test_idle_exit_leaves_nothing_behind(self):
        proc = self.start_broker(idle_ms=400)
        a = self.client()
        app_pid = a.result("broker/ping")["appServerPid"]
        a.close()
        self.assert_broker_gone(proc, 0)
        self.assertFalse(pid_alive(app_pid))


if __name__ == "__main__":
    unittest.main()
