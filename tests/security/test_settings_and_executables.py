"""Faults: settings that failed silently; a background worker that could run another codex than
the one checked.

`CODEX_COMPANION_KEEP_JOBS=abc` (or 0, -1) was ignored while the other numeric settings were
refused. A relative `CODEX_COMPANION_CODEX` (or an empty PATH entry) was checked from the
launcher's directory but resolved again by the worker from the workspace root, so a file in the
repository got executed. Every setting now has one parser and one message; every executable is
resolved once, to an absolute path, and handed to the worker.
"""

import os
import shutil
import unittest

from security_support import FAKE_CODEX, FakeCodexCase, hostile

HOSTILE_CODEX = """#!/bin/sh
echo executed > "$(dirname "$0")/HOSTILE_CODEX_RAN"
exit 1
"""


class SettingsFailSilently(FakeCodexCase):
    def test_every_numeric_setting_is_refused_with_one_message(self):
        for name in ("CODEX_COMPANION_KEEP_JOBS", "CODEX_COMPANION_JOB_TIMEOUT_MS",
                     "CODEX_COMPANION_TURN_STALL_MS", "CODEX_COMPANION_BROKER_IDLE_MS"):
            for bad in ("abc", "0", "-1", "5s"):
                kind = "setting: a numeric setting not a positive whole number"
                with self.subTest(name=name, value=bad), hostile(kind):
                    line = self.assert_one_line_error(self.run_cli("status", env={name: bad}))
                    self.assertIn(f"{name}={bad} is not valid: use a whole number of", line)


class WorkerRunsAnotherCodex(FakeCodexCase):
    def plant_hostile_codex(self):
        path = os.path.join(self.workspace, "codex")
        with open(path, "w") as f:
            f.write(HOSTILE_CODEX)
        os.chmod(path, 0o755)

    def launcher_dir_with_codex(self):
        launcher = os.path.join(self.tmp, "launcher")
        os.makedirs(launcher)
        shutil.copy(FAKE_CODEX, os.path.join(launcher, "codex"))
        return launcher

    def assert_intended_codex_ran(self, launch):
        proc = launch()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        job_id = proc.stdout.split(" as ")[1].split(".")[0] if " as " in proc.stdout else None
        self.assertIsNotNone(job_id, proc.stdout)
        job = self.run_json("status", job_id, "--wait", "--timeout-ms", "30000")["job"]
        self.assertFalse(os.path.exists(os.path.join(self.workspace, "HOSTILE_CODEX_RAN")),
                         "the worker ran the repository's codex")
        self.assertEqual(job["status"], "completed", job)

    def test_relative_codex_setting_is_pinned_for_the_worker(self):
        self.plant_hostile_codex()
        launcher = self.launcher_dir_with_codex()
        with hostile("executable: a relative CODEX_COMPANION_CODEX and a codex in the repository"):
            self.assert_intended_codex_ran(lambda: self.run_cli(
                "task", "--background", "--cwd", self.workspace, "hello", cwd=launcher,
                env={"CODEX_COMPANION_CODEX": "./codex"}))

    def test_empty_path_entry_is_pinned_for_the_worker(self):
        self.plant_hostile_codex()
        launcher = self.launcher_dir_with_codex()
        del self.env["CODEX_COMPANION_CODEX"]  # found on PATH, through its empty entry
        self.env["PATH"] = ":" + os.environ["PATH"]  # the empty entry: the current directory
        with hostile("executable: an empty PATH entry and a codex in the repository"):
            self.assert_intended_codex_ran_from(launcher)

    def assert_intended_codex_ran_from(self, launcher):
        self.assert_intended_codex_ran(lambda: self.run_cli(
            "task", "--background", "--cwd", self.workspace, "hello", cwd=launcher))


if __name__ == "__main__":
    unittest.main()
