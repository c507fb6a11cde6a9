"""Support for the security regression suites: the companion against a stand-in Codex.

FakeCodexCase runs the built codex-companion (COMPANION_BIN) with CODEX_COMPANION_CODEX pointing at
tests/fixtures/fake_app_server.py, which answers every turn at once ("ECHO: <prompt>") and records
every JSON-RPC message it receives in FAKE_APP_SERVER_LOG, so a test can check both what the
companion stored and what it sent to Codex (thread/start cwd and sandbox, turn/start text).
"""

from fake_codex_case import FAKE_CODEX, PLUGIN_ROOT, FakeCodexCase  # noqa: F401


def terminal_controls(data):
    """The characters in output bytes that a terminal would act on: C0 except newline and tab,
    DEL, C1 (U+0080-U+009F), and bytes that are not valid UTF-8 (a lone 0x9B is CSI to an 8-bit
    terminal). Empty when the output is safe to show."""
    text = data.decode("utf-8", errors="surrogateescape")
    return [c for c in text
            if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
            or 0xDC80 <= ord(c) <= 0xDCFF]


