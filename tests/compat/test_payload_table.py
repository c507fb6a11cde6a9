"""THE PAYLOAD TABLE: every field of every --json payload the reference plugin prints.

Regression (issue 7 fault 5): payloads lacked fields of the reference's (setup's auth.loggedIn,
node, sessionRuntime.detail; the stored request's jobId and resumeLast; a cancelled job's
cancelledAt), so scripts written for the reference misread them.

The table below lists, per payload of openai/codex-plugin-cc 1.0.5 (plugins/codex/scripts/
codex-companion.mjs, lib/job-control.mjs, lib/codex.mjs), every field path and its JSON type, as
measured from the reference against its own test fixture. Our binary's payload for the same command
must have every one of those fields with that type; ours may add fields, never drop or rename one.

Paths: `a.b` is member b of object a; `a[]` is every element of array a (checked when it has
any). Types: string, number, boolean, object, array, null; `string|null` allows either.

To add a payload, add its fields to PAYLOADS and a way to produce it to Payloads.collect().
`transfer` is listed already: the engineer who adds the command replaces collect_transfer().
"""

import json
import os
import unittest

from compat_case import CompatCase
from companion_testlib import wait_until

# --- the reference's fields ---------------------------------------------------------------------

SETUP = {
    "ready": "boolean",
    "node": "object", "node.available": "boolean", "node.detail": "string",
    "npm": "object", "npm.available": "boolean", "npm.detail": "string",
    "codex": "object", "codex.available": "boolean", "codex.detail": "string",
    "auth": "object", "auth.available": "boolean", "auth.loggedIn": "boolean",
    "auth.detail": "string", "auth.source": "string", "auth.authMethod": "string|null",
    "auth.verified": "boolean|null", "auth.requiresOpenaiAuth": "boolean|null",
    "auth.provider": "string|null",
    "sessionRuntime": "object", "sessionRuntime.mode": "string", "sessionRuntime.label": "string",
    "sessionRuntime.detail": "string", "sessionRuntime.endpoint": "string|null",
    "reviewGateEnabled": "boolean", "actionsTaken": "array", "nextSteps": "array",
}

TARGET = {"target": "object", "target.mode": "string", "target.label": "string",
          "target.explicit": "boolean"}
CODEX = {"codex": "object", "codex.status": "number", "codex.stdout": "string",
         "codex.stderr": "string", "codex.reasoning": "array"}

REVIEW = {"review": "string", **TARGET, "threadId": "string", "sourceThreadId": "string", **CODEX}

ADVERSARIAL_REVIEW = {
    "review": "string", **TARGET, "threadId": "string",
    "context": "object", "context.repoRoot": "string", "context.branch": "string",
    "context.summary": "string", **CODEX,
    "result": "object|null", "result.verdict": "string", "result.summary": "string",
    "result.findings": "array", "result.findings[]": "object",
    "result.findings[].severity": "string", "result.findings[].title": "string",
    "result.findings[].body": "string", "result.findings[].file": "string",
    "result.findings[].line_start": "number", "result.findings[].line_end": "number",
    "result.findings[].confidence": "number", "result.findings[].recommendation": "string",
    "result.next_steps": "array",
    "rawOutput": "string", "parseError": "string|null", "reasoningSummary": "array",
}

TASK = {"status": "number", "threadId": "string", "rawOutput": "string", "touchedFiles": "array",
        "reasoningSummary": "array"}

TASK_BACKGROUND = {"jobId": "string", "status": "string", "title": "string", "summary": "string",
                   "logFile": "string"}

# The stored request of a background task.
REQUEST = {"request": "object", "request.cwd": "string", "request.model": "string|null",
           "request.effort": "string|null", "request.prompt": "string", "request.write": "boolean",
           "request.resumeLast": "boolean", "request.jobId": "string"}

# A job record (the state.json index entry of the reference), as `result` prints it.
JOB = {"id": "string", "kind": "string", "kindLabel": "string", "jobClass": "string",
       "title": "string", "summary": "string", "status": "string", "phase": "string",
       "workspaceRoot": "string", "sessionId": "string", "write": "boolean",
       "createdAt": "string", "updatedAt": "string", "logFile": "string", "pid": "number|null",
       **REQUEST}
STARTED = {"startedAt": "string"}
ENDED = {"completedAt": "string", "threadId": "string", "turnId": "string", "pid": "null"}
# What status adds to every job it prints.
ENRICHED = {"progressPreview": "array", "elapsed": "string|null", "duration": "string|null"}


def under(prefix, fields):
    return {f"{prefix}.{path}": kind for path, kind in fields.items()}


