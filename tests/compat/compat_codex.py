#!/usr/bin/env python3
"""A stand-in `codex` CLI that answers the way the reference plugin's test fixture does.

The reference plugin (openai/codex-plugin-cc 1.0.5) tests itself against a fake `codex` found on
PATH (its tests/fake-codex-fixture.mjs). Scripts and users of that plugin depend on the facts its
fixture encodes, so the compatibility suite checks codex-companion against a Codex that behaves the
same way. This is our own program; what it reproduces are observable facts of that fixture:

- `codex --version` prints one version line and `codex app-server --help` succeeds (setup's
  availability check); any other command line but `app-server` fails.
- account/read and config/read answer per behaviour (chatgpt with an e-mail by default).
- thread/start makes threads `thr_<n>` and announces them with thread/started.
- review/start answers with the review thread and, at once, enteredReviewMode, an optional
  reasoning item, exitedReviewMode whose text names the target ("Reviewed changes against
  <branch>." for baseBranch, "Reviewed uncommitted changes." otherwise, then "No material issues
  found."), and turn/completed.
- turn/start with an outputSchema that has `verdict` answers a structured review: one high
  finding when the prompt contains "adversarial software review", else an approval. Without one it
  answers a task ("Task handled.\\nPrompt received.").
- Reasoning summaries are sent as objects ({text}, nested summary/content/parts), not strings.
- Subagents are named in thread/started (`name`, `agentNickname`) without a parentThreadId, and
  run inside a collabAgentToolCall `wait` item of the root thread.

Behaviour: COMPAT_CODEX_BEHAVIOUR, one or more of these words separated by commas:
  api-key            account/read: an API-key account
  logged-out         account/read: no account, OpenAI auth required
  provider-ollama    no account, no OpenAI auth needed; config names the built-in `ollama`
  provider-named     like provider-ollama, with a custom provider that has a display `name`
  config-read-error  config/read fails with a JSON-RPC error
  reasoning          reviews and turns send a reasoning item in every summary shape
  subagent           a task turn runs a named subagent before its final answer
  slow               a task turn completes after COMPAT_CODEX_DELAY_MS (default 30000) unless
                     turn/interrupt comes first
Every message received is appended as one JSON line to COMPAT_CODEX_RECORD (when set).
"""

import json
import os
import select
import sys
import time

BEHAVIOUR = set(filter(None, os.environ.get("COMPAT_CODEX_BEHAVIOUR", "").split(",")))
RECORD = os.environ.get("COMPAT_CODEX_RECORD")
DELAY_S = int(os.environ.get("COMPAT_CODEX_DELAY_MS", "30000")) / 1000.0
VERSION = "codex-cli 0.0.0-compat"

REASONING_SHAPES = [
    {"text": "Read the change first."},
    {"summary": [{"text": "Traced the risky path."}]},
    {"content": {"parts": ["Checked the tests.", {"text": "Weighed   the\nfallbacks."}]}},
    "Plain string section.",
]
REASONING_SECTIONS = ["Read the change first.", "Traced the risky path.", "Checked the tests.",
                      "Weighed the fallbacks.", "Plain string section."]
TASK_ANSWER = "Task handled.\nPrompt received."
FINDING_TITLE = "Unchecked empty list"
SUBAGENT_NAME = "design-critic"
SUBAGENT_REASONING = "Doubted the retry strategy."
SUBAGENT_MESSAGE = "Retries can repeat side effects."


