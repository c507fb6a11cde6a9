#!/usr/bin/env python3
"""Records real `codex app-server` notification streams for the TurnCapture replay tests.

    python3 tests/lib/record_traces.py [--out src/codex/testdata] [scenario ...]

For each scenario it starts a Responses API stand-in and a real app-server in a throwaway
CODEX_HOME, runs one turn (turn/start or review/start) and writes:
  <out>/<name>.jsonl   one {"method", "params"} per line: every notification from just before the
                       turn request until the turn ended (server requests are kept with their "id")
  <out>/index.json     per scenario: the request, its response, the root thread and turn ids,
                       how the wait ended, the stand-in's view of the model requests
Nothing is left running: each app-server is ended as a process group.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app_server_driver import AppServer, text_input  # noqa: E402
from codex_env import CodexEnv  # noqa: E402
from responses_stub import ResponsesStub  # noqa: E402

ADVERSARIAL_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["verdict", "summary", "findings", "next_steps"],
    "properties": {
        "verdict": {"type": "string", "enum": ["approve", "needs-attention"]},
        "summary": {"type": "string"},
        "findings": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["severity", "title", "body", "file", "line_start", "line_end",
                         "confidence", "recommendation"],
            "properties": {
                "severity": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
                "title": {"type": "string"}, "body": {"type": "string"},
                "file": {"type": "string"},
                "line_start": {"type": "integer"}, "line_end": {"type": "integer"},
                "confidence": {"type": "number"}, "recommendation": {"type": "string"}}}},
        "next_steps": {"type": "array", "items": {"type": "string"}},
    },
}

# name: (description, kind, prompt, extra turn params, thread params, wait seconds)
SCENARIOS = {
    "normal": ("final answer echoing a token; model and effort set on the turn", "turn",
               "Say hello. ECHO:tok-normal", {"model": "gpt-5.3-codex-spark", "effort": "high"}, {}, 30),
    "slow": ("answer after 1.5 s", "turn", "Slow please [[stub:slow:1500]] ECHO:tok-slow", {}, {},
             30),
    "http500": ("the model endpoint answers HTTP 500", "turn", "Fail [[stub:500]]", {}, {}, 30),
    "hang": ("the model stream never finishes; after 3 s the client sends turn/interrupt", "turn",
             "Hang [[stub:hang]]", {}, {}, 3),
    "shell": ("a shell tool call, then a final answer", "turn",
              "Run a command [[stub:shell:echo hello-from-shell]]", {}, {}, 40),
    "shell_exit3": ("a shell tool call that exits 3", "turn",
                    "Run a failing command [[stub:shell:echo failing >&2; exit 3]]", {}, {}, 40),
    "shell_verify": ("a verification command (make test)", "turn",
                     "Verify [[stub:shell:make test]]", {}, {}, 40),
    "escalate_declined": ("approvalPolicy on-request: a command asks to leave the sandbox, the "
                          "client declines", "turn", "Escalate [[stub:escalate:touch escalated.txt]]",
                          {}, {"approvalPolicy": "on-request"}, 40),
    "patch": ("workspace-write: an apply_patch tool call adds a file", "turn",
              "Write a file [[stub:patch:hello.txt]]", {}, {"sandbox": "workspace-write"}, 40),
    "patch_readonly": ("read-only: an apply_patch tool call is refused by the sandbox", "turn",
                       "Write a file [[stub:patch:blocked.txt]]", {}, {}, 40),
    "output_schema": ("turn with outputSchema; the answer is valid JSON", "turn",
                      "Adversarial review [[stub:adversarial-json]] ECHO:tok-adv",
                      {"outputSchema": ADVERSARIAL_SCHEMA}, {}, 30),
    "output_schema_bad": ("turn with outputSchema; the answer is not JSON", "turn",
                          "Adversarial review [[stub:adversarial-bad]]",
                          {"outputSchema": ADVERSARIAL_SCHEMA}, {}, 30),
    "subagent": ("the model spawns a subagent, waits for it, answers", "turn",
                 "Delegate [[stub:spawn:Child task ECHO:tok-child]]",
                 {"model": "gpt-5.2-codex"}, {}, 60),  # a model with the multi_agent_v1 tools
    "review": ("review/start of a dirty working tree (inline delivery)", "review",
               {"type": "uncommittedChanges"}, {}, {}, 40),
}


def make_repo():
    repo = tempfile.mkdtemp(prefix="trace-repo-")
    git = lambda *a: subprocess.run(["git", "-C", repo, *a], check=True, capture_output=True)
    git("init", "-q")
    git("config", "user.email", "tests@example.com")
    git("config", "user.name", "Tests")
    with open(os.path.join(repo, "a.txt"), "w") as f:
        f.write("one\n")
    with open(os.path.join(repo, "Makefile"), "w") as f:
        f.write("test:\n\t@echo all tests passed\n")
    git("add", ".")
    git("commit", "-qm", "init")
    with open(os.path.join(repo, "a.txt"), "a") as f:
        f.write("two\n")
    with open(os.path.join(repo, "untracked.txt"), "w") as f:
        f.write("new\n")
    return repo


def summarize_requests(requests):
    out = []
    for r in requests:
        body = r.get("body") or {}
        out.append({"behaviour": r.get("behaviour"), "model": body.get("model"),
                    "reasoning": body.get("reasoning"), "text": body.get("text"),
                    "tools": [t.get("name") or t.get("type") for t in body.get("tools") or []
                              if isinstance(t, dict)]})
    return out


def run_scenario(name, spec, out_dir):
    description, kind, prompt, turn_extra, thread_extra, wait_s = spec
    repo = make_repo()
    log = os.path.join(tempfile.mkdtemp(prefix="trace-log-"), "requests.jsonl")
    entry = {"name": name, "description": description}
    try:
        with ResponsesStub(default="normal", log_path=log, hang_limit_s=60) as stub, \
                CodexEnv(stub.port) as cenv, AppServer(cenv, cwd=repo) as srv:
            srv.initialize()
            thread_params = {"cwd": repo, "approvalPolicy": "never", "sandbox": "read-only",
                             "ephemeral": True, **thread_extra}
            thread = srv.request("thread/start", thread_params)
            thread_id = thread["thread"]["id"]
            srv.drain(0.3)  # startup traffic (configWarning, thread/started) is not recorded
            start = len(srv.transcript)
            if kind == "review":
                method = "review/start"
                params = {"threadId": thread_id, "target": prompt}
            else:
                method = "turn/start"
                params = {"threadId": thread_id, "input": text_input(prompt), **turn_extra}
            response = srv.request(method, params)
            turn_id = response["turn"]["id"]
            root = response.get("reviewThreadId") or thread_id
            _, outcome = srv.wait_turn(root, turn_id, timeout_s=wait_s)
            entry.update(request={"method": method, "params": params}, response=response,
                         threadParams=thread_params, rootThreadId=root, turnId=turn_id,
                         outcome=outcome)
            if outcome == "timeout" and name == "hang":
                entry["interrupt"] = srv.request("turn/interrupt",
                                                 {"threadId": root, "turnId": turn_id})
                _, entry["outcomeAfterInterrupt"] = srv.wait_turn(root, turn_id, timeout_s=15)
            srv.drain(0.5)
            lines = []
            for rec in srv.transcript[start:]:
                msg = rec["msg"]
                if rec["dir"] == "in" and "method" in msg:
                    line = {"method": msg["method"], "params": msg.get("params")}
                    if "id" in msg:
                        line["id"] = msg["id"]
                    lines.append(line)
            with open(os.path.join(out_dir, f"{name}.jsonl"), "w") as f:
                for line in lines:
                    f.write(json.dumps(line, sort_keys=True) + "\n")
            entry["notifications"] = len(lines)
            entry["modelRequests"] = summarize_requests(stub.requests)
            entry["serverRequests"] = [m for m in lines if "id" in m]
            entry["clientRequests"] = [r["msg"] for r in srv.transcript[start:]
                                       if r["dir"] == "out" and "method" in r["msg"]]
    finally:
        shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(os.path.dirname(log), ignore_errors=True)
    return entry


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "..", "src", "codex",
                                                      "testdata"))
    parser.add_argument("scenarios", nargs="*")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    index_path = os.path.join(args.out, "index.json")
    index = {}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = {e["name"]: e for e in json.load(f)}
    for name in args.scenarios or SCENARIOS:
        started = time.monotonic()
        entry = run_scenario(name, SCENARIOS[name], args.out)
        index[name] = entry
        print(f"{name}: {entry.get('outcome')} {entry.get('outcomeAfterInterrupt', '')} "
              f"{entry.get('notifications')} notifications, {time.monotonic() - started:.1f}s",
              flush=True)
    with open(index_path, "w") as f:
        json.dump([index[k] for k in sorted(index)], f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
