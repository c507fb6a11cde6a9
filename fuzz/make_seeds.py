#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (fuzz/corpus/<target>/) from the project's own
recordings and fixtures: the real `codex app-server` traces (src/codex/testdata, recorded with
tests/lib/record_traces.py), the review output schema, and hand-made argument strings and stored
rows. Re-run after re-recording the traces:  python3 fuzz/make_seeds.py

Inputs that crashed a target are kept in fuzz/crashes/<target>/ (replayed whole on every run,
never mutated); this script does not touch them.
"""

import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
TESTDATA = ROOT / "src" / "codex" / "testdata"
CORPUS = ROOT / "fuzz" / "corpus"


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (directory / name).write_bytes(data)


def traces():
    """(index entry, [message, ...]) per recorded trace, server requests included."""
    for entry in json.loads((TESTDATA / "index.json").read_text(encoding="utf-8")):
        lines = (TESTDATA / (entry["name"] + ".jsonl")).read_text(encoding="utf-8").splitlines()
        yield entry, [json.loads(line) for line in lines if line.strip()]


def turn_capture_seeds():
    for entry, messages in traces():
        notes = [compact({"method": m["method"], "params": m.get("params", {})})
                 for m in messages if "id" not in m]
        header = {"rootThreadId": entry["rootThreadId"], "turnId": entry["turnId"]}
        write("turn_capture", entry["name"], "\n".join([compact(header)] + notes) + "\n")
        if entry["name"] in ("normal", "review", "subagent", "http500"):
            # The turn/start response arrives after every notification: all of them buffered.
            late = dict(header, setTurnIdAt=len(notes))
            write("turn_capture", entry["name"] + "_late_response",
                  "\n".join([compact(late)] + notes + ["!grace"]) + "\n")
    write("turn_capture", "generated", "A\nturn\n\x01\x02\x03\n!grace\n")


def rpc_dispatch_seeds():
    for entry, messages in traces():
        lines = []
        for request in entry.get("clientRequests", []):
            # Our Connection numbers its requests from 1; the fuzz target sends four.
            lines.append(compact({"id": 1 + request["id"] % 4, "result": entry["response"]}))
        lines += [compact(m) for m in messages]
        write("rpc_dispatch", entry["name"], "\n".join(lines) + "\n")
    write("rpc_dispatch", "errors_and_odd_ids",
          "#max_line 200\n"
          '{"id":1,"error":{"code":-32600,"message":"Not initialized"}}\n'
          '{"id":2,"error":"plain"}\r\n'
          '{"id":"2","result":{}}\n{"id":2.5,"result":null}\n{"id":[1],"method":"x"}\n'
          '{"id":"s-1","method":"item/tool/requestUserInput","params":{}}\n'
          '{"method":"configWarning","params":{"summary":"x"}}\nnot json\n[1,2]\n\n'
          '{"id":3,"result":1}\n{"id":3,"result":2}\n')


def args_seeds():
    seeds = {
        "task_raw": "\x00--background --write --model spark fix the \"bug\" in --write's path",
        "task_quoted_value": "\x00--model='gpt 5' --effort=high   two  spaces\tand a tab\\",
        "task_dashdash": "\x00--fresh -- --write is text, not a flag",
        "task_unbalanced": "\x00--resume don't stop \"here",
        "review_scope": "\x01--base main --scope branch --wait=false look at 'quotes' \\\"x",
        "review_cwd": "\x01-C /tmp/x --cwd=\"/a b\" --json focus\nsecond line",
        "status_interleaved": "\x02task-abc --all --timeout-ms 100 --poll-interval-ms=5 -- --x",
        "worker": "\x03--job-id task-mwu3p2vl-6e00y8",
        "bad_bool": "\x02--all=maybe",
        "missing_value": "\x00--model",
        "round_trip": "\x02a\x1fb c\x1f'd'\x1f\x1f\"e\\",
    }
    for name, text in seeds.items():
        write("args", name, text)


def line_codec_seeds():
    _, messages = next(traces())
    stream = "".join(compact(m) + "\n" for m in messages[:4])
    write("line_codec", "trace_lines", stream + "\x40\x10\x01")
    write("line_codec", "crlf_and_empty", "a\r\n\r\n\nb\rc\n" + "x" * 70 + "\n\x05\x03\x01")
    write("line_codec", "small_bound", "0123456789\n" * 8 + "\x07\x00\x0c\x01")


def schema():
    return json.loads((ROOT / "plugin" / "schemas" / "review-output.schema.json")
                      .read_text(encoding="utf-8"))


def final_messages(name):
    """The agentMessage texts of a recorded trace."""
    for entry, messages in traces():
        if entry["name"] != name:
            continue
        for m in messages:
            item = m.get("params", {}).get("item", {})
            if m.get("method") == "item/completed" and item.get("type") == "agentMessage":
                yield item.get("text", "")
            if m.get("method") == "item/completed" and item.get("type") == "exitedReviewMode":
                yield item.get("review", "")


def review_output_seeds():
    review = {"verdict": "needs-attention", "summary": "Two problems.",
              "findings": [{"severity": "high", "title": "Off by one", "body": "The loop\nends early.",
                            "file": "src/a.cc", "line_start": 10, "line_end": 12,
                            "confidence": 0.8, "recommendation": "Use <="},
                           {"severity": "weird", "title": "", "file": "", "line_start": -3,
                            "confidence": 7}],
              "next_steps": ["Fix it", " ", 3]}
    write("review_output", "valid", compact(review))
    write("review_output", "fenced", "Here it is:\n```json\n" + json.dumps(review, indent=1) +
          "\n```\nthanks")
    write("review_output", "long_fence", "````\n" + compact(review) + "\n```` trailing")
    write("review_output", "braces", "prefix {" + compact(review)[1:-1] + "} suffix")
    write("review_output", "wrong_shape", compact({"verdict": "maybe", "findings": {}}))
    for name in ("output_schema", "output_schema_bad", "review"):
        for i, text in enumerate(final_messages(name)):
            write("review_output", f"{name}_{i}", text)


def stored_rows_seeds():
    target = {"mode": "branch", "label": "branch diff against main", "baseRef": "main",
              "explicit": True}
    task = {"kind": "task", "cwd": "/repo", "prompt": "fix the bug", "model": "spark",
            "effort": None, "write": True, "resumeThreadId": None, "threadName": "Codex Task",
            "outputSchema": None, "reviewTarget": None, "target": None, "context": None,
            "focus": ""}
    adversarial = dict(task, kind="adversarial-review", write=False, outputSchema=schema(),
                       target=target, context={"repoRoot": "/repo", "branch": "b"},
                       focus="races")
    review = dict(task, kind="review", reviewTarget={"type": "baseBranch", "branch": "main"},
                  target=target)
    job = {"id": "task-mwu3p2vl-6e00y8", "kind": "task", "title": "Codex Task",
           "summary": "fix", "status": "completed", "phase": "done", "createdAt": 1795000000000,
           "startedAt": 1795000001000, "completedAt": 1795000100000, "updatedAt": 1795000100000,
           "threadId": "thr", "endReason": "completed", "logFile": "/l",
           "log": "[2026-11-24T03:19:43.123Z] Turn started.\n[2026-11-24T03:19:44.000Z] Done\n",
           "now": 1795000200000, "request": task,
           "result": {"status": 0, "threadId": "thr", "rawOutput": "All fixed.",
                      "touchedFiles": ["/repo/a"], "reasoningSummary": ["looked"]}}
    write("stored_rows", "task_job", compact(job))
    write("stored_rows", "adversarial_job", compact(dict(
        job, kind="adversarial-review", status="running", phase="reviewing", request=adversarial,
        result=None, completedAt=None, now=-5)))
    write("stored_rows", "review_job", compact(dict(
        job, kind="review", status="failed", endReason="app-server-exited", request=review,
        result={"review": "Review", "codex": {"status": 1, "stdout": "", "stderr": "died"}})))
    write("stored_rows", "status_report", compact({
        "workspaceRoot": "/repo", "config": {"stopReviewGate": True},
        "sessionRuntime": {"label": "direct"}, "running": [job], "latestFinished": job,
        "recent": [job, {"id": 3}], "needsReview": False}))
    write("stored_rows", "request_only", compact(adversarial))


def router_seeds():
    """Each recorded trace through the broker's Router: client 1 starts the thread and the turn
    (the Router numbers its requests to the app-server from 1), client 2 connects and starts a
    thread of its own, the trace flows (client 1 answers the first forwarded server request),
    time passes, client 1 leaves mid-way in the second seed of each trace."""
    for entry, messages in traces():
        root, turn = entry["rootThreadId"], entry["turnId"]
        method = entry.get("request", "turn/start")
        method = method if method in ("turn/start", "review/start") else "turn/start"
        result = {"turn": {"id": turn, "status": "inProgress"}}
        if method == "review/start":
            result["reviewThreadId"] = root
        head = ["+1", "+2",
                "1 " + compact({"id": 1, "method": "initialize", "params": {}}),
                "1 " + compact({"id": 2, "method": "thread/start", "params": {"cwd": "/w"}}),
                compact({"id": 1, "result": {"thread": {"id": root}}}),
                "1 " + compact({"id": 3, "method": method,
                                "params": {"threadId": root, "input": []}}),
                compact({"id": 2, "result": result}),
                "2 " + compact({"id": "a", "method": "thread/start", "params": {}}),
                compact({"id": 3, "result": {"thread": {"id": "other-thread"}}})]
        body = [compact(m) for m in messages]
        answer = "1 " + compact({"id": 1, "result": {"decision": "decline"}})
        write("router", entry["name"], "\n".join(head + body + [answer, "@6000", "-1"]) + "\n")
        half = len(body) // 2
        write("router", entry["name"] + "_client_leaves",
              "\n".join(head + body[:half] + ["-1"] + body[half:] + ["@6000"]) + "\n")
    write("router", "odd_lines", "+1\n1 not json\n1 [1]\n1 {\"id\":[1]}\n"
          "1 {\"id\":7,\"method\":\"broker/ping\"}\n{\"id\":99,\"result\":{}}\n"
          "{\"method\":\"turn/started\",\"params\":{\"threadId\":5}}\n"
          "{\"id\":\"s\",\"method\":\"item/tool/requestUserInput\",\"params\":"
          "{\"threadId\":\"nobody\"}}\n1 {\"id\":8,\"method\":\"broker/shutdown\","
          "\"params\":{\"ifIdle\":true}}\n")


def deep_seeds():
    """Small inputs nested past sys::kMaxJsonDepth (256), for the branch that refuses them."""
    deep = "[" * 300 + "]" * 300
    write("review_output", "deep_answer", compact({"verdict": "approve", "summary": "",
                                                   "findings": [], "next_steps": []})[:-1]
          + ',"x":' + deep + "}")
    write("stored_rows", "deep_request", '{"id":"task-a","request":' + deep + "}")
    write("turn_capture", "deep_params", '{"rootThreadId":"t","turnId":"u"}\n'
          '{"method":"item/completed","params":{"threadId":"t","item":' + deep + "}}\n")
    write("rpc_dispatch", "deep_params", '{"method":"item/completed","params":' + deep + "}\n")


def main():
    turn_capture_seeds()
    rpc_dispatch_seeds()
    args_seeds()
    line_codec_seeds()
    review_output_seeds()
    stored_rows_seeds()
    router_seeds()
    deep_seeds()


if __name__ == "__main__":
    main()