RUNNING_JOB = {**JOB, **ENRICHED, "pid": "number", "elapsed": "string", "duration": "null"}
FINISHED_JOB = {**JOB, **STARTED, **ENRICHED, **ENDED, "elapsed": "string", "duration": "string"}
STATUS_REPORT = {"workspaceRoot": "string", "config": "object", "config.stopReviewGate": "boolean",
                 "sessionRuntime": "object", "sessionRuntime.mode": "string",
                 "sessionRuntime.label": "string", "sessionRuntime.detail": "string",
                 "sessionRuntime.endpoint": "string|null", "running": "array",
                 "latestFinished": "object|null", "recent": "array", "needsReview": "boolean"}
TASK_RESULT = {"result": "object", **under("result", TASK)}

PAYLOADS = {
    "setup": SETUP,
    "setup --enable-review-gate": SETUP,
    "review": REVIEW,
    "adversarial-review": ADVERSARIAL_REVIEW,
    "task": TASK,
    "task --background": TASK_BACKGROUND,
    "status (a job running)": {**STATUS_REPORT, **under("running[]", RUNNING_JOB)},
    "status JOB (running)": {"workspaceRoot": "string", "job": "object",
                             **under("job", {**RUNNING_JOB, **STARTED})},
    "status JOB --wait": {"workspaceRoot": "string", "job": "object",
                          **under("job", FINISHED_JOB), "waitTimedOut": "boolean",
                          "timeoutMs": "number"},
    "status": {**STATUS_REPORT, **under("latestFinished", FINISHED_JOB),
               **under("recent[]", FINISHED_JOB)},
    "status --all": {**STATUS_REPORT, **under("latestFinished", FINISHED_JOB)},
    "result JOB": {"job": "object", **under("job", {**JOB, **STARTED, **ENDED}),
                   "storedJob": "object",
                   **under("storedJob", {**JOB, **STARTED, **ENDED, "rendered": "string",
                                         **TASK_RESULT})},
    "result": {"job": "object", **under("job", {**JOB, **ENDED}), "storedJob": "object",
               **under("storedJob", {**JOB, **ENDED, "rendered": "string", **TASK_RESULT})},
    "cancel JOB": {"jobId": "string", "status": "string", "title": "string",
                   "turnInterruptAttempted": "boolean", "turnInterrupted": "boolean"},
    "status JOB (cancelled)": {"workspaceRoot": "string", "job": "object",
                               **under("job", {**FINISHED_JOB, "errorMessage": "string"})},
    "result JOB (cancelled)": {"job": "object",
                               **under("job", {**JOB, **ENDED, "errorMessage": "string"}),
                               "storedJob": "object",
                               **under("storedJob", {**JOB, **STARTED, **ENDED,
                                                     "errorMessage": "string",
                                                     "cancelledAt": "string"})},
    "task-resume-candidate": {"available": "boolean", "sessionId": "string|null",
                              "candidate": "object", "candidate.id": "string",
                              "candidate.status": "string", "candidate.title": "string",
                              "candidate.summary": "string", "candidate.threadId": "string",
                              "candidate.completedAt": "string", "candidate.updatedAt": "string"},
    "task-resume-candidate (none)": {"available": "boolean", "sessionId": "string|null",
                                     "candidate": "null"},
    "transfer": {"threadId": "string", "resumeCommand": "string", "sourcePath": "string",
                 "sessionId": "string"},
}

# --- fields ours adds ----------------------------------------------------------------------------
# Not the reference's (its users lose nothing without them), but ours to keep: README "What Codex
# resolved" and "Retention". Checked with the table, so they are never dropped or renamed either.
OURS_JOB = {"origin": "string", "readAt": "string|null", "resolved": "object|null",
            "resolved.model": "string|null", "resolved.effort": "string|null",
            "resolved.modelProvider": "string|null", "resolved.sandbox": "string|null",
            "resolved.approvalPolicy": "string|null", "resolved.codexVersion": "string|null",
            "resolved.runtime": "string|null"}
OURS = {
    "status (a job running)": under("running[]", OURS_JOB),
    "status JOB (running)": under("job", OURS_JOB),
    "status JOB --wait": under("job", OURS_JOB),
    "status": under("latestFinished", OURS_JOB),
    "result JOB": {**under("job", OURS_JOB), **under("storedJob", OURS_JOB),
                   "job.readAt": "string", "job.resolved": "object",
                   "job.resolved.runtime": "string"},
    "result": {**under("job", OURS_JOB), **under("storedJob", OURS_JOB)},
}

# --- checking ------------------------------------------------------------------------------------


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def values_at(document, path):
    """Every value at `path` (several under `[]`); None when a member on the way is missing."""
    values = [document]
    for part in path.split("."):
        name, each = (part[:-2], True) if part.endswith("[]") else (part, False)
        found = []
        for value in values:
            if not isinstance(value, dict) or name not in value:
                return None
            member = value[name]
            if each:
                if not isinstance(member, list):
                    return None
                found.extend(member)
            else:
                found.append(member)
        values = found
    return values


