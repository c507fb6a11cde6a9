#!/usr/bin/env python3
"""A local stand-in for the OpenAI Responses API, for running the real Codex CLI offline.

Codex POSTs /v1/responses (streaming) and reads server-sent events. This server answers with the
events the real API sends (response.created, response.output_item.added/done,
response.output_text.delta, response.completed) and chooses a behaviour per request:

  * a marker found in the request (the texts of its `input`, else anywhere in the raw body; the
    last marker wins, so a later turn of the same thread can change behaviour):
      [[stub:normal]]            final answer; `ECHO:<token>` in the prompt is echoed in the answer
      [[stub:slow:<ms>]]         like normal, but the answer comes after <ms> milliseconds
      [[stub:hang]]              the stream opens (response.created) and never finishes
      [[stub:500]]               HTTP 500 with a JSON error body
      [[stub:usage-limit:<secs>]]  the API's usage-limit answer: HTTP 429 with the body
                                 {"error": {"type": "usage_limit_reached", "plan_type",
                                 "resets_at": <secs> (epoch seconds)}} and the x-codex-primary-*
                                 and x-codex-secondary-* rate-limit headers (primary used up)
      [[stub:limits:<percent>]]  like normal, with rate-limit headers saying the primary window
                                 is <percent> used (resets in an hour), the secondary 12.5
      [[stub:review]]            a review result (the JSON Codex's built-in reviewer emits)
      [[stub:adversarial-json]]  a JSON answer valid for the adversarial-review schema
      [[stub:adversarial-bad]]   an answer that is not valid JSON
      [[stub:say:<text>]]        a final answer that is exactly <text>
      [[stub:empty]]             a response with no output at all (no message, no tool call):
                                 Codex completes the turn without a final answer
      [[stub:shell:<command>]]   a shell tool call running <command>; the follow-up request
                                 (carrying the tool output) gets a final answer quoting it
      [[stub:escalate:<command>]]  like shell, but the call asks to run outside the sandbox
                                 (with approvalPolicy on-request Codex asks the client first)
      [[stub:patch:<path>]]      an apply_patch tool call adding <path>; then a final answer
      [[stub:spawn:<prompt>]]    spawns a subagent with <prompt> (spawn_agent), waits for it
                                 (wait_agent), then gives a final answer
  * otherwise a request from Codex's built-in reviewer (recognised by its instructions) gets the
    `review` behaviour, and anything else gets the default given to the constructor / command line.
  * a review request (the built-in reviewer takes no prompt, so no marker) takes the next
    behaviour queued with queue_review(behaviour, arg) instead, when one is queued.

Every request body is kept (`stub.requests`, with its Authorization header as `authorization`) and
appended as one JSON line to the log file, so tests can assert what Codex sent (model, reasoning
effort, text.format / json schema, tools, the provider key).
Every wait is bounded (hang_limit_s) and stop() ends hung streams at once.

Module use:   with ResponsesStub(default="normal") as stub: ... stub.port, stub.base_url
Script use:   python3 responses_stub.py --port-file F --log F --default normal [--max-seconds N]
"""

import argparse
import http.server
import json
import os
import re
import select
import signal
import socket
import sys
import threading
import time

MARKER_RE = re.compile(r"\[\[stub:([a-z0-9-]+)(?::((?:(?!\]\]).)*))?\]\]", re.S)
ECHO_RE = re.compile(r"ECHO:([A-Za-z0-9_.\-]+)")
BEHAVIOURS = ("normal", "slow", "hang", "500", "usage-limit", "limits", "review", "adversarial-json", "adversarial-bad",
              "empty", "shell", "escalate", "patch", "spawn", "say")
MAX_TOOL_CALLS = 8  # hard bound on tool calls per turn, whatever the request looks like
TOOL_BEHAVIOURS = {"shell": 1, "escalate": 1, "patch": 1, "spawn": 2}  # tool calls before the final answer
TOOL_OUTPUT_TYPES = ("function_call_output", "custom_tool_call_output", "local_shell_call_output")
REVIEW_HINTS = ("You are acting as a reviewer", "overall_correctness")
SHELL_TOOLS = ("shell_command", "exec_command", "shell", "local_shell")


def _strings(value, out):
    """Collects every string inside a JSON value (depth-first, in order)."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    return out


def _input_text(body):
    """The texts of the request's user/developer messages (not tool outputs)."""
    texts = []
    for item in body.get("input") or []:
        if isinstance(item, dict) and item.get("type") in (None, "message"):
            _strings(item.get("content"), texts)
    return "\n".join(texts)


