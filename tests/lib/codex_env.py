"""A throwaway CODEX_HOME that points the real Codex CLI at a local Responses API stand-in.

    from codex_env import CodexEnv
    with ResponsesStub() as stub, CodexEnv(stub.port) as cenv:
        subprocess.run([cenv.codex, "app-server"], env=cenv.env, ...)

CodexEnv(port) writes <home>/config.toml (model_provider "mock" at http://127.0.0.1:PORT/v1,
no retries, no update checks, analytics or feedback uploads) and builds `env`: a copy of the
current environment with CODEX_HOME, CODEX_COMPANION_CODEX (the project-local codex), PATH with
that codex's folder first, and the variables that would send Codex to the network removed.
"""

import os
import shutil
import tempfile

# The checkout this file belongs to (tests/lib/ is two levels below it): never a fixed path.
DEFAULT_SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A model in the catalog bundled with codex 0.169.0, so no "model metadata not found" warning
# and the full tool set (apply_patch included).
DEFAULT_MODEL = "gpt-5.5"
NATIVE_SUBPATH = ("node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/"
                  "codex")
# Variables that would make Codex talk to the real service or change its home.
_SCRUBBED = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "CODEX_HOME",
             "CODEX_COMPANION_APP_SERVER_ENDPOINT", "CODEX_COMPANION_SESSION_ID",
             "CODEX_COMPANION_RUNTIME")


def source_dir():
    return os.environ.get("COMPANION_SOURCE_DIR") or DEFAULT_SOURCE_DIR


def codex_launcher():
    """The npm launcher (a Node script) of the project-local Codex CLI."""
    return os.path.join(source_dir(), ".deps", "npm", "node_modules", ".bin", "codex")


def codex_native():
    """The native codex binary the launcher runs (kill this one in fault tests)."""
    return os.path.join(source_dir(), ".deps", "npm", NATIVE_SUBPATH)


def config_toml(port, model=DEFAULT_MODEL, extra=""):
    return f"""# Written by tests/lib/codex_env.py: offline Codex pointed at a local stand-in.
model = "{model}"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "read-only"
check_for_update_on_startup = false
model_reasoning_summary = "auto"

[analytics]
enabled = false

[feedback]
enabled = false

[history]
persistence = "none"

[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:{port}/v1"
wire_api = "responses"
requires_openai_auth = false
supports_websockets = false
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 600000
{extra}"""


class CodexEnv:
    """Owns a temporary CODEX_HOME; remove it with cleanup() or by leaving the `with` block."""

    def __init__(self, port, home=None, model=DEFAULT_MODEL, extra_config="", native=False):
        self._owned = home is None
        self.home = home or tempfile.mkdtemp(prefix="codex-home-")
        os.makedirs(self.home, mode=0o700, exist_ok=True)
        with open(os.path.join(self.home, "config.toml"), "w", encoding="utf-8") as f:
            f.write(config_toml(port, model, extra_config))
        self.codex = codex_native() if native else codex_launcher()
        if not os.path.exists(self.codex):
            self.cleanup()
            raise RuntimeError(f"the pinned Codex CLI is not installed ({self.codex} is missing); "
                               f"run scripts/setup in {source_dir()}")
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env["CODEX_HOME"] = self.home
        env["CODEX_COMPANION_CODEX"] = self.codex
        env["PATH"] = os.path.dirname(codex_launcher()) + os.pathsep + env.get("PATH", "")
        env["NO_COLOR"] = "1"
        env.setdefault("RUST_LOG", "error")
        self.env = env

    def cleanup(self):
        if self._owned:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def make_codex_env(port, **kwargs):
    """Shorthand: (home, env) for a fresh CODEX_HOME; the caller removes `home`."""
    cenv = CodexEnv(port, **kwargs)
    return cenv.home, cenv.env
