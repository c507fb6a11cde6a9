#!/usr/bin/env python3
"""A local stand-in for the Anthropic Messages API, for running the real Claude Code CLI offline.

Claude Code (`claude -p`, ANTHROPIC_BASE_URL=http://127.0.0.1:PORT) POSTs /v1/messages?beta=true
with `stream: true` and reads server-sent events. This server answers with the events the real API
sends: message_start, then per content block content_block_start, content_block_delta (text_delta
or input_json_delta) and content_block_stop, then message_delta (stop_reason, usage) and
message_stop. A request without `stream` gets the same message as one JSON document. It also
answers POST /v1/messages/count_tokens, GET /v1/models and HEAD|GET /api/hello (the connectivity
probe Claude Code sends unless CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC is set); anything else
is a 404 with an API error body. Every request is recorded (`stub.requests`, and one JSON line per
request in the log file) with its method, path, headers and body.

What the model "says" comes from rules, tried in order; the first that returns content wins:

  * a callable rule(req) -> None | list of blocks, where `req` is a MessagesRequest (helpers for
    the system prompt, the last user text, tool results, offered tools);
  * a dict {"when": {...}, "reply": [blocks]}. Conditions (all must hold): "contains" (a substring
    of the conversation's text: system prompt, messages and tool results), "system_contains",
    "last_user_contains" (the newest user message that is not only tool results),
    "tool_results" (how many tool results follow that message), "has_tool" (a tool name offered).

Blocks: {"type": "text", "text": ...} and {"type": "tool_use", "name": ..., "input": {...}}. In a
text, "{tool_result}" is replaced by the text of the newest tool result. A reply holding a tool_use
ends with stop_reason "tool_use", else "end_turn". Without a matching rule the answer is the
default text. A conversation with more than MAX_TOOL_ROUNDS tool results gets a plain text answer
whatever the rules say, so a rule mistake cannot loop Claude Code forever.

Module use:   with MessagesStub(rules=[...]) as stub: ... stub.base_url, stub.requests
Script use:   python3 messages_stub.py --port-file F --log F [--rules rules.json] [--max-seconds N]
"""

import argparse
import http.server
import json
import os
import signal
import sys
import threading
import time
import uuid

MAX_TOOL_ROUNDS = 12
MAX_BODY_BYTES = 64 << 20
DEFAULT_TEXT = "Stub answer."
TEXT_CHUNK = 40  # characters per text_delta, so clients see more than one delta
JSON_CHUNK = 60  # characters per input_json_delta
RECORDED_HEADERS = ("user-agent", "anthropic-version", "anthropic-beta", "x-api-key",
                    "authorization", "x-claude-code-session-id", "x-app")


def _block_text(block):
    """The text inside one content block (text, tool_result content, tool_use input)."""
    if not isinstance(block, dict):
        return str(block) if isinstance(block, str) else ""
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind == "tool_result":
        content = block.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "\n".join(_block_text(b) for b in content)
        return ""
    if kind == "tool_use":
        return json.dumps(block.get("input", {}))
    return ""


def _content_blocks(message):
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


class MessagesRequest:
    """A read-only view of one /v1/messages request body."""

    def __init__(self, body):
        self.body = body if isinstance(body, dict) else {}
        messages = self.body.get("messages")
        self.messages = [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) \
            else []

    @property
    def model(self):
        return self.body.get("model")

    @property
    def stream(self):
        return bool(self.body.get("stream"))

    @property
    def system(self):
        system = self.body.get("system")
        if isinstance(system, str):
            return system
        if isinstance(system, list):
            return "\n".join(_block_text(b) for b in system)
        return ""

    @property
    def tool_names(self):
        tools = self.body.get("tools")
        return [t.get("name") for t in tools if isinstance(t, dict)] if isinstance(tools, list) \
            else []

    def text(self):
        """All the conversation's text: system prompt, every message, tool inputs and results."""
        parts = [self.system]
        for message in self.messages:
            parts.extend(_block_text(b) for b in _content_blocks(message))
        return "\n".join(parts)

    def _last_user_index(self):
        """Index of the newest user message holding text rather than only tool results."""
        for i in range(len(self.messages) - 1, -1, -1):
            message = self.messages[i]
            if message.get("role") != "user":
                continue
            blocks = _content_blocks(message)
            if any(b.get("type") == "text" for b in blocks) and \
                    not any(b.get("type") == "tool_result" for b in blocks):
                return i
        return -1

    def last_user_text(self):
        return "\n".join(self.last_user_blocks())

    def last_user_blocks(self):
        """The text blocks of the newest user message holding text (Claude Code puts reminders,
        the prompt and preloaded skills into separate blocks of one message)."""
        i = self._last_user_index()
        if i < 0:
            return []
        return [_block_text(b) for b in _content_blocks(self.messages[i])
                if b.get("type") == "text"]

    def tool_results(self):
        """[(tool_use_id, text, is_error)] of the tool results after the last user text."""
        found = []
        for message in self.messages[self._last_user_index() + 1:]:
            for block in _content_blocks(message):
                if block.get("type") == "tool_result":
                    found.append((block.get("tool_use_id"), _block_text(block),
                                  bool(block.get("is_error"))))
        return found

    def all_tool_result_count(self):
        return sum(1 for m in self.messages for b in _content_blocks(m)
                   if b.get("type") == "tool_result")

    def last_tool_result(self):
        results = self.tool_results()
        return results[-1][1] if results else ""


def _rule_matches(when, req):
    checks = {
        "contains": lambda v: v in req.text(),
        "system_contains": lambda v: v in req.system,
        "last_user_contains": lambda v: v in req.last_user_text(),
        "tool_results": lambda v: len(req.tool_results()) == int(v),
        "has_tool": lambda v: v in req.tool_names,
    }
    for key, value in (when or {}).items():
        if key not in checks:
            raise ValueError(f"unknown rule condition {key!r}")
        if not checks[key](value):
            return False
    return True