def choose(body, raw, default):
    """Returns (behaviour, argument) for one request."""
    text = _input_text(body) if isinstance(body, dict) else ""
    found = MARKER_RE.findall(text) or MARKER_RE.findall(raw)
    if found:
        name, arg = found[-1]
        if name in BEHAVIOURS:
            return name, arg
    if isinstance(body, dict) and any(h in str(body.get("instructions", "")) for h in REVIEW_HINTS):
        return "review", ""
    if any(h in text for h in REVIEW_HINTS[:1]):
        return "review", ""
    return default, ""


def _tool_names(body):
    names = []
    for tool in (body.get("tools") or []) if isinstance(body, dict) else []:
        if isinstance(tool, dict):
            names.append(tool.get("name") or tool.get("type"))
    return names


def _tool_outputs_since_marker(body):
    """How many tool outputs follow the last message that carries a stub marker (or, without
    one, the last user message). Harness messages Codex adds mid-turn (subagent notifications)
    do not reset the count."""
    count = 0
    items = body.get("input") if isinstance(body, dict) else None
    for item in reversed(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        if item.get("type") in TOOL_OUTPUT_TYPES:
            count += 1
        elif item.get("type") in (None, "message") and item.get("role") == "user":
            if MARKER_RE.search("\n".join(_strings(item.get("content"), []))):
                return count
    return count


def _last_tool_output(body):
    for item in reversed(body.get("input") or []):
        if isinstance(item, dict) and item.get("type") in TOOL_OUTPUT_TYPES:
            return item.get("output")
    return None


def _tool_kind(body, name):
    for tool in (body.get("tools") or []) if isinstance(body, dict) else []:
        if isinstance(tool, dict) and tool.get("name") == name:
            return tool.get("type")
    return None


def _namespace_of(body, name):
    for tool in (body.get("tools") or []) if isinstance(body, dict) else []:
        if isinstance(tool, dict) and tool.get("type") == "namespace":
            if any(isinstance(t, dict) and t.get("name") == name for t in tool.get("tools", [])):
                return tool.get("name")
    return None


def _agent_id(body):
    """The agent id in the latest tool output (the answer of spawn_agent)."""
    for item in reversed(body.get("input") or []):
        if isinstance(item, dict) and item.get("type") in TOOL_OUTPUT_TYPES:
            text = " ".join(_strings(item.get("output"), []))
            try:
                doc = json.loads(text)
                for key in ("agent_id", "id", "agent_path", "target"):
                    if isinstance(doc, dict) and isinstance(doc.get(key), str):
                        return doc[key]
            except ValueError:
                pass
            return text.strip()
    return ""


def rate_limit_headers(primary_percent, primary_reset_at):
    """Codex's rate-limit headers (x-codex-{primary,secondary}-{used-percent,window-minutes,
    reset-at}): the primary window a 5-hour one, the secondary a week at 12.5 %."""
    week = int(time.time()) + 7 * 24 * 3600
    return {"x-codex-primary-used-percent": str(primary_percent),
            "x-codex-primary-window-minutes": "300",
            "x-codex-primary-reset-at": str(primary_reset_at),
            "x-codex-secondary-used-percent": "12.5",
            "x-codex-secondary-window-minutes": "10080",
            "x-codex-secondary-reset-at": str(week)}


class _Sse:
    """Writes server-sent events to one response."""

    def __init__(self, handler, response_id, headers=None):
        self.handler = handler
        self.response_id = response_id
        self.seq = 0
        self.headers = headers or {}

    def start(self):
        h = self.handler
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        for name, value in self.headers.items():
            h.send_header(name, value)
        h.end_headers()
        self.event("response.created", response={"id": self.response_id, "status": "in_progress"})

    def event(self, kind, **fields):
        data = {"type": kind, "sequence_number": self.seq, **fields}
        self.seq += 1
        payload = f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()
        self.handler.wfile.write(payload)
        self.handler.wfile.flush()

    def item(self, index, item, deltas=()):
        self.event("response.output_item.added", output_index=index, item=item)
        for delta in deltas:
            self.event("response.output_text.delta", output_index=index, content_index=0,
                       item_id=item.get("id", ""), delta=delta)
        self.event("response.output_item.done", output_index=index, item=item)

    def message(self, index, text, phase="final_answer"):
        item = {"type": "message", "role": "assistant", "id": f"msg_{self.response_id}_{index}",
                "status": "completed", "phase": phase,
                "content": [{"type": "output_text", "text": text, "annotations": []}]}
        self.item(index, item, deltas=[text])

    def reasoning(self, index, summary):
        item = {"type": "reasoning", "id": f"rs_{self.response_id}_{index}",
                "summary": [{"type": "summary_text", "text": summary}]}
        self.item(index, item)

    def completed(self):
        usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": 15}
        self.event("response.completed",
                   response={"id": self.response_id, "status": "completed", "usage": usage})


def review_json(text):
    return json.dumps({
        "findings": [{
            "title": "[P2] Stub finding",
            "body": "The stub reviewer flags this line. " + text,
            "confidence_score": 0.5,
            "priority": 2,
            "code_location": {"absolute_file_path": "/dev/null",
                              "line_range": {"start": 1, "end": 1}},
        }],
        "overall_correctness": "patch is correct",
        "overall_explanation": "Stub review: nothing blocking. " + text,
        "overall_confidence_score": 0.5,
    })


def adversarial_json(text):
    return json.dumps({
        "verdict": "needs-attention",
        "summary": "Stub adversarial summary. " + text,
        "findings": [{
            "severity": "high",
            "title": "Stub finding",
            "body": "The stub flags a risky change.",
            "file": "README.md",
            "line_start": 1,
            "line_end": 2,
            "confidence": 0.7,
            "recommendation": "Add a test.",
        }],
        "next_steps": ["Add a test."],
    })


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ResponsesStub/1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [], "models": []})
        else:
            self._json(404, {"error": {"message": f"no route for GET {self.path}"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw_bytes = self.rfile.read(length) if length > 0 else b""
        raw = raw_bytes.decode("utf-8", "replace")
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_unparsed": raw[:4096]}
        stub = self.server.stub
        if not self.path.rstrip("/").endswith("/responses"):
            stub._record(self.path, "unknown-route", "", body, self.headers.get("Authorization"))
            self._json(404, {"error": {"message": f"no route for POST {self.path}"}})
            return
        behaviour, arg = choose(body, raw, stub.default)
        if behaviour == "review":
            behaviour, arg = stub._next_review()
        stub._record(self.path, behaviour, arg, body, self.headers.get("Authorization"))
        stub._busy(+1)
        try:
            self._answer(stub, behaviour, arg, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away; nothing to clean up
        finally:
            stub._busy(-1)

    def _json(self, code, doc, headers=None):
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _answer(self, stub, behaviour, arg, body):
        self.close_connection = True
        if behaviour == "500":
            self._json(500, {"error": {"message": "stub: internal server error",
                                       "type": "server_error", "code": "server_error"}})
            return
        if behaviour == "usage-limit":
            resets_at = int(arg) if arg.isdigit() else int(time.time()) + 3600
            self._json(429, {"error": {"type": "usage_limit_reached",
                                       "message": "The usage limit has been reached",
                                       "plan_type": "plus", "resets_at": resets_at}},
                       headers=rate_limit_headers(100, resets_at))
            return
        headers = None
        if behaviour == "limits":
            percent = arg if re.fullmatch(r"[0-9]+(\.[0-9]+)?", arg or "") else "50"
            headers = rate_limit_headers(percent, int(time.time()) + 3600)
        sse = _Sse(self, stub._next_id(), headers)
        sse.start()
        text = _input_text(body)
        echo = " ".join(ECHO_RE.findall(text)[-1:])
        if behaviour == "hang":
            self._hold_open(stub, stub.hang_limit_s)
            return
        if behaviour == "slow":
            delay_ms = int(arg) if arg.isdigit() else 1000
            if not self._hold_open(stub, delay_ms / 1000.0):
                return
        stage = _tool_outputs_since_marker(body)
        if behaviour in TOOL_BEHAVIOURS and stage < min(TOOL_BEHAVIOURS[behaviour], MAX_TOOL_CALLS):
            self._tool_call(sse, behaviour, arg, body, stage)
        elif behaviour in TOOL_BEHAVIOURS:
            output = _strings(_last_tool_output(body), [])
            sse.message(0, f"Stub saw the tool output: {' '.join(output)[:400]} {echo}".strip())
        elif behaviour == "review":
            sse.message(0, review_json(echo))
        elif behaviour == "adversarial-json":
            sse.message(0, adversarial_json(echo))
        elif behaviour == "adversarial-bad":
            sse.message(0, "This is not JSON: {verdict: maybe")
        elif behaviour == "say":
            sse.message(0, arg)
        elif behaviour == "empty":
            pass  # response.created, then response.completed with nothing in between
        else:
            sse.reasoning(0, f"**Stub reasoning**\n\nLooking at the request. {echo}".strip())
            sse.message(1, f"Stub answer: {echo}" if echo else "Stub answer.")
        sse.completed()

    def _tool_call(self, sse, behaviour, arg, body, stage):
        names = _tool_names(body)
        call_id = f"call_{sse.response_id}"
        item = {"id": f"fc_{call_id}", "call_id": call_id, "status": "completed"}
        if behaviour == "patch":
            patch = f"*** Begin Patch\n*** Add File: {arg}\n+stub line\n*** End Patch\n"
            if _tool_kind(body, "apply_patch") == "custom":
                item.update(type="custom_tool_call", name="apply_patch", input=patch)
            else:
                item.update(type="function_call", name="apply_patch",
                            arguments=json.dumps({"input": patch}))
        elif behaviour == "spawn":
            namespace = _namespace_of(body, "spawn_agent")
            if stage == 0:
                name, args = "spawn_agent", {"message": arg or "Subagent task. ECHO:child"}
            else:
                agent = _agent_id(body)
                name, args = "wait_agent", {"targets": [agent], "timeout_ms": 30000}
            item.update(type="function_call", name=name, arguments=json.dumps(args))
            if namespace:
                item["namespace"] = namespace
        else:
            tool = next((n for n in SHELL_TOOLS if n in names), "shell")
            if tool == "exec_command":
                args = {"cmd": arg, "login": False, "yield_time_ms": 10000}
                if behaviour == "escalate":
                    args.update(sandbox_permissions="require_escalated",
                                justification="Stub needs to run this outside the sandbox.")
            elif tool == "shell_command":
                args = {"command": arg}
            else:
                args = {"command": ["bash", "-lc", arg]}
            item.update(type="function_call", name=tool, arguments=json.dumps(args))
        sse.message(0, f"Stub: calling {item['name']} first.", phase="commentary")
        sse.item(1, item)

    def _hold_open(self, stub, seconds):
        """Waits up to `seconds`; returns False when the client left or the stub is stopping."""
        deadline = time.monotonic() + seconds
        sock = self.connection
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            if stub._stopping.wait(min(left, 0.1)):
                return False
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                try:
                    if not sock.recv(1, socket.MSG_PEEK):
                        return False  # the client closed the connection
                except OSError:
                    return False


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class ResponsesStub:
    """The stand-in server. Thread-safe; start()/stop() or use as a context manager."""

    def __init__(self, default="normal", log_path=None, host="127.0.0.1", port=0,
                 hang_limit_s=600.0):
        if default not in BEHAVIOURS:
            raise ValueError(f"unknown default behaviour {default!r}")
        self.default = default
        self.log_path = log_path
        self.hang_limit_s = hang_limit_s
        self.requests = []
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._counter = 0
        self._active = 0
        self._reviews = []  # queued (behaviour, arg) for the next review requests
        self._stopping = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.stub = self
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_for_requests(self, count, timeout_s=10.0):
        """Blocks until `count` requests arrived or the timeout passed; returns the requests."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self.requests)

    def queue_review(self, behaviour, arg=""):
        """The next review request answers with `behaviour` (one of BEHAVIOURS) instead."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}")
        with self._lock:
            self._reviews.append((behaviour, arg))

    def _next_review(self):
        with self._lock:
            return self._reviews.pop(0) if self._reviews else ("review", "")

    @property
    def active(self):
        """How many responses are being written right now (hung streams included)."""
        with self._lock:
            return self._active

    def _busy(self, delta):
        with self._lock:
            self._active += delta

    def _next_id(self):
        with self._lock:
            self._counter += 1
            return f"resp_stub_{self._counter}"

    def _record(self, path, behaviour, arg, body, authorization=None):
        entry = {"time": time.time(), "path": path, "behaviour": behaviour, "arg": arg,
                 "body": body, "authorization": authorization}
        with self._cond:
            self.requests.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")
            self._cond.notify_all()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the chosen port here (atomically)")
    parser.add_argument("--log", help="append each request as one JSON line here")
    parser.add_argument("--default", default="normal", choices=BEHAVIOURS)
    parser.add_argument("--hang-limit-s", type=float, default=600.0)
    parser.add_argument("--max-seconds", type=float, default=3600.0,
                        help="exit by itself after this long")
    args = parser.parse_args(argv)
    stub = ResponsesStub(default=args.default, log_path=args.log, port=args.port,
                         hang_limit_s=args.hang_limit_s).start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: done.set())
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{stub.port}\n")
        os.replace(tmp, args.port_file)
    print(stub.port, flush=True)
    done.wait(args.max_seconds)
    stub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
