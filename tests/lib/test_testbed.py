"""Self-tests of the offline Codex test bed: the Responses API stand-in on its own, as a script,
and driving the real `codex app-server` through it.

    python3 -m unittest discover -s tests/lib -p 'test_testbed.py' -v

The real-codex tests are skipped when the project-local codex is not installed.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app_server_driver import AppServer, text_input  # noqa: E402
from codex_env import CodexEnv, codex_launcher  # noqa: E402
from responses_stub import ResponsesStub  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def post(port, body, timeout=10):
    """POSTs /v1/responses; returns (status, [events] or error body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", "/v1/responses", json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read().decode()
    conn.close()
    if resp.status != 200:
        return resp.status, json.loads(data)
    events = [json.loads(line[6:]) for line in data.splitlines() if line.startswith("data: ")]
    return resp.status, events


def live_group_members(pgid):
    """Pids of the non-zombie processes in process group `pgid`."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(name))
    return pids


def user(text, **extra):
    return {"model": "m", "stream": True, **extra,
            "input": [{"type": "message", "role": "user",
                       "content": [{"type": "input_text", "text": text}]}]}


def final_text(events):
    for e in events:
        item = e.get("item") or {}
        if e["type"] == "response.output_item.done" and item.get("phase") == "final_answer":
            return item["content"][0]["text"]
    return None


class StubTest(unittest.TestCase):
    def setUp(self):
        self.log = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name
        self.stub = ResponsesStub(default="normal", log_path=self.log, hang_limit_s=30).start()

    def tearDown(self):
        self.stub.stop()
        os.unlink(self.log)

    def test_normal_answer_echoes_and_is_logged(self):
        status, events = post(self.stub.port, user("hi ECHO:abc123"))
        self.assertEqual(status, 200)
        kinds = [e["type"] for e in events]
        self.assertEqual(kinds[0], "response.created")
        self.assertEqual(kinds[-1], "response.completed")
        self.assertIn("response.output_text.delta", kinds)
        self.assertIn("abc123", final_text(events))
        self.assertIn("usage", events[-1]["response"])
        with open(self.log) as f:
            logged = [json.loads(line) for line in f]
        self.assertEqual(len(logged), 1)
        self.assertEqual(logged[0]["behaviour"], "normal")
        self.assertEqual(logged[0]["body"]["model"], "m")

    def test_http_500(self):
        status, body = post(self.stub.port, user("x [[stub:500]]"))
        self.assertEqual(status, 500)
        self.assertIn("message", body["error"])

    def test_slow_waits(self):
        started = time.monotonic()
        _, events = post(self.stub.port, user("[[stub:slow:400]] ECHO:late"))
        self.assertGreaterEqual(time.monotonic() - started, 0.4)
        self.assertIn("late", final_text(events))

    def test_json_answers(self):
        _, events = post(self.stub.port, user("[[stub:adversarial-json]]"))
        doc = json.loads(final_text(events))
        self.assertEqual(set(doc), {"verdict", "summary", "findings", "next_steps"})
        _, events = post(self.stub.port, user("[[stub:adversarial-bad]]"))
        with self.assertRaises(ValueError):
            json.loads(final_text(events))
        _, events = post(self.stub.port, user("[[stub:review]]"))
        self.assertIn("overall_correctness", json.loads(final_text(events)))

    def test_shell_call_then_final_answer(self):
        tools = [{"type": "function", "name": "exec_command"}]
        body = user("[[stub:shell:echo hi]]", tools=tools)
        _, events = post(self.stub.port, body)
        calls = [e["item"] for e in events if e["type"] == "response.output_item.done"
                 and e["item"]["type"] == "function_call"]
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["name"], "exec_command")
        self.assertEqual(json.loads(calls[0]["arguments"])["cmd"], "echo hi")
        body["input"] += [calls[0], {"type": "function_call_output", "call_id": calls[0]["call_id"],
                                     "output": "hi-output"}]
        _, events = post(self.stub.port, body)
        self.assertIn("hi-output", final_text(events))

    def test_hang_holds_the_stream_while_others_are_served(self):
        done = threading.Event()
        result = {}

        def hang():
            try:
                result["hang"] = post(self.stub.port, user("[[stub:hang]]"), timeout=20)
            except OSError as e:
                result["hang"] = e
            done.set()

        threading.Thread(target=hang, daemon=True).start()
        self.stub.wait_for_requests(1, timeout_s=5)
        _, events = post(self.stub.port, user("ECHO:other"))  # served meanwhile
        self.assertIn("other", final_text(events))
        self.assertFalse(done.is_set())
        started = time.monotonic()
        self.stub.stop()
        self.assertLess(time.monotonic() - started, 3)
        self.assertTrue(done.wait(5))
        status, events = result["hang"]
        self.assertEqual(status, 200)
        self.assertNotIn("response.completed", [e["type"] for e in events])

    def test_hang_ends_when_the_client_leaves(self):
        sock = socket.create_connection(("127.0.0.1", self.stub.port))
        data = json.dumps(user("[[stub:hang]]")).encode()
        sock.sendall(b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nContent-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
        sock.settimeout(5)
        received = b""
        while b"response.created" not in received:
            chunk = sock.recv(4096)
            self.assertTrue(chunk, "connection closed before response.created")
            received += chunk
        sock.close()
        self.assertEqual(self.stub.active, 1)
        deadline = time.monotonic() + 5
        while self.stub.active and time.monotonic() < deadline:
            time.sleep(0.05)  # the handler notices the closed socket and returns
        self.assertEqual(self.stub.active, 0)


class StubScriptTest(unittest.TestCase):
    def test_script_writes_port_and_exits_on_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            port_file = os.path.join(d, "port")
            proc = subprocess.Popen([sys.executable, os.path.join(HERE, "responses_stub.py"),
                                     "--port-file", port_file, "--log", os.path.join(d, "log"),
                                     "--max-seconds", "60"], stdout=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(port_file) and time.monotonic() < deadline:
                    time.sleep(0.02)
                with open(port_file) as f:
                    port = int(f.read())
                self.assertIn("tok", final_text(post(port, user("ECHO:tok"))[1]))
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=5), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


@unittest.skipUnless(os.path.exists(codex_launcher()), "project-local codex not installed")
class RealCodexTest(unittest.TestCase):
    def run_turn(self, prompt, timeout_s=30, interrupt_after=None, **turn):
        with tempfile.TemporaryDirectory() as repo, \
                ResponsesStub(hang_limit_s=30) as stub, CodexEnv(stub.port) as cenv:
            srv = AppServer(cenv, cwd=repo)
            with srv:
                init = srv.initialize()
                self.assertEqual(init["codexHome"], cenv.home)
                thread = srv.request("thread/start", {"cwd": repo, "approvalPolicy": "never",
                                                      "sandbox": "read-only", "ephemeral": True})
                tid = thread["thread"]["id"]
                resp = srv.request("turn/start", {"threadId": tid, "input": text_input(prompt),
                                                  **turn})
                notes, outcome = srv.wait_turn(tid, resp["turn"]["id"],
                                               timeout_s=interrupt_after or timeout_s)
                if interrupt_after:
                    self.assertEqual(outcome, "timeout")
                    srv.request("turn/interrupt", {"threadId": tid, "turnId": resp["turn"]["id"]})
                    more, outcome = srv.wait_turn(tid, resp["turn"]["id"], timeout_s=15)
                    notes += more
            self.assertIsNotNone(srv.proc.poll())
            # Nothing of the process group keeps running (codex leaves zombie `git` children
            # for a moment; they do not count).
            deadline = time.monotonic() + 5
            while live_group_members(srv.proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(live_group_members(srv.proc.pid), [])
            self.assertEqual(outcome, "completed")
            done = [n for n in notes if n.get("method") == "turn/completed"][-1]["params"]["turn"]
            return done, notes, stub.requests

    def test_normal_turn(self):
        turn, notes, requests = self.run_turn("Hello ECHO:tok42", effort="low")
        self.assertEqual(turn["status"], "completed")
        texts = [n["params"]["item"]["text"] for n in notes if n.get("method") == "item/completed"
                 and n["params"]["item"]["type"] == "agentMessage"]
        self.assertIn("Stub answer: tok42", texts)
        self.assertEqual(requests[0]["body"]["reasoning"]["effort"], "low")

    def test_http_500_fails_the_turn(self):
        turn, notes, _ = self.run_turn("[[stub:500]]")
        self.assertEqual(turn["status"], "failed")
        errors = [n["params"] for n in notes if n.get("method") == "error"]
        self.assertEqual(len(errors), 1)
        self.assertFalse(errors[0]["willRetry"])

    def test_hang_is_interrupted(self):
        turn, _, _ = self.run_turn("[[stub:hang]]", interrupt_after=2)
        self.assertEqual(turn["status"], "interrupted")


if __name__ == "__main__":
    unittest.main()
