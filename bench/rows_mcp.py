"""bench/run rows of `codex-companion mcp`: its start-up (spawn to the initialize answer) and the
overhead per call over stdio — `tools/list` (answered by the server itself) and `codex_status`
(one CLI command run by the server) — in an empty workspace."""

import json
import os
import select
import shutil
import subprocess
import tempfile
import time

from benchlib import BenchError, Stat

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "1"}}}


class Server:
    def __init__(self, bin_path, ws, env):
        self.proc = subprocess.Popen([bin_path, "mcp"], cwd=ws, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1

    def round_trip(self, message):
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            raise BenchError(f"mcp: no answer to {message.get('method')} within 60 s")
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise BenchError(f"mcp: {answer['error']}")
        return answer

    def call(self, method, params):
        self.next_id += 1
        return self.round_trip({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                                "params": params})

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def mcp_rows(bin_path, runs):
    tmp = tempfile.mkdtemp(prefix="bench-mcp-", dir="/var/tmp")
    try:
        ws = os.path.join(tmp, "ws")
        os.makedirs(ws)
        subprocess.run(["git", "init", "-q", ws], check=True)
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state"),
                   CODEX_COMPANION_RUNTIME="direct")
        env.pop("CODEX_COMPANION_SESSION_ID", None)
        start, listing, status = [], [], []
        for _ in range(runs):
            began = time.monotonic()
            server = Server(bin_path, ws, env)
            server.round_trip(INIT)
            start.append((time.monotonic() - began) * 1000)
            began = time.monotonic()
            for _ in range(100):
                server.call("tools/list", {})
            listing.append((time.monotonic() - began) * 1000 * 1000 / 100)
            began = time.monotonic()
            for _ in range(5):
                server.call("tools/call", {"name": "codex_status", "arguments": {}})
            status.append((time.monotonic() - began) * 1000 / 5)
            server.close()
        return {"mcp start": Stat(start, "ms"), "mcp tools/list": Stat(listing, "µs"),
                "mcp codex_status": Stat(status, "ms")}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
