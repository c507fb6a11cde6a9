"""Runs the real Claude Code CLI headless and offline, against a local Messages API stand-in.

    from claude_env import ClaudeEnv
    from messages_stub import MessagesStub
    with MessagesStub(rules=[...]) as stub, ClaudeEnv(stub) as cenv:
        run = cenv.run_prompt("/codex:status", plugin_dir=PLUGIN_DIR)
        run.returncode, run.stdout, run.stderr, run.requests

ClaudeEnv makes a private HOME (with CLAUDE_CONFIG_DIR=$HOME/.claude, the default place, so
~/.claude/projects and the config directory agree), a project directory to run in, and an
environment built from nothing but what Claude Code needs: PATH, HOME, ANTHROPIC_BASE_URL at the
stand-in, a dummy ANTHROPIC_API_KEY, and the switches that keep it offline
(CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, DISABLE_TELEMETRY, DISABLE_ERROR_REPORTING,
DISABLE_AUTOUPDATER; measured with strace on 2.1.332: with them its only connection is to the
stand-in, without them it also probes <base>/api/hello). Nothing of the caller's own Claude Code
session leaks in (CLAUDECODE, CLAUDE_PLUGIN_ROOT, OAuth tokens). In print mode (`-p`) a fresh
HOME needs no onboarding or workspace-trust answers.

Every run has a timeout; on expiry the whole process group is killed and the result says so.
`requests` holds the stand-in's records made during that run.
"""

import os
import shutil
import signal
import subprocess
import time

from scratch import scratch_dir

DEFAULT_SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OFFLINE_ENV = {
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_BUG_COMMAND": "1",
    "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY": "1",
    "NO_COLOR": "1",
}
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


def source_dir():
    return os.environ.get("COMPANION_SOURCE_DIR") or DEFAULT_SOURCE_DIR


def claude_binary():
    """The project-local Claude Code (scripts/setup pins it), or $COMPANION_CLAUDE."""
    return os.environ.get("COMPANION_CLAUDE") or os.path.join(
        source_dir(), ".deps", "npm", "node_modules", ".bin", "claude")


class ClaudeRun:
    """The outcome of one CLI run."""

    def __init__(self, argv, returncode, stdout, stderr, requests, timed_out, seconds):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.requests = requests  # the stand-in's records made during the run
        self.timed_out = timed_out
        self.seconds = seconds

    def message_bodies(self):
        """Bodies of the POST /v1/messages requests of this run."""
        return [r["body"] for r in self.requests
                if r["method"] == "POST" and r["path"].split("?", 1)[0] == "/v1/messages"]

    def describe(self):
        return (f"argv={self.argv}\nexit={self.returncode} timed_out={self.timed_out} "
                f"seconds={self.seconds:.1f}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}")


class ClaudeEnv:
    """Owns a temporary HOME and project directory; remove them with cleanup() or `with`."""

    def __init__(self, stub=None, root=None, extra_env=None):
        self.stub = stub
        self._owned = root is None
        self.root = root or scratch_dir("claude-env-")
        self.home = os.path.join(self.root, "home")
        self.config_dir = os.path.join(self.home, ".claude")
        self.project = os.path.join(self.root, "project")
        self.state_home = os.path.join(self.root, "state")
        for d in (self.home, self.config_dir, self.project, self.state_home):
            os.makedirs(d, mode=0o700, exist_ok=True)
        self.claude = claude_binary()
        self.extra_env = dict(extra_env or {})

    def env(self, extra=None):
        env = {
            "PATH": BASE_PATH,
            "HOME": self.home,
            "CLAUDE_CONFIG_DIR": self.config_dir,
            "XDG_STATE_HOME": self.state_home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
            "LANG": "C.UTF-8",
            "SHELL": "/bin/bash",
            "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
            "ANTHROPIC_API_KEY": "sk-ant-test-dummy-key",
        }
        if self.stub is not None:
            env["ANTHROPIC_BASE_URL"] = self.stub.base_url
        env.update(OFFLINE_ENV)
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    def run(self, args, cwd=None, env=None, timeout=120, input_text=None):
        """Runs `claude ARGS…` and returns a ClaudeRun (never raises on exit status or timeout)."""
        argv = [self.claude, *args]
        first = len(self.stub.requests) if self.stub is not None else 0
        started = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd or self.project, env=self.env(env),
                                stdin=subprocess.PIPE if input_text is not None
                                else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        timed_out = False
        try:
            out, err = proc.communicate(input_text, timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            out, err = proc.communicate(timeout=30)
        _kill_group(proc.pid)  # Bash tool shells it may have left in its group
        requests = list(self.stub.requests[first:]) if self.stub is not None else []
        return ClaudeRun(argv, proc.returncode, out, err, requests, timed_out,
                         time.monotonic() - started)

    def run_prompt(self, prompt, plugin_dir=None, extra_args=(), **kwargs):
        """`claude -p [--plugin-dir DIR] [EXTRA…] PROMPT`."""
        args = ["-p"]
        if plugin_dir:
            args += ["--plugin-dir", plugin_dir]
        return self.run([*args, *extra_args, prompt], **kwargs)

    def leftover_processes(self):
        """Live processes started under this HOME (Claude Code, its shells, their children)."""
        needle = f"HOME={self.home}".encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if needle not in f.read().split(b"\0"):
                        continue
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        continue
            except (OSError, IndexError):
                continue
            found.append(int(entry))
        return found

    def cleanup(self):
        if self._owned:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
