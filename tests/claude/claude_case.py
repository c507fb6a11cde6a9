"""The base of the `claude` suites: the real Claude Code CLI, headless, against the local Messages
API stand-in, in a private HOME; the codex-companion plugin (or a probe plugin) loaded with
--plugin-dir or installed; the native runtime behind the plugin's launcher recorded by
tests/fixtures/recording_native.py; Codex played by tests/fixtures/fake_app_server.py.

A test sets `self.rules` (messages_stub rules) before calling run(); the stand-in reads them on
every request. tearDown fails a test that leaves a process of its private HOME behind.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import unittest
import uuid

from claude_env import ClaudeEnv, claude_binary
from companion_testlib import BIN, SOURCE_DIR, wait_until
from messages_stub import MessagesStub
from scratch import scratch_dir

PLUGIN_DIR = os.path.join(SOURCE_DIR, "plugin")
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures")
FAKE_APP_SERVER = os.path.join(FIXTURES, "fake_app_server.py")
RECORDER = os.path.join(FIXTURES, "recording_native.py")
# The Claude Code version the facts in SPEC.md section 7 and test_claude_facts were measured on.
MEASURED_VERSION = "2.1.332"


def command_request(req, name):
    """True when `req` is the main thread's request right after the user ran /codex:NAME."""
    return f"<command-name>/codex:{name}</command-name>" in req.last_user_text()


def between(text, start, end):
    """The text between the first `start` and the following `end` ("" when absent)."""
    i = text.find(start)
    if i < 0:
        return ""
    j = text.find(end, i + len(start))
    return text[i + len(start):j] if j >= 0 else ""


def tagged(text, tag):
    """The content of <tag>…</tag> without the newline after the opening and before the closing
    tag (how the command files frame $ARGUMENTS)."""
    return between(text, f"<{tag}>\n", f"\n</{tag}>")


def bash_template(text, program):
    """The first ```bash block in `text` that runs `program` (a command file's instructions)."""
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        if block.lstrip().startswith(program):
            return block
    return ""


class ClaudeCase(unittest.TestCase):
    """A MessagesStub, a ClaudeEnv and the recording launcher for each test."""

    def setUp(self):
        if not BIN or not os.path.exists(BIN):
            self.fail("COMPANION_BIN is not set to the built codex-companion")
        if not os.path.exists(claude_binary()):
            self.fail(f"Claude Code is not installed at {claude_binary()}; run scripts/setup")
        self.rules = []
        # Every run_claude of a test is one Claude Code session (the first creates it, the next
        # ones resume it), so jobs made with companion(session=True) belong to it whether or not
        # the plugin's SessionStart hook exports CODEX_COMPANION_SESSION_ID.
        self.session_id = str(uuid.uuid4())
        self._session_started = False
        self.stub = MessagesStub(rules=[self._dispatch]).start()
        self.addCleanup(self.stub.stop)
        self.tmp = scratch_dir("claude-case-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.native_log = os.path.join(self.tmp, "native.jsonl")
        self.app_server_log = os.path.join(self.tmp, "app-server.jsonl")
        self.cenv = ClaudeEnv(self.stub, root=os.path.join(self.tmp, "claude"), extra_env={
            "CODEX_COMPANION_NATIVE": RECORDER,
            "RECORDING_NATIVE_REAL": BIN,
            "RECORDING_NATIVE_LOG": self.native_log,
            "CODEX_COMPANION_CODEX": FAKE_APP_SERVER,
            "FAKE_APP_SERVER_LOG": self.app_server_log,
            # One app-server per job: no shared broker outlives a test's Claude Code session.
            "CODEX_COMPANION_RUNTIME": "direct",
        })

    def tearDown(self):
        leftovers = self.cenv.leftover_processes()
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.assertEqual(leftovers, [], "processes of the test's HOME outlived the test")

    def _dispatch(self, req):
        for rule in self.rules:
            blocks = rule(req)
            if blocks:
                return blocks
        return None

    # Running --------------------------------------------------------------------------------

    def run_claude(self, prompt, plugin_dir=PLUGIN_DIR, extra_args=(), timeout=120, env=None):
        session = ["--resume" if self._session_started else "--session-id", self.session_id]
        self._session_started = True
        run = self.cenv.run_prompt(prompt, plugin_dir=plugin_dir,
                                   extra_args=[*session, *extra_args], timeout=timeout, env=env)
        self.assertFalse(run.timed_out, run.describe())
        return run

    def git(self, *args):
        env = dict(self.cenv.env(), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
        return subprocess.run(["git", *args], cwd=self.cenv.project, env=env, check=True,
                              capture_output=True, text=True, timeout=30)

    def write_file(self, relative, text):
        path = os.path.join(self.cenv.project, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def companion(self, *args, input_text=None, timeout=60, session=False, env=None):
        """The built binary, run directly in the project with the test's environment (plus
        `env`); with `session`, as part of the test's Claude Code session (else it sees every
        session)."""
        extra = dict(env or {})
        if session:
            extra["CODEX_COMPANION_SESSION_ID"] = self.session_id
        env = self.cenv.env(extra)
        return subprocess.run([BIN, *args], cwd=self.cenv.project, env=env,
                              input=input_text, capture_output=True, text=True, timeout=timeout)

    # What reached the runtime and Codex ------------------------------------------------------

    def native_calls(self, command=None):
        """The recorded launcher calls (without its own --version probes), optionally only those
        of one subcommand."""
        calls = []
        if os.path.exists(self.native_log):
            with open(self.native_log, encoding="utf-8") as f:
                calls = [json.loads(line) for line in f if line.strip()]
        calls = [c for c in calls if c["argv"] != ["--version"]]
        if command is not None:
            calls = [c for c in calls if c["argv"][:1] == [command]]
        return calls

    def app_server_messages(self, method):
        if not os.path.exists(self.app_server_log):
            return []
        with open(self.app_server_log, encoding="utf-8") as f:
            entries = [json.loads(line) for line in f if line.strip()]
        return [e for e in entries if isinstance(e, dict) and e.get("method") == method]

    def job(self, job_id):
        out = self.companion("status", job_id, "--json")
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)["job"]

    def wait_job(self, job_id, status, timeout=30):
        """Waits until the job has `status`; returns it."""
        return wait_until(lambda: (lambda j: j if j["status"] == status else None)(
            self.job(job_id)), timeout, interval=0.05, what=f"job {job_id} {status}")

    def session_jobs(self):
        """Every job of the test's session (running first, then the finished ones)."""
        out = self.companion("status", "--all", "--json", session=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        report = json.loads(out.stdout)
        jobs = report["running"] + report["recent"]
        latest = report["latestFinished"]
        if latest and all(j["id"] != latest["id"] for j in jobs):
            jobs.append(latest)
        return jobs

    def wait_no_active_jobs(self, timeout=30):
        def idle():
            out = self.companion("status", "--json")
            return out.returncode == 0 and not json.loads(out.stdout).get("running")
        wait_until(idle, timeout, interval=0.1, what="no running job")


def main():
    unittest.main(argv=sys.argv)
