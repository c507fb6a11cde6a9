"""Faults: unbounded and blocking reads; files planted in the state directory; directories we did
not create chmod-ed.

`--prompt-file /dev/zero` aborted (bad_alloc), a 1 GiB file was read whole, a FIFO hung forever,
8 MiB was accepted while stdin was capped at 4 MiB. A FIFO planted as a job log hung `status` and
made `cancel` break its 5 s bound; a symlinked log showed another file's lines. An existing shared
directory given as the state root was silently made 0700. Every input now has one bound and one
rule (regular files only, the stdin cap, one clear line); state files are opened with O_NOFOLLOW
and O_NONBLOCK and must be regular; an existing directory that is not private and ours is refused
and never chmod-ed.
"""

import json
import os
import stat
import time
import unittest

from security_support import FakeCodexCase, hostile

FOUR_MIB = 4 * 1024 * 1024


class HostileInputFiles(FakeCodexCase):
    def assert_refused_quickly(self, args, fragment, timeout=10):
        started = time.monotonic()
        proc = self.run_cli(*args, timeout=timeout)
        self.assertLess(time.monotonic() - started, timeout)
        line = self.assert_one_line_error(proc, fragment)
        self.assertEqual(self.app_server_messages("thread/start"), [], "Codex was started")
        return line

    def test_device_is_refused(self):
        with hostile("prompt file: a device (/dev/zero)"):
            self.assert_refused_quickly(["task", "--prompt-file", "/dev/zero"],
                                        "not a regular file")

    def test_fifo_is_refused_without_blocking(self):
        fifo = os.path.join(self.tmp, "prompt.fifo")
        os.mkfifo(fifo)
        with hostile("prompt file: a FIFO nobody writes"):
            self.assert_refused_quickly(["task", "--prompt-file", fifo], "not a regular file")

    def test_prompt_file_over_the_stdin_cap_is_refused(self):
        big = os.path.join(self.tmp, "big.txt")
        with open(big, "wb") as f:
            f.truncate(FOUR_MIB + 1)  # sparse: nothing is written, the size is what counts
        with hostile("prompt file: over the 4 MiB cap (4 MiB + 1, 1 GiB)", 2):
            self.assert_refused_quickly(["task", "--prompt-file", big], "larger than 4 MiB")
            with open(big, "wb") as f:
                f.truncate(1024 * 1024 * 1024)
            self.assert_refused_quickly(["task", "--prompt-file", big], "larger than 4 MiB")

    def test_stdin_over_the_same_cap_is_refused(self):
        with hostile("stdin prompt: over the 4 MiB cap"):
            proc = self.run_cli("task", input="x" * (FOUR_MIB + 1), timeout=30)
            self.assert_one_line_error(proc, "larger than 4 MiB")

    def test_prompt_file_at_the_cap_and_through_a_symlink_is_read(self):
        path = os.path.join(self.tmp, "prompt.txt")
        with open(path, "w") as f:
            f.write("summarise the tree")
        link = os.path.join(self.tmp, "prompt-link.txt")
        os.symlink(path, link)
        proc = self.run_cli("task", "--prompt-file", link, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.turn_texts(), ["summarise the tree"])


class PlantedStateFiles(FakeCodexCase):
    def job_with_log(self):
        out = self.run_json("task", "--background", "hello")
        job_id = out["jobId"]
        self.run_json("status", job_id, "--wait", "--timeout-ms", "30000")
        return job_id, out["logFile"]

    def test_fifo_log_neither_hangs_status_nor_cancel(self):
        job_id, log = self.job_with_log()
        os.unlink(log)
        os.mkfifo(log, 0o600)
        for args in (("status",), ("status", job_id), ("result", job_id)):
            with self.subTest(args=args), hostile("state: a FIFO planted as a job log"):
                started = time.monotonic()
                proc = self.run_cli(*args, timeout=10)
                self.assertLess(time.monotonic() - started, 5)
                self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_symlinked_log_never_shows_another_files_lines(self):
        secret = os.path.join(self.tmp, "secret.txt")
        with open(secret, "w") as f:
            f.write("[2026-01-01T00:00:00.000Z] TOP SECRET LINE\n")
        job_id, log = self.job_with_log()
        os.unlink(log)
        os.symlink(secret, log)
        with hostile("state: a job log symlinked to another file"):
            report = self.run_json("status", job_id)
            self.assertNotIn("TOP SECRET", json.dumps(report))
            self.assertNotIn("TOP SECRET", self.run_cli("status", job_id).stdout)

    def test_fifo_database_is_refused_without_blocking(self):
        self.job_with_log()
        state = self.state_dirs()[0]
        db = os.path.join(state, "state.db")
        for suffix in ("-wal", "-shm", ""):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        os.mkfifo(db, 0o600)
        with hostile("store: a FIFO planted as the database"):
            started = time.monotonic()
            proc = self.run_cli("status", timeout=10)
            self.assertLess(time.monotonic() - started, 5)
            self.assert_one_line_error(proc, "not a regular file")


class DirectoriesWeDidNotCreate(FakeCodexCase):
    def test_shared_state_root_is_refused_and_left_as_it_was(self):
        for mode in (0o1777, 0o755, 0o770):
            kind = "state dir: others can access it (0755/0770/1777)"
            with self.subTest(mode=oct(mode)), hostile(kind):
                shared = os.path.join(self.tmp, f"shared-{mode:o}")
                os.mkdir(shared)
                os.chmod(shared, mode)
                proc = self.run_cli("status", env={"CODEX_COMPANION_STATE_DIR": shared})
                line = self.assert_one_line_error(proc, "other users can access it")
                self.assertIn("chmod 700", line)
                self.assertEqual(stat.S_IMODE(os.stat(shared).st_mode), mode)
                self.assertEqual(os.listdir(shared), [])

    def test_private_state_root_is_used(self):
        private = os.path.join(self.tmp, "private")
        os.mkdir(private, 0o700)
        report = self.run_json("status", env={"CODEX_COMPANION_STATE_DIR": private})
        self.assertEqual(report["running"], [])
        self.assertTrue(os.listdir(private))


if __name__ == "__main__":
    unittest.main()
