"""Where the test suites, the benchmarks and the demo keep their scratch files.

Not in /tmp or $TMPDIR: Codex's workspace-write sandbox lets every write task write there, so the
companion refuses a state directory in them (README, "Threat model"), and the state roots of
these runs live beside their workspaces. /var/tmp is outside what the sandbox may write;
COMPANION_TEST_TMP chooses another directory.
"""

import os
import tempfile

SCRATCH_BASE = os.environ.get("COMPANION_TEST_TMP") or "/var/tmp"


def scratch_dir(prefix):
    """A new private directory under SCRATCH_BASE; the caller removes it."""
    return tempfile.mkdtemp(prefix=prefix, dir=SCRATCH_BASE)
