"""CompatCase: codex-companion run the way the reference plugin's users and scripts run it.

The Codex CLI is tests/compat/compat_codex.py installed as `codex` in a directory put first on
PATH (CODEX_COMPANION_CODEX unset), as the reference's own suite injects its fake; the fake
records every JSON-RPC message it receives so a test can check what was sent to Codex.
"""

import json
import os
import subprocess

from companion_testlib import CompanionTestCase, read_text

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_CODEX = os.path.join(HERE, "compat_codex.py")


class CompatCase(CompanionTestCase):
    def setUp(self):
        super().setUp()
        self.bin_dir = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin_dir)
        os.symlink(FAKE_CODEX, os.path.join(self.bin_dir, "codex"))
        self.record = os.path.join(self.tmp, "codex-record.jsonl")
        for var in ("CODEX_COMPANION_CODEX", "COMPAT_CODEX_BEHAVIOUR", "CODEX_COMPANION_STATE_DIR"):
            self.env.pop(var, None)
        self.env["PATH"] = self.bin_dir + os.pathsep + self.env.get("PATH", "/usr/bin:/bin")
        self.env["COMPAT_CODEX_RECORD"] = self.record
        self.env["GIT_CONFIG_NOSYSTEM"] = "1"
        self.env["GIT_CONFIG_GLOBAL"] = "/dev/null"

    def behave(self, *words):
        """Makes the fake Codex answer with these behaviours (see compat_codex.py)."""
        self.env["COMPAT_CODEX_BEHAVIOUR"] = ",".join(words)

    def sent(self, method):
        """Params of every request with this method the fake Codex received, in order."""
        found = []
        for line in read_text(self.record).splitlines():
            message = json.loads(line)
            if message.get("method") == method:
                found.append(message.get("params") or {})
        return found

    def prompts(self):
        return ["\n".join(i.get("text", "") for i in p.get("input", []))
                for p in self.sent("turn/start")]

    def git(self, *args, cwd=None):
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=T", *args],
                       cwd=cwd or self.workspace, env=self.env, check=True, capture_output=True)

    def write(self, relative, text):
        path = os.path.join(self.workspace, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def repo(self, files=None, dirty=None):
        """A repository on `main` with one commit of `files`, then `dirty` written on top."""
        self.git("init", "-q", "-b", "main")
        for name, text in (files or {"src/app.js": "export const first = items[0];\n"}).items():
            self.write(name, text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "initial")
        for name, text in (dirty or {}).items():
            self.write(name, text)

    def log_of(self, job_id):
        job = self.run_json("status", job_id)["job"]
        return read_text(job["logFile"])
