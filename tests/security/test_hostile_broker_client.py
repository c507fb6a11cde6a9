"""A broker client (any process of the user's uid) is untrusted input to `broker serve`: lines
that are not JSON or not objects, fields of the wrong type, text that is not UTF-8, a line over
the 16 MiB bound, responses to ids the broker never sent, a server request answered twice, a
broker/shutdown whose ifIdle is not a boolean, a burst of requests.

Each is answered with one JSON-RPC error (or dropped, for a response) or, for the oversized line,
ends that client's connection; the broker never crashes or hangs, forwards nothing bad to the
app-server, and keeps serving the next client. Fault: {"ifIdle": "yes"} was read as no ifIdle and
shut down a broker other clients were using. Fault: a request nested 1,000,000 levels deep was
parsed whole and copied to be forwarded; the copy overflowed the stack and killed the broker.
"""

import json
import os
import socket
import time
import unittest

from broker_client import BrokerClient
from companion_testlib import BIN, wait_until
from security_support import FakeCodexCase, hostile

INIT = {"clientInfo": {"name": "test", "title": "t", "version": "0"}}
ERRORS = {  # kind -> (raw line, expected error code)
    "broker client: a line that is not JSON": (b"this is not json", -32700),
    "broker client: a JSON array": (b"[1, 2, 3]", -32700),
    "broker client: a string": (b'"broker/ping"', -32700),
    "broker client: a message with an id and nothing else": (b'{"id": 5}', -32600),
    "broker client: a method of the wrong type": (b'{"id": 6, "method": 42}', -32600),
    "broker client: an id of the wrong type": (b'{"id": {"a": 1}, "method": "broker/ping"}', -32600),
    "broker client: bytes that are not UTF-8": (b'{"id": 7, "method": "broker/ping", "x": "\xff\xfe"}',
                                                -32700),
    "broker client: a request nested 1,000,000 levels deep": (
        b'{"id": 8, "method": "x/y", "params": ' + b"[" * 1000000 + b"]" * 1000000 + b"}", -32700),
    "broker client: ifIdle of the wrong type": (b'{"id": 9, "method": "broker/shutdown", '
                                                b'"params": {"ifIdle": "yes"}}', -32602),
}


class HostileBrokerClient(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.tmp, "b")
        self.sock = os.path.join(self.dir, "broker.sock")
        pid_file = os.path.join(self.tmp, "broker.pid")
        self.broker = self.spawn(
            [BIN, "broker", "serve", "--endpoint", "unix:" + self.sock, "--pid-file", pid_file],
            env={"FAKE_APP_SERVER_MODE": "multi", "CODEX_COMPANION_BROKER_IDLE_MS": "60000"},
            stderr=open(os.devnull, "wb"))
        wait_until(lambda: os.path.exists(pid_file), 10, what="the broker's pid file")
        self.clients = []

    def tearDown(self):
        for client in self.clients:
            client.close()
        super().tearDown()

    def client(self):
        c = BrokerClient(self.sock)
        self.clients.append(c)
        c.result("initialize", INIT)
        return c

    def assert_broker_serves(self):
        self.assertIsNone(self.broker.poll(), "the broker exited")
        fresh = self.client()
        self.assertIn("clients", fresh.result("broker/ping"))

    def forwarded(self, method):
        return self.app_server_messages(method)

    def test_bad_lines_get_one_error_each_and_the_client_stays(self):
        c = self.client()
        for kind, (line, code) in ERRORS.items():
            with self.subTest(kind=kind), hostile(kind):
                start = len(c.messages())
                c.sock.sendall(line + b"\n")
                c.sock.sendall(b'{"id": "probe", "method": "broker/ping"}\n')
                c.next(lambda m: m.get("id") == "probe", start=start)
                answers = c.messages()[start:]
                self.assertEqual(len(answers), 2, answers)
                self.assertEqual(answers[0]["error"]["code"], code, answers[0])
        self.assertEqual(self.forwarded("broker/shutdown"), [])
        self.assertEqual(self.forwarded("x/y"), [])
        self.assert_broker_serves()

    def test_responses_to_ids_never_sent_are_dropped(self):
        c = self.client()
        with hostile("broker client: responses to ids the broker never sent", 4):
            start = len(c.messages())
            for rid in (12345, "nope", -1, 1.5):
                c.send({"id": rid, "result": {"decision": "accept"}})
            c.send({"id": "probe", "method": "broker/ping"})
            c.next(lambda m: m.get("id") == "probe", start=start)
            self.assertEqual(len(c.messages()[start:]), 1, c.messages()[start:])
            self.assertEqual([e for e in self.fake_entries() if "answer" in e], [])

    def test_a_server_request_answered_twice_reaches_the_app_server_once(self):
        c = self.client()
        thread = c.result("thread/start", {"cwd": self.workspace})["thread"]["id"]
        c.send({"id": "t", "method": "turn/start",
                "params": {"threadId": thread,
                           "input": [{"type": "text", "text": "[[fake:approval]]"}]}})
        ask = c.next(lambda m: m.get("method") == "item/commandExecution/requestApproval", 10)
        with hostile("broker client: a server request answered twice"):
            c.send({"id": ask["id"], "result": {"decision": "decline"}})
            c.send({"id": ask["id"], "result": {"decision": "accept"}})
            c.next(lambda m: m.get("method") == "turn/completed", 10)
            c.result("broker/ping")
            answers = [e["answer"] for e in self.fake_entries() if "answer" in e]
            self.assertEqual(len(answers), 1, answers)
            self.assertEqual(answers[0]["result"], {"decision": "decline"})

    def test_a_line_over_the_bound_ends_only_that_client(self):
        other = self.client()
        c = self.client()
        with hostile("broker client: a 17 MiB line (over the 16 MiB bound)"):
            try:
                c.sock.sendall(b'{"id": 1, "method": "broker/ping", "params": "'
                               + b"x" * (17 * 1024 * 1024) + b'"}\n')
            except OSError:
                pass  # the broker may close before it has read it all
            c.wait_closed(15)
            self.assertEqual(self.forwarded("broker/ping"), [])
            self.assertIn("clients", other.result("broker/ping"))
            self.assert_broker_serves()

    def test_a_burst_of_requests_is_answered_once_each(self):
        c = self.client()
        with hostile("broker client: a burst of 600 requests for unknown methods"):
            start = len(c.messages())
            burst = b"".join(json.dumps({"id": i, "method": "no/such", "params": {}}).encode() + b"\n"
                             for i in range(600))
            c.sock.sendall(burst)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                answered = [m for m in c.messages()[start:] if "method" not in m]
                if len(answered) >= 600:
                    break
                time.sleep(0.02)
            ids = sorted(m["id"] for m in c.messages()[start:] if "method" not in m)
            self.assertEqual(ids, list(range(600)), "each request answered exactly once")
            self.assert_broker_serves()

    def fake_entries(self):
        if not os.path.exists(self.app_server_log):
            return []
        with open(self.app_server_log, encoding="utf-8") as f:
            return [json.loads(line) for line in f]


if __name__ == "__main__":
    unittest.main()
