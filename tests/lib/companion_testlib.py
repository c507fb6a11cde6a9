"""Shared helpers for the process-level suites: a private state root per test, running the built
binary with a timeout, waiting on conditions with deadlines, and ending what a test started by pid."""

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import unittest

from scratch import scratch_dir

BIN = os.environ.get("COMPANION_BIN", "")
STORE_HELPER = os.environ.get("COMPANION_STORE_HELPER", "")
SOURCE_DIR = os.environ.get("COMPANION_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def wait_until(predicate, timeout, interval=0.01, what="condition"):
    """Polls predicate() until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def read_text(path):
    """The contents of path, or "" when it does not exist (yet)."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def children(pid):
    """Direct children of pid (every thread's list)."""
    kids = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids.extend(int(p) for p in f.read().split())
        except OSError:
            pass
    return kids


def descendants(pid):
    """Every live descendant of pid."""
    found, todo = [], [pid]
    while todo:
        for kid in children(todo.pop()):
            if kid not in found:
                found.append(kid)
                todo.append(kid)
    return [p for p in found if pid_alive(p)]


def recv_until_closed(sock):
    """Everything `sock` receives until its peer closes (its timeout bounds each read)."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def exchange_as_uid(uid, socket_path, request, timeout=10):
    """What a process of `uid` reads, until the peer closes, after sending `request` (bytes) to
    the unix socket at `socket_path`. Needs root. A failure in the child comes back as the text
    "child failed: ..." for the caller's assertion to show."""
    read_fd, write_fd = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_fd)
        try:
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(timeout)
            s.connect(socket_path)
            s.sendall(request)
            os.write(write_fd, recv_until_closed(s))
        except BaseException as e:  # the parent's assertion shows it
            os.write(write_fd, f"child failed: {e!r}".encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as f:
        data = f.read()
    os.waitpid(child, 0)
    return data


def processes_with_env(name, value):
    """Live pids (not zombies) whose environment holds name=value."""
    needle = f"{name}={value}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if needle in env and pid_alive(int(entry)):
            pids.append(int(entry))
    return pids


def describe_process(pid):
    """`pid (ppid P, session S): command line` from /proc, for a failure message."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read(400).replace(b"\0", b" ").decode(errors="replace").strip()
        return f"{pid} (ppid {int(fields[1])}, session {int(fields[3])}): {argv}"
    except (OSError, IndexError, ValueError):
        return f"{pid} (gone)"


# Under ASan/UBSan (the asan preset) processes are several times slower and their RSS holds the
# sanitizer's shadow memory: time bounds stretch by TIME_SCALE and memory bounds do not apply.
SANITIZED = os.environ.get("COMPANION_SANITIZED") == "ON"
TIME_SCALE = 4 if SANITIZED else 1
# A build with COMPANION_PORTABLE_FALLBACKS (the asan preset): what macOS runs, so no subreaper
# (README "Portability": an orphan that left its session is not found).
PORTABLE = os.environ.get("COMPANION_PORTABLE") == "ON"


def clone_head(dest, source=SOURCE_DIR):
    """Clones `source` into `dest` (a new directory) checked out at the source's HEAD commit, so a
    test builds and runs what is committed, not uncommitted changes. Returns dest."""
    def git(*args, cwd):
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL).stdout.strip()

    head = git("rev-parse", "HEAD", cwd=source)
    git("clone", "-q", "--no-checkout", source, dest, cwd=os.path.dirname(dest))
    present = subprocess.run(["git", "cat-file", "-e", head + "^{commit}"], cwd=dest,
                             capture_output=True).returncode == 0
    if not present:
        git("fetch", "-q", "origin", head, cwd=dest)  # a detached HEAD no branch points at
    git("checkout", "-q", "--detach", head, cwd=dest)
    return dest


class CompanionTestCase(unittest.TestCase):
    """Each test gets its own state root and workspace directory."""

    # CODEX_COMPANION_RUNTIME for the test's commands. The suites that inspect each job's own
    # app-server run "direct"; the shared-runtime suites set None (the default: the workspace's
    # broker) and stop their brokers before any leftover check.
    runtime = "direct"

    def setUp(self):
        if not BIN or not os.path.exists(BIN):
            self.fail("COMPANION_BIN is not set to the built codex-companion")
        self.tmp = scratch_dir("companion-it-")
        self.state_home = os.path.join(self.tmp, "state-home")
        self.workspace = os.path.join(self.tmp, "workspace")
        os.makedirs(self.workspace)
        self.env = dict(os.environ)
        for var in ("CLAUDE_PLUGIN_DATA", "CODEX_COMPANION_SESSION_ID",
                    "CODEX_COMPANION_APP_SERVER_ENDPOINT", "TMPDIR", "XDG_RUNTIME_DIR"):
            self.env.pop(var, None)
        self.env["XDG_STATE_HOME"] = self.state_home
        self.env.pop("CODEX_COMPANION_RUNTIME", None)
        if self.runtime:
            self.env["CODEX_COMPANION_RUNTIME"] = self.runtime
        self.started = []  # Popen objects this test started; ended by pid in tearDown

    def end_started(self):
        """Ends (SIGKILL to its group, else to it) every process this test started and still runs."""
        for proc in self.started:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    proc.kill()
                proc.wait(timeout=10)

    def tearDown(self):
        self.end_started()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # Running things -------------------------------------------------------------------------

    def session_end_hook(self, session):
        """Runs the plugin's SessionEnd hook for `session` in the workspace; asserts it says
        nothing, succeeds and keeps within the 1.5 s that SessionEnd hooks share."""
        payload = {"session_id": session, "cwd": self.workspace, "hook_event_name": "SessionEnd",
                   "reason": "other", "transcript_path": os.path.join(self.tmp, "t.jsonl")}
        started = time.monotonic()
        out = subprocess.run([BIN, "hook", "session-end"], cwd=self.workspace, env=self.env,
                             input=json.dumps(payload).encode(), capture_output=True, timeout=30)
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""))
        self.assertLess(time.monotonic() - started, 1.5, "SessionEnd hooks share a 1.5 s budget")

    def run_cli(self, *args, cwd=None, env=None, timeout=30, input=None):
        merged = dict(self.env)
        merged.update(env or {})
        return subprocess.run([BIN, *args], cwd=cwd or self.workspace, env=merged,
                              input=input, capture_output=True, text=True, timeout=timeout)

    def run_json(self, *args, **kwargs):
        # --json right after the command: for task and the reviews, words after the first text
        # word are text (SPEC.md section 1).
        proc = self.run_cli(args[0], "--json", *args[1:], **kwargs)
        self.assertEqual(proc.returncode, 0, f"{args} failed: {proc.stderr}")
        return json.loads(proc.stdout)

    def spawn(self, argv, cwd=None, env=None, new_session=True, **kwargs):
        merged = dict(self.env)
        merged.update(env or {})
        proc = subprocess.Popen(argv, cwd=cwd or self.workspace, env=merged,
                                start_new_session=new_session, **kwargs)
        self.started.append(proc)
        return proc

    def helper(self, *args, **kwargs):
        return self.spawn([STORE_HELPER, *args], **kwargs)

    # Assertions -----------------------------------------------------------------------------

    def assert_one_line_error(self, proc, fragment=None):
        self.assertEqual(proc.returncode, 1, f"expected exit 1, got {proc.returncode}: {proc.stderr}")
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, f"expected one error line, got: {proc.stderr!r}")
        self.assertTrue(lines[0].startswith("codex-companion: "), lines[0])
        if fragment:
            self.assertIn(fragment, lines[0])
        return lines[0]

    # The store, read directly --------------------------------------------------------------------

    def state_dirs(self):
        root = os.path.join(self.state_home, "codex-companion")
        if not os.path.isdir(root):
            return []
        # Workspace directories only (`<slug>-<16 hex>`), not run/ (broker sockets) or
        # typed-arguments/.
        return [os.path.join(root, d) for d in sorted(os.listdir(root))
                if re.search(r"-[0-9a-f]{16}$", d)]

    def lock_files(self):
        """Names of the job lock files left in every workspace store."""
        found = []
        for d in self.state_dirs():
            jobs_dir = os.path.join(d, "jobs")
            if os.path.isdir(jobs_dir):
                found += [n for n in os.listdir(jobs_dir) if n.endswith(".lock")]
        return found

    def db_write(self, sql, params=()):
        """Changes the workspace store directly (to plant rows a bug or another version wrote)."""
        dirs = self.state_dirs()
        self.assertEqual(len(dirs), 1, f"expected one workspace store, found {dirs}")
        con = sqlite3.connect(os.path.join(dirs[0], "state.db"))
        try:
            con.execute(sql, params)
            con.commit()
        finally:
            con.close()

    def db_rows(self, sql, params=()):
        dirs = self.state_dirs()
        self.assertEqual(len(dirs), 1, f"expected one workspace store, found {dirs}")
        con = sqlite3.connect(f"file:{os.path.join(dirs[0], 'state.db')}?mode=ro", uri=True)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()
