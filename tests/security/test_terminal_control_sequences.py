"""Fault: terminal control sequences reach the terminal raw.

Prompt text (in summaries), Codex's answer, workspace paths and values echoed in errors were
printed with ESC/OSC/CSI intact: OSC 52 writes the user's clipboard, OSC 8 hides a link target,
ESC[2J clears the screen, and a raw C1 CSI (0xC2 0x9B, or a lone 0x9B) does the same on some
terminals. Text output now shows every control character except newline and tab as a visible
escape; --json stays exact JSON with C1 escaped too; the job log stores them escaped.
"""

import json
import os
import re
import unittest

from companion_testlib import SOURCE_DIR
from security_support import FakeCodexCase, hostile, terminal_controls

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"
CLEAR = "\x1b[2J\x1b[H"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\innocent link\x1b]8;;\x1b\\"
C1_CSI = "\u009b31m"
HOSTILE = f"start {OSC52} then {CLEAR} a {OSC8} and {C1_CSI} red, DEL\x7f, BS\x08, CR\r end"
LONE_C1 = "\udc9b"  # argv byte 0x9B alone: invalid UTF-8, CSI to an 8-bit terminal

# Writers of stdout/stderr. Only the output boundary may call them: sys::write_text (text made
# printable) and cli::print_json (escaped JSON).
RAW_WRITER = re.compile(r"std::(cout|cerr)\b|\b(printf|fprintf|dprintf|puts|fputs|fputc|putchar|fwrite)"
                        r"\s*\(|\bwrite\s*\(\s*(1|2|STDOUT_FILENO|STDERR_FILENO)\b")
OUTPUT_BOUNDARY = {os.path.join("src", "sys", "terminal_text.cc"),
                   os.path.join("src", "cli", "context.cc")}


class TerminalControlSequences(FakeCodexCase):
    def assert_safe(self, proc, what):
        for name, data in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            found = terminal_controls(data)
            self.assertEqual(found, [], f"{what}: raw control characters on {name}: {data!r}")

    def test_prompt_and_answer_do_not_reach_the_terminal_raw(self):
        with hostile("terminal: OSC 52/OSC 8/CSI/C1/lone 0x9B in the prompt and Codex's answer"):
            self.assert_prompt_and_answer_safe()

    def assert_prompt_and_answer_safe(self):
        proc = self.run_bytes("task", HOSTILE + LONE_C1)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_safe(proc, "foreground task")
        out = proc.stdout.decode()
        self.assertIn("\\x1b]52;c;cm0gLXJmIH4K\\x07", out)  # shown, made visible
        self.assertIn("\\u009b31m", out)
        # The lone byte crossed JSON (store, JSON-RPC) on its way back: made visible or replaced.
        self.assertTrue("\\x9b" in out or "\ufffd" in out, out)
        for args in (["status"], ["result"], ["status", "--all"]):
            with self.subTest(args=args):
                proc = self.run_bytes(*args)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assert_safe(proc, " ".join(args))
        job_id = self.run_json("status")["latestFinished"]["id"]
        for args in (["status", job_id], ["result", job_id]):
            with self.subTest(args=args):
                self.assert_safe(self.run_bytes(*args), " ".join(args))

    def test_json_output_escapes_c1_and_round_trips_the_exact_text(self):
        with hostile("terminal: control sequences through --json output"):
            self.assert_json_safe()

    def assert_json_safe(self):
        proc = self.run_bytes("task", "--json", HOSTILE)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_safe(proc, "task --json")
        payload = json.loads(proc.stdout)
        self.assertEqual(payload["rawOutput"], "ECHO: " + HOSTILE)
        job_id = self.run_json("status")["latestFinished"]["id"]
        for args in (["status", job_id, "--json"], ["result", job_id, "--json"],
                     ["status", "--json"]):
            with self.subTest(args=args):
                proc = self.run_bytes(*args)
                self.assert_safe(proc, " ".join(args))
                json.loads(proc.stdout)
        job = self.run_json("status", job_id)["job"]
        self.assertEqual(job["request"]["prompt"], HOSTILE)
        self.assertEqual(job["result"]["rawOutput"], "ECHO: " + HOSTILE)

    def test_progress_echo_and_job_log_hold_no_raw_controls(self):
        with hostile("terminal: control sequences in progress lines and the job log"):
            self.assert_progress_and_log_safe()

    def assert_progress_and_log_safe(self):
        proc = self.run_bytes("task", "--model", "m", HOSTILE)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(b"[codex]", proc.stderr)
        self.assert_safe(proc, "progress")
        job = self.run_json("status")["latestFinished"]
        with open(job["logFile"], "rb") as f:
            log = f.read()
        self.assertEqual(terminal_controls(log), [], f"raw controls in the job log: {log!r}")
        self.assertIn(b"\\x1b]52;c;", log)

    def test_workspace_path_and_echoed_values_are_made_visible(self):
        hostile_dir = os.path.join(self.tmp, "ws" + OSC52 + CLEAR + "\u009b")
        os.makedirs(hostile_dir)
        for args in (["status"], ["status", "--cwd", hostile_dir + "/missing"],
                     ["status", "task-" + CLEAR], ["frobnicate" + OSC52],
                     ["task", "--effort", "huge" + CLEAR, "x"],
                     ["task", "--prompt-file", os.path.join(hostile_dir, "missing" + OSC8)]):
            kind = "terminal: control sequences in a path or an echoed value"
            with self.subTest(args=args), hostile(kind):
                proc = self.run_bytes(*args, cwd=hostile_dir)
                self.assert_safe(proc, " ".join(args))
        proc = self.run_bytes("status", cwd=hostile_dir)
        self.assertIn(b"\\x1b]52;c;", proc.stdout)


class OutputBoundary(unittest.TestCase):
    def test_no_code_writes_to_the_terminal_around_the_boundary(self):
        offenders = []
        src = os.path.join(SOURCE_DIR, "src")
        for folder, _, files in os.walk(src):
            for name in files:
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, SOURCE_DIR)
                if not name.endswith((".cc", ".h")) or name.endswith("_test.cc"):
                    continue
                if relative in OUTPUT_BOUNDARY:
                    continue
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        code = line.split("//", 1)[0]
                        if RAW_WRITER.search(code):
                            offenders.append(f"{relative}:{number}: {line.strip()}")
        self.assertEqual(offenders, [], "write terminal text through sys::write_text or "
                                        "cli::print_text/print_note/fail instead")


if __name__ == "__main__":
    unittest.main()
