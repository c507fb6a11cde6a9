#!/usr/bin/env python3
"""Drives a real `codex app-server` over JSON-RPC on stdio (one JSON object per line).

    with ResponsesStub() as stub, CodexEnv(stub.port) as cenv, AppServer(cenv) as srv:
        srv.initialize()
        thread = srv.request("thread/start", {"cwd": repo, "approvalPolicy": "never",
                                               "sandbox": "read-only", "ephemeral": True})
        turn = srv.request("turn/start", {...})["turn"]
        notes = srv.wait_turn(thread_id, turn["id"], timeout_s=30)

The server runs in its own process group and is ended (stdin closed, then SIGTERM, then SIGKILL
of the whole group) by close(). Server-to-client requests (approvals, user input) are answered at
once with a refusal, as the companion does. Every message in both directions is kept in
`transcript` as {"dir": "in"|"out", "msg": ...} in arrival order.
"""

import json
import os
import queue
import signal
import subprocess
import threading
import time

MAX_LINE = 16 * 1024 * 1024


class RpcError(Exception):
    def __init__(self, method, error):
        super().__init__(f"{method} failed: {json.dumps(error)}")
        self.error = error


def refusal(method):
    """The answer the companion gives to a server request: always a refusal."""
    if method in ("item/commandExecution/requestApproval", "item/fileChange/requestApproval"):
        return {"decision": "decline"}
    if method in ("execCommandApproval", "applyPatchApproval"):
        return {"decision": "denied"}
    if method == "item/tool/requestUserInput":
        return {"answers": {}}
    if method == "mcpServer/elicitation/request":
        return {"action": "decline"}
    if method == "item/permissions/requestApproval":
        return {"permissions": {}, "scope": "turn"}
    return None


class AppServer:
    def __init__(self, cenv, cwd=None, args=("app-server",), stderr_path=None):
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.proc = subprocess.Popen([cenv.codex, *args], cwd=cwd, env=cenv.env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, start_new_session=True)
        self.transcript = []
        self._lock = threading.Lock()
        self._next_id = 0
        self._responses = {}
        self._cond = threading.Condition(self._lock)
        self._notes = queue.Queue()
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # --- transport -------------------------------------------------------------------------
    def _send(self, msg):
        with self._lock:
            self.transcript.append({"dir": "out", "msg": msg})
        data = (json.dumps(msg) + "\n").encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def _read_loop(self):
        for raw in iter(lambda: self.proc.stdout.readline(MAX_LINE), b""):
            try:
                msg = json.loads(raw)
            except ValueError:
                msg = {"_unparsed": raw.decode("utf-8", "replace")[:4096]}
            with self._cond:
                self.transcript.append({"dir": "in", "msg": msg})
            if "id" in msg and "method" in msg:  # a server request
                answer = refusal(msg["method"])
                try:
                    if answer is None:
                        self._send({"id": msg["id"], "error": {"code": -32601,
                                                               "message": "not supported"}})
                    else:
                        self._send({"id": msg["id"], "result": answer})
                except (BrokenPipeError, ValueError, OSError):
                    pass
                self._notes.put(msg)
            elif "id" in msg:
                with self._cond:
                    self._responses[msg["id"]] = msg
                    self._cond.notify_all()
            else:
                self._notes.put(msg)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._notes.put(None)

    # --- requests --------------------------------------------------------------------------
    def request(self, method, params, timeout_s=20.0):
        """Sends a request and returns its result; raises RpcError or TimeoutError."""
        with self._lock:
            self._next_id += 1
            rid = self._next_id
        self._send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while rid not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{method}: no response within {timeout_s}s")
                if self._closed:
                    raise EOFError(f"{method}: app-server closed its stdout")
                self._cond.wait(left)
            resp = self._responses.pop(rid)
        if "error" in resp:
            raise RpcError(method, resp["error"])
        return resp.get("result")

    def notify(self, method, params=None):
        msg = {"method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)

    def initialize(self, name="codex-companion-tests"):
        result = self.request("initialize", {
            "clientInfo": {"name": name, "title": "Codex Companion tests", "version": "0.0.0"},
            "capabilities": {"experimentalApi": False, "optOutNotificationMethods": []}})
        self.notify("initialized")
        return result

    # --- notifications ---------------------------------------------------------------------
    def next_notification(self, timeout_s):
        """The next notification (or server request); None at EOF; raises TimeoutError."""
        try:
            msg = self._notes.get(timeout=max(timeout_s, 0))
        except queue.Empty:
            raise TimeoutError("no notification") from None
        if msg is None:
            self._notes.put(None)  # keep EOF visible to later calls
        return msg

    def wait_turn(self, thread_id, turn_id, timeout_s=30.0):
        """Collects notifications until turn/completed of (thread_id, turn_id), EOF or timeout.

        Returns (notifications, outcome) with outcome "completed" | "eof" | "timeout".
        """
        notes = []
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return notes, "timeout"
            try:
                msg = self.next_notification(left)
            except TimeoutError:
                return notes, "timeout"
            if msg is None:
                return notes, "eof"
            notes.append(msg)
            params = msg.get("params") or {}
            if (msg.get("method") == "turn/completed" and params.get("threadId") == thread_id
                    and (turn_id is None or (params.get("turn") or {}).get("id") == turn_id)):
                return notes, "completed"

    def drain(self, quiet_s=0.3):
        """Returns notifications that arrive until `quiet_s` passes without one."""
        notes = []
        while True:
            try:
                msg = self.next_notification(quiet_s)
            except TimeoutError:
                return notes
            if msg is None:
                return notes
            notes.append(msg)

    # --- shutdown --------------------------------------------------------------------------
    def close(self, grace_s=3.0):
        """Ends the app-server and its process group; returns its exit status."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
        for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                return self.proc.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                continue
        return self.proc.poll()

    def kill_group(self):
        """Makes sure nothing of the process group is left (after close())."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        self.kill_group()
        self._reader.join(timeout=5)
        if not self._reader.is_alive():
            self.proc.stdout.close()
        if hasattr(self._stderr, "close"):
            self._stderr.close()


def text_input(text):
    return [{"type": "text", "text": text, "text_elements": []}]


def notifications_only(notes):
    """{"method","params"} of each notification (server requests are dropped)."""
    return [{"method": n["method"], "params": n.get("params")} for n in notes
            if isinstance(n, dict) and "method" in n and "id" not in n]