def problems(document, fields):
    """Where `document` lacks a field of `fields` or holds another type."""
    out = []
    for path, kind in sorted(fields.items()):
        parent = path.rsplit(".", 1)[0] if "." in path else None
        if parent is not None and parent in fields:
            parents = values_at(document, parent)
            if parents is not None and all(p is None for p in parents):
                continue  # e.g. result.verdict when result is null: nothing to look into
        values = values_at(document, path)
        if values is None:
            out.append(f"{path}: missing (reference type {kind})")
            continue
        for value in values:
            if json_type(value) not in kind.split("|"):
                out.append(f"{path}: {json_type(value)}, the reference has {kind}")
    return out


class Payloads(CompatCase):
    """Produces each payload of PAYLOADS with our binary and checks it against the table."""

    SESSION = "sess-payloads"

    def collect(self):
        """name -> payload, produced as the reference's users would produce them."""
        self.env["CODEX_COMPANION_SESSION_ID"] = self.SESSION
        self.repo(dirty={"src/app.js": "export const first = items[0].id;\n"})
        got = {"setup": self.run_json("setup", timeout=60),
               "setup --enable-review-gate": self.run_json("setup", "--enable-review-gate",
                                                           timeout=60),
               "review": self.run_json("review"),
               "adversarial-review": self.run_json("adversarial-review", "look at indexing"),
               "task": self.run_json("task", "investigate the failing test")}
        self.behave("slow")
        self.env["COMPAT_CODEX_DELAY_MS"] = "1500"
        launch = self.run_json("task", "--background", "investigate the failing test")
        job_id = launch["jobId"]
        got["task --background"] = launch
        got["status (a job running)"] = self.run_json("status")
        got["status JOB (running)"] = self.wait_running(job_id)
        got["status JOB --wait"] = self.run_json("status", job_id, "--wait", "--timeout-ms",
                                                 "30000")
        got["status"] = self.run_json("status")
        got["status --all"] = self.run_json("status", "--all")
        got["result JOB"] = self.run_json("result", job_id)
        got["result"] = self.run_json("result")
        self.env["COMPAT_CODEX_DELAY_MS"] = "60000"
        doomed = self.run_json("task", "--background", "never finishes")["jobId"]
        self.wait_running(doomed, turn=True)
        got["cancel JOB"] = self.run_json("cancel", doomed)
        got["status JOB (cancelled)"] = self.run_json("status", doomed)
        got["result JOB (cancelled)"] = self.run_json("result", doomed)
        got["task-resume-candidate"] = self.run_json("task-resume-candidate")
        got["task-resume-candidate (none)"] = self.run_json(
            "task-resume-candidate", env={"CODEX_COMPANION_SESSION_ID": "sess-other"})
        got["transfer"] = self.collect_transfer()
        return got

    def collect_transfer(self):
        """HOOK for the transfer command: run `transfer --json` against a Claude transcript under
        $HOME/.claude/projects (the fake Codex needs externalAgentConfig/import and the import
        ledger for it) and return its payload."""
        return None

    def wait_running(self, job_id, turn=False):
        """`status JOB --json` once the job runs (and, with turn, once its Codex turn started)."""
        def running():
            snapshot = self.run_json("status", job_id)
            job = snapshot["job"]
            started = job["status"] == "running" and (not turn or job["turnId"])
            return snapshot if started else None
        return wait_until(running, 30, what=f"{job_id} running")

    def test_every_reference_field_is_there_with_its_type(self):
        got = self.collect()
        self.assertEqual(sorted(got), sorted(PAYLOADS), "a payload of the table is not produced")
        for name, fields in PAYLOADS.items():
            with self.subTest(payload=name):
                if got[name] is None:
                    self.skipTest(f"{name}: not produced yet (see {name} HOOK)")
                self.assertEqual(problems(got[name], {**fields, **OURS.get(name, {})}), [],
                                 f"{name}:\n{json.dumps(got[name], indent=1)[:4000]}")


class TableChecker(unittest.TestCase):
    """The checker itself can fail."""

    def test_missing_renamed_and_mistyped_fields_are_found(self):
        fields = {"a": "object", "a.b": "string", "c[]": "object", "c[].d": "number|null"}
        self.assertEqual(problems({"a": {"b": "x"}, "c": [{"d": 1}, {"d": None}], "e": 1}, fields),
                         [])
        self.assertEqual(problems({"a": {"B": "x"}, "c": []}, fields),
                         ["a.b: missing (reference type string)"])
        self.assertEqual(problems({"a": {"b": 3}, "c": [{"d": "1"}]}, fields),
                         ["a.b: number, the reference has string",
                          "c[].d: string, the reference has number|null"])
        self.assertEqual(problems({"a": None, "c": [{"d": True}]}, {**fields, "a": "object|null"}),
                         ["c[].d: boolean, the reference has number|null"])


if __name__ == "__main__":
    unittest.main()