def record(entry):
    if RECORD:
        with open(RECORD, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def notify(method, params):
    send({"method": method, "params": params})


def account():
    if "api-key" in BEHAVIOUR:
        return {"account": {"type": "apiKey"}, "requiresOpenaiAuth": True}
    if "logged-out" in BEHAVIOUR:
        return {"account": None, "requiresOpenaiAuth": True}
    if "provider-ollama" in BEHAVIOUR or "provider-named" in BEHAVIOUR:
        return {"account": None, "requiresOpenaiAuth": False}
    return {"account": {"type": "chatgpt", "email": "dev@example.com", "planType": "plus"},
            "requiresOpenaiAuth": True}


def config():
    if "provider-ollama" in BEHAVIOUR:
        return {"config": {"model_provider": "ollama"}}
    if "provider-named" in BEHAVIOUR:
        return {"config": {"model_provider": "team-proxy",
                           "model_providers": {"team-proxy": {"name": "Team proxy",
                                                              "requires_openai_auth": False}}}}
    return {"config": {"model_provider": "openai"}}


def structured_review(prompt):
    if "adversarial software review" in prompt:
        return json.dumps({
            "verdict": "needs-attention",
            "summary": "One guard is missing before shipping.",
            "findings": [{"severity": "high", "title": FINDING_TITLE,
                          "body": "The first element is read without a length check.",
                          "file": "src/app.js", "line_start": 2, "line_end": 3,
                          "confidence": 0.8, "recommendation": "Return early on an empty list."}],
            "next_steps": ["Add a test with an empty list."]})
    return json.dumps({"verdict": "approve", "summary": "Nothing blocks this change.",
                       "findings": [], "next_steps": []})


class Server:
    def __init__(self):
        self.threads = 0
        self.turns = 0
        self.pending = []  # (due time, thread id, turn id): slow turns not finished yet

    def thread(self, cwd, ephemeral):
        self.threads += 1
        return {"id": f"thr_{self.threads}", "cwd": cwd, "ephemeral": ephemeral, "name": None}

    def turn_id(self):
        self.turns += 1
        return f"turn_{self.turns}"

    def item(self, thread_id, turn_id, lifecycle, item):
        notify("item/" + lifecycle, {"threadId": thread_id, "turnId": turn_id, "item": item})

    def turn_event(self, thread_id, turn_id, method, status):
        notify(method, {"threadId": thread_id, "turn": {"id": turn_id, "status": status}})

    def reasoning(self, thread_id, turn_id):
        if "reasoning" in BEHAVIOUR:
            self.item(thread_id, turn_id, "completed", {"type": "reasoning", "id": "rs_" + turn_id,
                                                        "summary": REASONING_SHAPES,
                                                        "content": []})

    def handle(self, message):
        method, rid = message.get("method"), message.get("id")
        params = message.get("params") or {}
        if rid is None:
            return
        if method == "initialize":
            send({"id": rid, "result": {"userAgent": "compat-codex"}})
        elif method == "account/read":
            send({"id": rid, "result": account()})
        elif method == "config/read":
            if "config-read-error" in BEHAVIOUR:
                send({"id": rid, "error": {"code": -32000,
                                           "message": "config/read could not load the config"}})
            else:
                send({"id": rid, "result": config()})
        elif method == "thread/start":
            thread = self.thread(params.get("cwd"), params.get("ephemeral", True))
            send({"id": rid, "result": {"thread": thread, "model": params.get("model") or "m"}})
            notify("thread/started", {"thread": thread})
        elif method == "thread/resume":
            send({"id": rid, "result": {"thread": {"id": params.get("threadId")}}})
        elif method in ("thread/name/set", "turn/interrupt"):
            send({"id": rid, "result": {}})
            if method == "turn/interrupt":
                self.interrupt(params)
        elif method == "thread/list":
            send({"id": rid, "result": {"data": [], "nextCursor": None}})
        elif method == "review/start":
            self.review(rid, params)
        elif method == "turn/start":
            self.turn(rid, params)
        else:
            send({"id": rid, "error": {"code": -32601, "message": f"Unsupported method: {method}"}})

    def review(self, rid, params):
        thread_id, turn_id = params.get("threadId"), self.turn_id()
        target = params.get("target") or {}
        send({"id": rid, "result": {"turn": {"id": turn_id, "status": "inProgress"},
                                    "reviewThreadId": thread_id}})
        if target.get("type") == "baseBranch":
            text = f"Reviewed changes against {target.get('branch')}.\nNo material issues found."
        else:
            text = "Reviewed uncommitted changes.\nNo material issues found."
        self.turn_event(thread_id, turn_id, "turn/started", "inProgress")
        self.item(thread_id, turn_id, "started", {"type": "enteredReviewMode", "id": "rv_in",
                                                  "review": "current changes"})
        self.reasoning(thread_id, turn_id)
        self.item(thread_id, turn_id, "completed", {"type": "exitedReviewMode", "id": "rv_out",
                                                    "review": text})
        self.turn_event(thread_id, turn_id, "turn/completed", "completed")

    def turn(self, rid, params):
        thread_id, turn_id = params.get("threadId"), self.turn_id()
        prompt = "\n".join(i.get("text", "") for i in params.get("input", [])
                           if i.get("type") == "text")
        send({"id": rid, "result": {"turn": {"id": turn_id, "status": "inProgress"}}})
        schema = params.get("outputSchema") or {}
        answer = (structured_review(prompt) if "verdict" in (schema.get("properties") or {})
                  else TASK_ANSWER)
        self.turn_event(thread_id, turn_id, "turn/started", "inProgress")
        if "subagent" in BEHAVIOUR:
            self.subagent(thread_id, turn_id)
        self.reasoning(thread_id, turn_id)
        if "slow" in BEHAVIOUR:
            self.pending.append((time.monotonic() + DELAY_S, thread_id, turn_id, answer))
            return
        self.finish(thread_id, turn_id, answer)

    def finish(self, thread_id, turn_id, answer):
        self.item(thread_id, turn_id, "completed", {"type": "agentMessage", "id": "msg_" + turn_id,
                                                    "text": answer, "phase": "final_answer"})
        self.turn_event(thread_id, turn_id, "turn/completed", "completed")

    def subagent(self, thread_id, turn_id):
        sub = self.thread(None, True)
        sub_turn = self.turn_id()
        notify("thread/started", {"thread": {**sub, "name": SUBAGENT_NAME,
                                             "agentNickname": SUBAGENT_NAME}})
        wait = {"type": "collabAgentToolCall", "id": "collab_" + turn_id, "tool": "wait",
                "status": "inProgress", "senderThreadId": thread_id,
                "receiverThreadIds": [sub["id"]], "prompt": None,
                "agentsStates": {sub["id"]: {"status": "running", "message": None}}}
        self.item(thread_id, turn_id, "started", wait)
        self.turn_event(sub["id"], sub_turn, "turn/started", "inProgress")
        self.item(sub["id"], sub_turn, "completed", {
            "type": "reasoning", "id": "rs_" + sub_turn, "summary": [{"text": SUBAGENT_REASONING}]})
        self.item(sub["id"], sub_turn, "completed", {
            "type": "agentMessage", "id": "msg_" + sub_turn, "text": SUBAGENT_MESSAGE,
            "phase": "analysis"})
        self.turn_event(sub["id"], sub_turn, "turn/completed", "completed")
        self.item(thread_id, turn_id, "completed", {
            **wait, "status": "completed",
            "agentsStates": {sub["id"]: {"status": "completed", "message": SUBAGENT_MESSAGE}}})

    def interrupt(self, params):
        for entry in list(self.pending):
            if entry[2] == params.get("turnId"):
                self.pending.remove(entry)
                self.turn_event(entry[1], entry[2], "turn/completed", "interrupted")

    def timeout(self):
        """Seconds until the next slow turn is due (None: wait for input only)."""
        if not self.pending:
            return None
        return max(0.0, min(p[0] for p in self.pending) - time.monotonic())

    def due(self):
        now = time.monotonic()
        for entry in [p for p in self.pending if p[0] <= now]:
            self.pending.remove(entry)
            self.finish(entry[1], entry[2], entry[3])


def serve():
    server = Server()
    stdin = sys.stdin.buffer
    buffered = b""
    while True:
        ready, _, _ = select.select([stdin], [], [], server.timeout())
        if not ready:
            server.due()
            continue
        chunk = os.read(stdin.fileno(), 65536)
        if not chunk:
            return 0  # like the real app-server: the end of stdin ends it
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            try:
                message = json.loads(line)
            except ValueError:
                continue
            record(message)
            server.handle(message)
        server.due()


def main():
    args = sys.argv[1:]
    if args == ["--version"]:
        print(VERSION)
        return 0
    if args == ["app-server", "--help"]:
        print("Usage: codex app-server [OPTIONS]")
        return 0
    if args[:1] != ["app-server"]:
        sys.stderr.write(f"compat codex: unsupported command line {args}\n")
        return 1
    return serve()


if __name__ == "__main__":
    sys.exit(main())
