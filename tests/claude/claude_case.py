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


def typed_arguments(req):
    """The arguments as the user typed them: Claude Code's <command-args> element (exact), else
    the command file's own framing (empty when none were given)."""
    text = req.last_user_text()
    if "<command-args>" in text:
        return between(text, "<command-args>", "</command-args>")
    return tagged(text, "codex-arguments") or tagged(text, "codex-request")


# The one Bash call `codex-companion slash` asks for when the typed arguments did not reach it
# (src/hooks/typed_arguments.h): a here-document under a marker it made up at random.
FALLBACK_CALL = re.compile(r"codex-companion [a-z-]+ \"\$\(cat <<'(CODEX_COMPANION_ARGS_[0-9a-f]{24})'"
                           r"\n[^\n]*<the arguments>\n\n\1\n\)\"")


def fallback_call(text, arguments):
    """The call a `slash` fallback in `text` asks for, with `arguments` in place of
    `<the arguments>` as a model following it writes it; None when `text` holds no fallback."""
    match = FALLBACK_CALL.search(text)
    if match is None:
        return None
    return match.group(0).replace("<the arguments>", arguments, 1)


def bash_call(command, description="codex-companion"):
    return {"type": "tool_use", "name": "Bash",
            "input": {"command": command, "description": description, "timeout": 600000}}


def bang_fallback_rule(name):
    """The main thread of /codex:NAME after its `!` line printed a `slash` fallback: one Bash call
    as the fallback shows, then the answer is the call's output."""
    def rule(req):
        if not command_request(req, name):
            return None
        if req.tool_results():
            return [{"type": "text", "text": "{tool_result}"}]
        call = fallback_call(req.last_user_text(), typed_arguments(req))
        return [bash_call(call)] if call else None
    return rule


def review_rule(name, background=False):
    """The main thread of /codex:review or /codex:adversarial-review: the command file's Bash
    template (` --background` added when asked), then the call a `slash` fallback shows, if any.
    A command file of the form before `slash` (a here-document under a fixed marker, with the
    typed arguments put in place of its placeholder line) is followed too."""
    def rule(req):
        if not command_request(req, name):
            return None
        results = req.tool_results()
        if results:
            call = fallback_call(results[-1][1], typed_arguments(req)) if len(results) == 1 else None
            return [bash_call(call)] if call else [{"type": "text", "text": "{tool_result}"}]
        text = req.last_user_text()
        template = bash_template(text, "codex-companion slash ")
        if template:
            command = template.strip() + (" --background" if background else "")
        else:
            template = bash_template(text, f"codex-companion {name} ")
            if "<the raw arguments>" not in template:
                return [{"type": "text", "text": f"no template for {name} in the command file"}]
            prefix = "--background " if background else ""
            command = template.replace("<the raw arguments>",
                                       prefix + typed_arguments(req)).rstrip("\n")
        return [bash_call(command, "Codex review")]
    return rule


ROUTING_WITH_VALUE = ("--model", "--effort")


def agent_prompt(req):
    """The prompt the Agent tool gave a subagent: its own text block in the first user message
    (after Claude Code's reminders, before preloaded skills), which Claude Code ends with a
    newline."""
    for block in req.last_user_blocks():
        if not block.startswith("<system-reminder>"):
            return block[:-1] if block.endswith("\n") else block
    return ""


def split_routing(request):
    """(routing flags, task text) the way the agent file says: leading --words, then text."""
    words = request.split(" ")
    flags = []
    while words and words[0].startswith("--"):
        flag = words.pop(0)
        flags.append(flag)
        if flag in ROUTING_WITH_VALUE and words:
            flags.append(words.pop(0))
    return flags, " ".join(words)


def agent_options(flags, write):
    """The option words the agent file says to add (the routing flags themselves reach the runtime
    with the request)."""
    options = []
    if "--resume" in flags:
        options.append("--resume-last")
    if "--fresh" in flags:
        options.append("--fresh")
    if write:
        options.append("--write")
    return options


def rescue_rules(write=False):
    """The main thread (the /codex:rescue command) and the codex-rescue subagent, as a model
    following their instructions would act."""
    def subagent(req):
        # The agent file before `slash`: the text in a here-document under a fixed marker.
        old = re.search(r"codex-companion task <options> <<'([A-Z_]+)'", req.system)
        if "codex-companion slash rescue <options>" not in req.system and not old:
            return None
        results = req.tool_results()
        request = agent_prompt(req)
        if results:
            call = fallback_call(results[-1][1], request) if len(results) == 1 else None
            return [bash_call(call)] if call else [{"type": "text", "text": "{tool_result}"}]
        flags, text = split_routing(request)
        options = agent_options(flags, write)
        if old:
            marker = old.group(1)
            command = " ".join(["codex-companion task", *options]) + f" <<'{marker}'\n{text}\n{marker}"
        else:
            command = " ".join(["codex-companion slash rescue", *options])
        return [bash_call(command, "Hand the task to Codex")]

    def main_thread(req):
        if not command_request(req, "rescue"):
            return None
        if req.tool_results():
            return [{"type": "text", "text": "{tool_result}"}]
        request = typed_arguments(req)
        if "--resume" not in request.split(" ") and "--fresh" not in request.split(" "):
            request = "--fresh " + request  # no AskUserQuestion in -p: the recommendation
        return [{"type": "tool_use", "name": "Agent",
                 "input": {"description": "Codex rescue", "prompt": request,
                           "subagent_type": "codex:codex-rescue", "run_in_background": False}}]
    return [subagent, main_thread]


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

    def hook_errors(self):
        """What Claude Code recorded as failed hooks in the test's transcripts (a hook that exits
        non-zero: shown to the user as a hook error): the attachments, in order."""
        errors = []
        projects = os.path.join(self.cenv.config_dir, "projects")
        for root, _, names in os.walk(projects) if os.path.isdir(projects) else ():
            for name in sorted(n for n in names if n.endswith(".jsonl")):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    for line in f:
                        entry = json.loads(line) if '"hook_non_blocking_error"' in line else {}
                        attachment = entry.get("attachment") or {}
                        if attachment.get("type") == "hook_non_blocking_error":
                            errors.append(attachment)
        return errors

    def wait_no_active_jobs(self, timeout=30):
        def idle():
            out = self.companion("status", "--json")
            return out.returncode == 0 and not json.loads(out.stdout).get("running")
        wait_until(idle, timeout, interval=0.1, what="no running job")


def main():
    unittest.main(argv=sys.argv)
