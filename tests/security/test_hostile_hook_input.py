"""Hook input and transfer sources an attacker (or a broken harness) controls.

Each hook gets input that is not JSON, 10 MiB of it, wrong types, control characters, or input that
never ends: it answers with one line on stderr and exit status 0 (never 2, which would block the
user's prompt or stop), prints nothing on stdout and changes nothing (no env file line, no store,
no job). `transfer` refuses any file that does not resolve inside ~/.claude/projects, whatever the
path says, before Codex is started."""

import json
import os
import subprocess
import time
import unittest

from companion_testlib import BIN
from hooks_support import HookCase
from security_support import hostile

EVENTS = ("session-start", "session-end", "stop", "user-prompt-submit", "user-prompt-expansion")
HOSTILE = {
    "not JSON": b"this is not json {",
    "truncated": b'{"session_id": "abc", "cwd": "/tm',
    "an array": b"[1, 2, 3]",
    "10 MiB": b'{"prompt": "' + b"x" * (10 * 1024 * 1024) + b'"}',
    "a numeric session id": b'{"session_id": 12345}',
    "an object cwd": b'{"session_id": "s", "cwd": {"path": "/"}}',
    "a string stop_hook_active": b'{"session_id": "s", "stop_hook_active": "false"}',
    "a session id with a newline": b'{"session_id": "s\\nexport PATH=/tmp/evil"}',
    "an escape sequence in the cwd": b'{"session_id": "s", "cwd": "/tmp/\\u001b]52;c;x\\u0007"}',
    "a relative transcript path": b'{"session_id": "s", "transcript_path": "../../etc/passwd"}',
    "invalid UTF-8": b'{"session_id": "\xff\xfe"}',
}