def answer_for(rules, req, default_text=DEFAULT_TEXT):
    """The content blocks answering `req` (a MessagesRequest)."""
    if req.all_tool_result_count() > MAX_TOOL_ROUNDS:
        return [{"type": "text", "text": "Stub: tool round limit reached."}]
    for rule in rules:
        if callable(rule):
            blocks = rule(req)
        elif _rule_matches(rule.get("when"), req):
            blocks = rule.get("reply")
        else:
            blocks = None
        if blocks:
            return [_fill(b, req) for b in blocks]
    return [{"type": "text", "text": default_text}]


def _fill(block, req):
    block = dict(block)
    if block.get("type") == "text":
        block["text"] = str(block.get("text", "")).replace("{tool_result}", req.last_tool_result())
    elif block.get("type") == "tool_use":
        block.setdefault("id", "toolu_stub_" + uuid.uuid4().hex[:20])
        block.setdefault("input", {})
    return block


def _usage(req, output_tokens):
    return {"input_tokens": max(1, len(json.dumps(req.body)) // 4), "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def _message(req, blocks, msg_id):
    stop = "tool_use" if any(b.get("type") == "tool_use" for b in blocks) else "end_turn"
    out_tokens = sum(len(_block_text(b)) // 4 + 1 for b in blocks)
    return {"id": msg_id, "type": "message", "role": "assistant",
            "model": req.model or "claude-stub", "content": blocks, "stop_reason": stop,
            "stop_sequence": None, "usage": _usage(req, out_tokens)}


def _chunks(text, size):
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def sse_events(message):
    """The (event, data) pairs of one streamed message, in the order the real API sends them."""
    start = dict(message, content=[], stop_reason=None,
                 usage=dict(message["usage"], output_tokens=1))
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": part}
                      for part in _chunks(json.dumps(block["input"]), JSON_CHUNK)]
        else:
            opening = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": part}
                      for part in _chunks(block.get("text", ""), TEXT_CHUNK)]
        yield "content_block_start", {"type": "content_block_start", "index": index,
                                      "content_block": opening}
        for delta in deltas:
            yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                          "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield "message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": message["stop_reason"],
                                      "stop_sequence": None},
                            "usage": {"output_tokens": message["usage"]["output_tokens"]}}
    yield "message_stop", {"type": "message_stop"}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "messages-stub/1"

    def log_message(self, *args):
        pass

    def _read_body(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        raw = self.rfile.read(min(max(length, 0), MAX_BODY_BYTES)) if length > 0 else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _send_json(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _dispatch(self):
        stub = self.server.stub
        body = self._read_body()
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()
                   if k.lower() in RECORDED_HEADERS}
        stub._record(self.command, self.path, headers, body)
        if self.command == "POST" and path == "/v1/messages/count_tokens":
            req = MessagesRequest(body)
            self._send_json(200, {"input_tokens": _usage(req, 0)["input_tokens"]})
        elif self.command == "POST" and path == "/v1/messages":
            self._messages(stub, MessagesRequest(body))
        elif self.command == "GET" and path == "/v1/models":
            self._send_json(200, {"data": [{"type": "model", "id": m, "display_name": m,
                                            "created_at": "2026-01-01T00:00:00Z"}
                                           for m in stub.models],
                                  "has_more": False, "first_id": stub.models[0],
                                  "last_id": stub.models[-1]})
        elif path == "/api/hello":
            self._send_json(200, {"message": "hello"})
        else:
            self._send_json(404, {"type": "error", "error": {
                "type": "not_found_error", "message": f"stub: no route for {self.command} {path}"}})

    def _messages(self, stub, req):
        blocks = answer_for(stub.rules, req, stub.default_text)
        message = _message(req, blocks, stub._next_id())
        if not req.stream:
            self._send_json(200, message)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for event, data in sse_events(message):
                self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _dispatch


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class MessagesStub:
    """The stand-in server. Thread-safe; start()/stop() or use as a context manager."""

    def __init__(self, rules=None, default_text=DEFAULT_TEXT, log_path=None, host="127.0.0.1",
                 port=0, models=("claude-stub-model",)):
        self.rules = list(rules or [])
        self.default_text = default_text
        self.log_path = log_path
        self.models = list(models)
        self.requests = []
        self._cond = threading.Condition()
        self._counter = 0
        self._server = _Server((host, port), _Handler)
        self._server.stub = self
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def base_url(self):
        """What ANTHROPIC_BASE_URL should be (Claude Code appends /v1/messages)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def message_requests(self):
        """The recorded POST /v1/messages requests, as MessagesRequest views."""
        with self._cond:
            entries = list(self.requests)
        return [MessagesRequest(e["body"]) for e in entries
                if e["method"] == "POST" and e["path"].split("?", 1)[0] == "/v1/messages"]

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

    def _next_id(self):
        with self._cond:
            self._counter += 1
            return f"msg_stub_{self._counter:04d}"

    def _record(self, method, path, headers, body):
        entry = {"time": time.time(), "method": method, "path": path, "headers": headers,
                 "body": body}
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
    parser.add_argument("--rules", help="a JSON file holding a list of {when, reply} rules")
    parser.add_argument("--default-text", default=DEFAULT_TEXT)
    parser.add_argument("--max-seconds", type=float, default=3600.0,
                        help="exit by itself after this long")
    args = parser.parse_args(argv)
    rules = []
    if args.rules:
        with open(args.rules, encoding="utf-8") as f:
            rules = json.load(f)
    stub = MessagesStub(rules=rules, default_text=args.default_text, log_path=args.log,
                        port=args.port).start()
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
