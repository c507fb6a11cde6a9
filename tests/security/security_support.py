"""Support for the security regression suites: the companion against a stand-in Codex, and the
tally of hostile inputs tried.

FakeCodexCase runs the built codex-companion (COMPANION_BIN) with CODEX_COMPANION_CODEX pointing at
tests/fixtures/fake_app_server.py, which answers every turn at once ("ECHO: <prompt>") and records
every JSON-RPC message it receives in FAKE_APP_SERVER_LOG, so a test can check both what the
companion stored and what it sent to Codex (thread/start cwd and sandbox, turn/start text).

The tally: a test wraps each hostile input it feeds, and the assertions on the outcome, in
`with hostile("area: kind"):`. The input counts only when the block ends without an exception (the
outcome was asserted and held). At exit each suite process writes its counts to
<tally dir>/<suite>.json (the tally dir is $COMPANION_SECURITY_TALLY, else
$COMPANION_BUILD_DIR/security-tally); tally.py (ctest security.tally, run last) sums them.
"""

import atexit
import collections
import contextlib
import json
import os
import sys
import tempfile

from fake_codex_case import FAKE_CODEX, PLUGIN_ROOT, FakeCodexCase  # noqa: F401

_COUNTS = collections.Counter()


def tally_dir():
    explicit = os.environ.get("COMPANION_SECURITY_TALLY")
    if explicit:
        return explicit
    return os.path.join(os.environ.get("COMPANION_BUILD_DIR") or tempfile.gettempdir(),
                        "security-tally")


@contextlib.contextmanager
def hostile(kind, count=1):
    """Counts `count` hostile inputs of `kind` once the block (feeding them and asserting the
    outcome) has ended without an exception."""
    yield
    _COUNTS[kind] += count


def _suite_name():
    last = os.path.basename(sys.argv[-1]) if sys.argv else ""
    last = last[:-3] if last.endswith(".py") else last
    return last if last.startswith("test_") else f"pid{os.getpid()}"


@atexit.register
def _write_tally():
    if not _COUNTS:
        return
    directory = tally_dir()
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, _suite_name() + ".json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"suite": _suite_name(), "kinds": dict(_COUNTS)}, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def terminal_controls(data):
    """The characters in output bytes that a terminal would act on: C0 except newline and tab,
    DEL, C1 (U+0080-U+009F), and bytes that are not valid UTF-8 (a lone 0x9B is CSI to an 8-bit
    terminal). Empty when the output is safe to show."""
    text = data.decode("utf-8", errors="surrogateescape")
    return [c for c in text
            if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
            or 0xDC80 <= ord(c) <= 0xDCFF]
