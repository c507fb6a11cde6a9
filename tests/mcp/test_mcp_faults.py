"""`codex-companion mcp` against hostile input and faults, on raw pipes: lines that are not JSON,
requests before initialize, wrong types, an oversized line, unknown methods and tools — each a
JSON-RPC error, and the server keeps serving; a cancelled call; a client that never reads (the job
still ends); the server killed mid-call (the job still ends in one state).

    ctest --test-dir build/default -R mcp.test_mcp_faults --output-on-failure
"""

import json
import threading
import unittest

from mcp_support import HANG, McpCase, RawServer, SharedMcpCase, slow, wait_until


class HostileInput(McpCase):
    def assert_error(self, server, request_id, code):
        answer = server.answer(request_id)
        self.assertEqual(answer["error"]["code"], code, answer)
        return answer

    def assert_still_serving(self, server, request_id="alive"):
        server.send({"jsonrpc": "2.0", "id": request_id, "method": "ping"})
        self.assertEqual(server.answer(request_id)["result"], {})

    def test_request_before_initialize_is_refused(self):
        server = RawServer(self)
        server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        self.assert_error(server, 1, -32600)
        self.assertEqual(server.initialize()["result"]["protocolVersion"], "2025-11-25")
        self.assert_still_serving(server)

    def test_unknown_protocol_version_gets_our_latest(self):
        server = RawServer(self)
        self.assertEqual(server.initialize("1999-01-01")["result"]["protocolVersion"],
                         "2025-11-25")
        older = RawServer(self)
        answer = older.initialize("2025-06-18")["result"]
        self.assertEqual(answer["protocolVersion"], "2025-06-18")
        self.assertNotIn("tasks", answer["capabilities"])

    def test_line_that_is_not_json_is_a_parse_error(self):
        server = RawServer(self)
        server.initialize()
        for line in (b"not json", b"{\"unterminated\": ", b"[" * 100000, b"\xff\xfe"):
            server.send(line)
            self.assertIn(server.read()["error"]["code"], (-32700, -32600))
        self.assert_still_serving(server)

    def test_wrong_types_are_invalid_params(self):
        server = RawServer(self)
        server.initialize()
        cases = [
            {"method": "tools/call", "params": []},
            {"method": "tools/call", "params": {"name": 5}},
            {"method": "tools/call", "params": {"name": "codex_task", "arguments": {"prompt": 1}}},
            {"method": "tools/call", "params": {"name": "codex_logs", "arguments": {}}},
            {"method": "tools/call", "params": {"name": "codex_nope", "arguments": {}}},
            {"method": "tools/call", "params": {"name": "codex_task", "arguments": "x"}},
            {"method": "tools/call", "params": {"name": "codex_status",
                                                "arguments": {"jobId": None, "x": 1}}},
            {"method": "logging/setLevel", "params": {"level": "loud"}},
            {"method": "tasks/get", "params": {"taskId": 7}},
        ]
        for number, case in enumerate(cases):
            server.send({"jsonrpc": "2.0", "id": number, **case})
            self.assert_error(server, number, -32602)
        server.send({"jsonrpc": "2.0", "id": "m", "method": "resources/list"})
        self.assert_error(server, "m", -32601)
        server.send({"jsonrpc": "2.0", "id": {"an": "object"}, "method": "ping"})
        self.assertEqual(server.read()["error"]["code"], -32600)
        self.assert_still_serving(server)

    def test_oversized_line_is_dropped_and_the_next_served(self):
        server = RawServer(self)
        server.initialize()
        prompt = "x" * (9 * 1024 * 1024)
        server.call(1, "codex_task", {"prompt": prompt})
        answer = server.read(timeout=60)
        self.assertEqual(answer["error"]["code"], -32600, answer)
        self.assertIn("longer than", answer["error"]["message"])
        self.assert_still_serving(server)
        self.assertEqual(self.run_json("status", "--all")["running"], [])

    def test_end_of_input_ends_the_server(self):
        server = RawServer(self)
        server.initialize()
        server.proc.stdin.close()
        self.assertEqual(server.proc.wait(timeout=15), 0)


class FaultCases:
    def assert_settled(self):
        if self.runtime == "direct":
            self.assert_no_processes_left()

    def test_server_killed_mid_call_leaves_the_job_to_one_end(self):
        server = RawServer(self)
        server.initialize()
        token = self.token()
        server.call(1, "codex_task", {"prompt": f"Work. ECHO:{token} {slow(2500)}"})
        job = self.job_of_prompt_token(token)
        server.kill()
        job = self.wait_job(job["id"])
        self.assertEqual((job["status"], job["endReason"]), ("completed", "completed"), job)
        self.assertIn(token, job["result"]["rawOutput"])
        self.assert_settled()

    def test_client_that_never_reads_does_not_block_the_job(self):
        server = RawServer(self)
        server.initialize()
        token = self.token()
        server.call(1, "codex_task",
                    {"prompt": f"Work. ECHO:{token} {slow(1500)}", "background": True})
        job_id = server.answer(1)["result"]["structuredContent"]["jobId"]
        # Far more answers than a pipe holds, none of them read.
        flood = b"".join(json.dumps({"jsonrpc": "2.0", "id": n, "method": "ping"}).encode() + b"\n"
                         for n in range(2, 6000))
        # The server stops reading once its stdout is full: write from a thread, which the kill
        # at the end releases (EPIPE).
        writer = threading.Thread(target=self.write_quietly, args=(server, flood), daemon=True)
        writer.start()
        job = self.wait_job(job_id)
        self.assertEqual(job["status"], "completed", job)
        self.assertIn(token, job["result"]["rawOutput"])
        self.assertTrue(writer.is_alive(), "the flood should be blocked on the unread answers")
        server.kill()
        writer.join(timeout=10)
        self.assert_settled()

    @staticmethod
    def write_quietly(server, data):
        try:
            server.proc.stdin.write(data)
            server.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def test_cancelled_call_is_not_answered_and_cancels_its_job(self):
        server = RawServer(self)
        server.initialize()
        token = self.token()
        server.call(7, "codex_task", {"prompt": f"Hang. ECHO:{token} {HANG}"})
        job = self.job_of_prompt_token(token)
        wait_until(lambda: self.job(job["id"])["turnId"], 30, interval=0.1, what="the turn")
        server.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 7, "reason": "the user gave up"}})
        ended = self.wait_job(job["id"])
        self.assertEqual(ended["status"], "cancelled", ended)
        server.send({"jsonrpc": "2.0", "id": 8, "method": "ping"})
        while True:
            message = server.read()
            self.assertNotEqual(message.get("id"), 7, f"a cancelled call was answered: {message}")
            if message.get("id") == 8:
                break
        self.assert_settled()


class FaultsDirect(FaultCases, McpCase):
    pass


class FaultsShared(FaultCases, SharedMcpCase):
    pass


if __name__ == "__main__":
    unittest.main()
