"""Running the companion's Claude Code hooks and `transfer` as Claude Code does: the hook's JSON on
stdin, the plugin's environment variables, a private HOME with ~/.claude/projects and a private
CODEX_HOME. Codex is the scriptable fake app-server (tests/fixtures/fake_app_server.py) unless a
test says otherwise."""

import json
import os
import subprocess
import time

from companion_testlib import BIN, wait_until
from fake_codex_case import FakeCodexCase


class HookCase(FakeCodexCase):
    """A FakeCodexCase with a HOME holding ~/.claude/projects/-repo and a CODEX_HOME."""

    def setUp(self):
        super().setUp()
        self.home = os.path.join(self.tmp, "home")
        self.projects = os.path.join(self.home, ".claude", "projects")
        os.makedirs(os.path.join(self.projects, "-repo"), mode=0o700)
        self.codex_home = os.path.join(self.tmp, "codex-home")
        os.makedirs(self.codex_home, mode=0o700)
        self.env["HOME"] = self.home
        self.env["CODEX_HOME"] = self.codex_home
        for var in ("CLAUDE_ENV_FILE", "CLAUDE_CONFIG_DIR", "CLAUDE_PROJECT_DIR",
                    "CODEX_COMPANION_TRANSCRIPT_PATH", "CODEX_COMPANION_JOB_TIMEOUT_MS",
                    "CODEX_COMPANION_TURN_STALL_MS", "FAKE_APP_SERVER_MODE",
                    "FAKE_APP_SERVER_FINAL", "FAKE_APP_SERVER_IMPORT", "FAKE_APP_SERVER_ERROR"):
            self.env.pop(var, None)

    def hook(self, event, payload=None, raw=None, env=None, timeout=60):
        """Runs `hook EVENT` with `payload` as JSON on stdin (or `raw` bytes); returns the
        CompletedProcess (bytes) and how long it took."""
        data = raw if raw is not None else json.dumps(payload or {}).encode()
        merged = dict(self.env)
        merged.update(env or {})
        started = time.monotonic()
        proc = subprocess.run([BIN, "hook", event], cwd=self.workspace, env=merged, input=data,
                              capture_output=True, timeout=timeout)
        proc.seconds = time.monotonic() - started
        return proc

    def hook_input(self, event_name, session_id, **fields):
        """The fields Claude Code 2.1.332 sends every hook, plus `fields`."""
        doc = {"session_id": session_id,
               "transcript_path": os.path.join(self.projects, "-repo", session_id + ".jsonl"),
               "cwd": self.workspace, "hook_event_name": event_name}
        doc.update(fields)
        return doc

    def write_transcript(self, name="0f3c8a52-1d7e-4a55-9c1b-6e2f0a9d4b11", lines=None):
        path = os.path.join(self.projects, "-repo", name + ".jsonl")
        entries = lines or [
            {"type": "user", "cwd": self.workspace,
             "message": {"role": "user", "content": "Initial request"}},
            {"type": "assistant", "cwd": self.workspace,
             "message": {"role": "assistant", "content": "Initial answer"}}]
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps(e) + "\n" for e in entries))
        return path

    def app_server_log_text(self):
        """The fake app-server's log, for a failing assertion's message."""
        if not os.path.exists(self.app_server_log):
            return "(no app-server log)"
        with open(self.app_server_log, encoding="utf-8") as f:
            return f.read()

    def app_server_starts(self):
        if not os.path.exists(self.app_server_log):
            return 0
        with open(self.app_server_log, encoding="utf-8") as f:
            return sum(1 for line in f if json.loads(line).get("event") == "start")

    def status_of(self, job_id):
        return self.run_json("status", job_id)["job"]

    def launch_background(self, prompt, session_id, env=None):
        merged = {"CODEX_COMPANION_SESSION_ID": session_id}
        merged.update(env or {})
        launched = self.run_json("task", "--background", prompt, env=merged)
        return launched["jobId"]

    def wait_status(self, job_id, statuses, timeout=30):
        return wait_until(lambda: self.status_of(job_id)["status"] in statuses, timeout,
                          interval=0.05, what=f"job {job_id} in {statuses}")

    def cancel_and_wait(self, job_id):
        self.run_cli("cancel", job_id, timeout=30)
        self.wait_status(job_id, ("cancelled", "failed", "completed"))