class HostileHookInput(HookCase):

    def setUp(self):
        super().setUp()
        self.env_file = os.path.join(self.tmp, "claude-env.sh")
        with open(self.env_file, "w") as f:
            f.write("")
        self.env["CLAUDE_ENV_FILE"] = self.env_file

    def assert_ignored(self, out, what):
        self.assertEqual(out.returncode, 0, f"{what}: {out.stderr!r}")
        self.assertEqual(out.stdout, b"", what)
        lines = out.stderr.decode("utf-8", "replace").splitlines()
        self.assertEqual(len(lines), 1, f"{what}: {out.stderr!r}")
        self.assertTrue(lines[0].startswith("codex-companion: "), lines[0])
        self.assertNotIn("\x1b", lines[0])
        with open(self.env_file) as f:
            self.assertEqual(f.read(), "", f"{what}: the env file was written")
        self.assertEqual(self.state_dirs(), [], f"{what}: a store was created")

    def test_every_hook_ignores_hostile_input_with_one_line(self):
        for event in EVENTS:
            for what, data in HOSTILE.items():
                with self.subTest(event=event, input=what), hostile(f"hook input: {what}"):
                    self.assert_ignored(self.hook(event, raw=data), f"{event} / {what}")

    def test_input_that_never_ends_is_cut_short(self):
        for event in ("session-end", "stop"):
            self.never_ending(event)

    def never_ending(self, event):
        with hostile("hook input: stdin that never ends"):
            started = time.monotonic()
            proc = subprocess.Popen([BIN, "hook", event], cwd=self.workspace, env=self.env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            self.started.append(proc)
            proc.stdin.write(b'{"session_id": "s"')  # and never closed while it runs
            proc.stdin.flush()
            proc.wait(timeout=10)
            proc.stdin.close()
            out, err = proc.stdout.read(), proc.stderr.read()
            proc.stdout.close()
            proc.stderr.close()
            self.assertLess(time.monotonic() - started, 5, event)
            self.assertEqual(proc.returncode, 0, err)
            self.assertEqual(out, b"")
            self.assertIn(b"did not end within", err)
            if event == "session-end":  # its share of the 1.5 s budget
                self.assertLess(time.monotonic() - started, 1.5)


class HostileEnvFile(HookCase):
    """CLAUDE_ENV_FILE is Claude Code's, in the user's ~/.claude; whatever is found there,
    SessionStart rewrites only a regular file of the user's own, reads at most 1 MiB of it, and
    leaves anything else as it was with one line on stderr (exit status 0)."""

    SESSION = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"

    def start(self, env_file):
        return self.hook("session-start", self.hook_input("SessionStart", self.SESSION,
                                                          source="resume"),
                         env={"CLAUDE_ENV_FILE": env_file})

    def assert_left_alone(self, out, fragment):
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        lines = out.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, out.stderr)
        self.assertIn("CLAUDE_ENV_FILE", lines[0])
        self.assertIn(fragment, lines[0])
        self.assertEqual([n for n in os.listdir(self.tmp) if n.endswith(".tmp")], [])

    def test_special_files_are_left_alone(self):
        target = os.path.join(self.tmp, "target")
        with open(target, "w") as f:
            f.write("untouched\n")
        link = os.path.join(self.tmp, "link.sh")
        os.symlink(target, link)
        fifo = os.path.join(self.tmp, "fifo.sh")
        os.mkfifo(fifo)
        directory = os.path.join(self.tmp, "dir.sh")
        os.mkdir(directory)
        for what, path, fragment in (("a symlink", link, "symlink"),
                                     ("a FIFO", fifo, "not a regular file"),
                                     ("a directory", directory, "not a regular file")):
            with hostile(f"env file: {what}"):
                self.assert_left_alone(self.start(path), fragment)
        with open(target) as f:
            self.assertEqual(f.read(), "untouched\n")
        self.assertTrue(os.path.islink(link) and os.path.isdir(directory))

    def test_a_huge_file_is_not_read_whole(self):
        huge = os.path.join(self.tmp, "huge.sh")
        with open(huge, "wb") as f:
            f.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of NULs
        with hostile("env file: 64 MiB"):
            out = self.start(huge)
            self.assert_left_alone(out, "larger than 1 MiB")
            self.assertLess(out.seconds, 5)
            self.assertEqual(os.path.getsize(huge), 64 * 1024 * 1024)

    def test_another_users_file_is_left_alone(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to give a file to another user")
        theirs = os.path.join(self.tmp, "theirs.sh")
        with open(theirs, "w") as f:
            f.write("export THEIRS=1\n")
        os.chown(theirs, 65534, 65534)
        with hostile("env file: owned by another user"):
            self.assert_left_alone(self.start(theirs), "owned by uid 65534")
        with open(theirs) as f:
            self.assertEqual(f.read(), "export THEIRS=1\n")

    def test_a_file_ending_inside_a_quote_is_left_alone(self):
        broken = os.path.join(self.tmp, "broken.sh")
        with open(broken, "w") as f:
            f.write("export OPEN='never closed\n")
        with hostile("env file: ends inside a quoted string"):
            self.assert_left_alone(self.start(broken), "inside a quoted string")
            for _ in range(3):
                self.start(broken)
            with open(broken) as f:
                self.assertEqual(f.read(), "export OPEN='never closed\n")

    def test_a_last_line_without_newline_keeps_its_value(self):
        # Another plugin's last line without a newline: our first export once went on the same
        # line (`export OTHER=1export CODEX_COMPANION_…`) and changed that plugin's value.
        glued = os.path.join(self.tmp, "glued.sh")
        with open(glued, "w") as f:
            f.write("export OTHER='one two'")
        with hostile("env file: last line without a newline"):
            out = self.start(glued)
            self.assertEqual(out.returncode, 0, out.stderr)
            sourced = subprocess.run(
                ["sh", "-c", '. "$1" && printf "%s|%s" "$OTHER" "$CODEX_COMPANION_SESSION_ID"',
                 "sh", glued], capture_output=True, text=True, timeout=10,
                env={"PATH": "/usr/bin:/bin"})
            self.assertEqual(sourced.stdout, f"one two|{self.SESSION}", sourced.stderr)
            with open(glued) as f:
                self.assertTrue(f.read().startswith("export OTHER='one two'\n"))


class HostileTransferSource(HookCase):
    """The transcript path is the user's (or a prompt-injected model's) to choose."""

    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.home, "secrets.jsonl")
        with open(self.outside, "w") as f:
            f.write(json.dumps({"type": "user", "message": {"content": "secret"}}) + "\n")

    def assert_refused(self, source, fragment):
        out = self.run_cli("transfer", "--source", source)
        line = self.assert_one_line_error(out, fragment)
        self.assertEqual(self.app_server_starts(), 0, "Codex was started for a refused source")
        return line

    def test_a_file_outside_the_projects_directory_is_refused(self):
        with hostile("transfer source: a file outside ~/.claude/projects"):
            line = self.assert_refused(self.outside, "only from")
            self.assertIn(".claude/projects", line)

    def test_a_symlink_inside_that_leads_out_is_refused(self):
        link = os.path.join(self.projects, "-repo", "innocent.jsonl")
        os.symlink(self.outside, link)
        with hostile("transfer source: a symlink inside that leads out"):
            self.assert_refused(link, "resolves to " + os.path.realpath(self.outside))
        evil_dir = os.path.join(self.projects, "-evil")
        os.symlink(self.home, evil_dir)
        with hostile("transfer source: a symlinked directory inside that leads out"):
            self.assert_refused(os.path.join(evil_dir, "secrets.jsonl"), "only from")
        with hostile("transfer source: a path climbing out with '..'"):
            self.assert_refused(os.path.join(self.projects, "..", "..", "secrets.jsonl"),
                                "only from")

    def test_the_default_source_is_checked_too(self):
        with hostile("transfer source: the session's default transcript path outside"):
            out = self.run_cli("transfer", env={"CODEX_COMPANION_TRANSCRIPT_PATH": self.outside})
            self.assert_one_line_error(out, "only from")
            self.assertEqual(self.app_server_starts(), 0)

    def test_not_a_transcript(self):
        with hostile("transfer source: not a .jsonl transcript (/etc/passwd)"):
            self.assert_refused("/etc/passwd", ".jsonl file")
        self.assert_refused(os.path.join(self.projects, "-repo", "none.jsonl"),
                            "no Claude Code transcript at")


if __name__ == "__main__":
    unittest.main()
