"""The companion against a stand-in Codex: FakeCodexCase runs the built codex-companion
(COMPANION_BIN) with CODEX_COMPANION_CODEX pointing at tests/fixtures/fake_app_server.py, which
answers every turn at once ("ECHO: <prompt>") and records every JSON-RPC message it receives in
FAKE_APP_SERVER_LOG, so a test can check both what the companion stored and what it sent to Codex
(thread/start cwd and sandbox, turn/start text). For faults the real app-server cannot produce.
"""

import json
import os
import subprocess

from companion_testlib import BIN, SOURCE_DIR, CompanionTestCase

FAKE_CODEX = os.path.join(SOURCE_DIR, "tests", "fixtures", "fake_app_server.py")
PLUGIN_ROOT = os.path.join(SOURCE_DIR, "plugin")


class FakeCodexCase(CompanionTestCase):
    """A CompanionTestCase whose Codex is the scriptable fake app-server."""

    def setUp(self):
        super().setUp()
        self.app_server_log = os.path.join(self.tmp, "app-server.jsonl")
        self.env["CODEX_COMPANION_CODEX"] = FAKE_CODEX
        self.env["FAKE_APP_SERVER_LOG"] = self.app_server_log
        self.env["CODEX_COMPANION_PLUGIN_ROOT"] = PLUGIN_ROOT
        self.env["GIT_CONFIG_NOSYSTEM"] = "1"
        self.env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        self.env.pop("CODEX_COMPANION_ALLOW_ANY_WORKSPACE", None)

    def run_bytes(self, *args, cwd=None, env=None, timeout=60):
        """Runs the companion; stdout and stderr as bytes (nothing decoded or replaced)."""
        merged = dict(self.env)
        merged.update(env or {})
        return subprocess.run([BIN, *args], cwd=cwd or self.workspace, env=merged,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)

    def latest_job(self, cwd=None, env=None):
        """The full stored record of the newest finished job of the workspace at cwd."""
        report = self.run_json("status", cwd=cwd, env=env)
        self.assertIsNotNone(report["latestFinished"], f"no finished job: {report}")
        job_id = report["latestFinished"]["id"]
        return self.run_json("status", job_id, cwd=cwd, env=env)["job"]

    def app_server_messages(self, method):
        """Params of every message with this method the fake app-server received."""
        found = []
        if not os.path.exists(self.app_server_log):
            return found
        with open(self.app_server_log, encoding="utf-8") as f:
            for line in f:
                entry = json.loads(line)
                if entry.get("method") == method:
                    found.append(entry.get("params", {}))
        return found

    def turn_texts(self):
        """The prompt text of every turn/start the fake app-server received."""
        return ["".join(part.get("text", "") for part in params.get("input", []))
                for params in self.app_server_messages("turn/start")]

    def git(self, *args, cwd=None):
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=T", *args],
                       cwd=cwd or self.workspace, env=self.env, check=True, capture_output=True)

    def make_repo(self, path=None, dirty=True):
        """A git repository with one commit (and an uncommitted change when dirty)."""
        path = path or self.workspace
        self.git("init", "-q", "-b", "main", cwd=path)
        with open(os.path.join(path, "a.txt"), "w") as f:
            f.write("one\n")
        self.git("add", "-A", cwd=path)
        self.git("commit", "-q", "-m", "initial", cwd=path)
        if dirty:
            with open(os.path.join(path, "a.txt"), "w") as f:
                f.write("two\n")
        return path
