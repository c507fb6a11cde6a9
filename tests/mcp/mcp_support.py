"""Support for the `mcp` suites: `codex-companion mcp` driven by the official TypeScript MCP SDK
client (mcp_driver.mjs, the pinned @modelcontextprotocol/sdk in .deps/npm) or by raw lines on
its stdin, against the real Codex CLI and the local Responses stand-in (BackgroundCase)."""

import json
import os
import select
import signal
import subprocess
import time

from background_support import BIN, BackgroundCase, SharedRuntimeCase, pid_alive, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("COMPANION_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
HANG = "[[stub:hang]]"


def slow(ms):
    return f"[[stub:slow:{ms}]]"


def _is_mcp_server(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return len(argv) >= 2 and argv[0] == BIN.encode() and argv[1] == b"mcp"


class Driver:
    """One SDK client process (node mcp_driver.mjs); call(op, **fields) runs one command."""

    def __init__(self, case):
        env = dict(case.env)
        env["COMPANION_SOURCE_DIR"] = SOURCE_DIR
        self.proc = subprocess.Popen(["node", os.path.join(HERE, "mcp_driver.mjs")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env, start_new_session=True)
        case.started.append(self.proc)
        self.case = case

    def call(self, op, timeout=150, **fields):
        self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise AssertionError(f"the MCP client gave no answer to {op} within {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the MCP client exited during {op}")
        return json.loads(line)

    def ok(self, op, **fields):
        answer = self.call(op, **fields)
        if not answer["ok"]:
            raise AssertionError(f"{op} failed: {answer}")
        return answer["value"]

    def connect(self, env=None, cwd=None, roots=None):
        merged = dict(self.case.env)
        merged.update(env or {})
        fields = {"command": BIN, "args": ["mcp"], "cwd": cwd or self.case.workspace,
                  "env": merged}
        if roots is not None:
            fields["roots"] = roots
        return self.ok("connect", **fields)

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class RawServer:
    """`codex-companion mcp` on pipes, spoken to line by line (hostile input, faults)."""

    def __init__(self, case, env=None):
        merged = dict(case.env)
        merged.update(env or {})
        self.proc = subprocess.Popen([BIN, "mcp"], cwd=case.workspace, env=merged,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        case.started.append(self.proc)
        self.buffer = b""

    def send(self, message):
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()

    def read(self, timeout=30):
        """The next message the server wrote (parsed), waiting at most `timeout` s."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"no message from the server within {timeout} s")
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError("the server closed its stdout")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def answer(self, request_id, timeout=30):
        """The response to `request_id` (notifications before it are skipped)."""
        while True:
            message = self.read(timeout)
            if message.get("id") == request_id and "method" not in message:
                return message

    def initialize(self, version="2025-11-25"):
        self.send({"jsonrpc": "2.0", "id": "init", "method": "initialize",
                   "params": {"protocolVersion": version, "capabilities": {},
                              "clientInfo": {"name": "raw", "version": "1"}}})
        answer = self.answer("init")
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def call(self, request_id, name, arguments, meta=None):
        params = {"name": name, "arguments": arguments}
        if meta:
            params["_meta"] = meta
        self.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params})

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class McpMixin:
    def driver(self):
        return Driver(self)

    def codex_processes(self):
        """Codex processes of the test, but the MCP clients and servers it started (they carry
        its environment too; tearDown ends them)."""
        ours = {proc.pid for proc in self.started}
        return [pid for pid in super().codex_processes()
                if pid not in ours and not _is_mcp_server(pid)]

    def tearDown(self):
        self.end_started()
        # The servers they started (their sessions) end with their stdin.
        wait_until(lambda: not any(_is_mcp_server(pid) for pid in super(McpMixin, self)
                                   .codex_processes()), 15, interval=0.05,
                   what="the MCP servers to exit")
        super().tearDown()

    def job_of_prompt_token(self, token, timeout=30):
        """The job whose prompt holds `token` (any state), from `status --all --json`."""
        def find():
            out = self.run_json("status", "--all")
            jobs = out["running"] + ([out["latestFinished"]] if out["latestFinished"] else [])
            jobs += out["recent"]
            for job in jobs:
                full = self.job(job["id"])
                if token in json.dumps(full.get("request", {})):
                    return full
            return None
        return wait_until(find, timeout, interval=0.1, what=f"the job of {token}")


class McpCase(McpMixin, BackgroundCase):
    pass


class SharedMcpCase(McpMixin, SharedRuntimeCase):
    pass


__all__ = ["Driver", "RawServer", "McpCase", "SharedMcpCase", "HANG", "slow", "pid_alive",
           "wait_until", "BIN"]
