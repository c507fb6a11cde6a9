"""The README's main command works from a fresh clone anywhere: `scripts/demo` in a clone of HEAD
made in a new temporary directory, run from an unrelated directory, with none of the test suite's
variables set, sets itself up (the pinned Codex CLI into the clone's own .deps, the binary into its
own build tree) and finishes its real background task.

Regression: the test library the demo imports fell back to one machine's absolute checkout path
when COMPANION_SOURCE_DIR was unset, so the demo ended with "Codex CLI not found at …" in any
other directory. The demo's output names the Codex CLI it used, which must be the clone's own.

Cost: the clone installs Codex from npm's local cache and compiles only the binary's target; with
ccache's base_dir at the checkout (CMakeLists.txt) the objects the main build made are reused.
"""

import os
import shutil
import subprocess
import sys
import time
import unittest

from companion_testlib import SOURCE_DIR, clone_head
from scratch import scratch_dir

DEMO_TIMEOUT = 1200  # seconds: a cold compile of the binary on a loaded 2-core machine, plus npm
# The test suite's own variables, and those that would point the demo at another Codex or state.
SCRUBBED_PREFIXES = ("COMPANION_", "CODEX_COMPANION_", "CODEX_", "CLAUDE_", "PYTHON")


class DemoFromAFreshClone(unittest.TestCase):
    def setUp(self):
        # Not under /tmp: the Codex CLI the clone installs is refused there (a sandboxed write
        # task may write /tmp and could replace it); /var/tmp is where test scratch goes.
        self.tmp = scratch_dir("demo-clone-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_demo_runs_from_a_fresh_clone_in_another_directory(self):
        clone = clone_head(os.path.join(self.tmp, "codex-companion"))
        self.assertNotEqual(os.path.realpath(clone), os.path.realpath(SOURCE_DIR))
        self.assertFalse(os.path.exists(os.path.join(clone, ".deps")))
        self.assertFalse(os.path.exists(os.path.join(clone, "build")))
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
        start = time.monotonic()
        proc = subprocess.run([os.path.join(clone, "scripts", "demo")], cwd=elsewhere, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=DEMO_TIMEOUT)
        print(f"demo from a fresh clone: {time.monotonic() - start:.0f} s", file=sys.stderr)
        self.assertEqual(proc.returncode, 0, proc.stdout[-6000:])
        self.assertIn("Demo finished", proc.stdout)
        codex_lines = [line for line in proc.stdout.splitlines() if "; Codex: " in line]
        self.assertEqual(len(codex_lines), 1, proc.stdout[-6000:])
        used = codex_lines[0].split("; Codex: ", 1)[1].strip()
        self.assertTrue(os.path.realpath(used).startswith(os.path.realpath(clone) + os.sep),
                        f"the demo used {used}, not the clone's own Codex CLI")
        self.assertNotIn(os.path.realpath(SOURCE_DIR) + os.sep, proc.stdout)


if __name__ == "__main__":
    unittest.main()
