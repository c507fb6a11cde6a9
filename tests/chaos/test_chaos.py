"""The chaos and soak run as a test (ctest label `chaos`): chaos.py for $CHAOS_SECONDS (default
240) with a fresh seed (or $CHAOS_SEED), which must end with no violation. Its report, the seed
included, is in the test's output."""

import os
import subprocess
import sys
import unittest

from companion_testlib import BIN

HERE = os.path.dirname(os.path.abspath(__file__))


class Chaos(unittest.TestCase):
    def test_random_faults_break_no_guarantee(self):
        self.assertTrue(BIN and os.path.exists(BIN), "COMPANION_BIN is not set")
        seconds = float(os.environ.get("CHAOS_SECONDS", "240"))
        proc = subprocess.run([sys.executable, os.path.join(HERE, "chaos.py"),
                               "--seconds", str(seconds)],
                              capture_output=True, text=True, timeout=seconds + 600)
        sys.stderr.write(proc.stdout + proc.stderr)
        self.assertIn("chaos: violations 0", proc.stdout, "the chaos run found violations")
        self.assertEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
