"""The README's two Claude Code commands install the plugin on a machine with no compiler and no
build tree, and its first use downloads the runtime (README "Install"):

  - a clean clone of HEAD, its plugin pinning the `release` fixture's artefacts (a release's last
    commit), served as a git repository over HTTP on loopback (what a repository host does);
  - the real Claude Code in a private HOME, offline against the Messages API stand-in, with a
    PATH on which every compiler and build tool is a tripwire: `claude plugin marketplace add
    URL` and `claude plugin install codex@codex-companion` (the CLI forms of `/plugin
    marketplace add` and `/plugin install`);
  - then `/codex:setup` and a `/codex:rescue` task headless, with the installed plugin (no
    --plugin-dir), the real Codex CLI answering through the Responses API stand-in.

The runtime is downloaded once, from the release server (CODEX_COMPANION_RELEASE_URL), by the
first hook of the first session; every later hook and command runs it from
$XDG_DATA_HOME/codex-companion/<version>/.

    ctest --preset default -R release.test_claude_install
"""

import json
import os
import shutil
import subprocess
import tarfile
import unittest
import uuid

import install_support as isup
import release_support as rs
from scratch import scratch_dir
from claude_case import rescue_rules
from claude_env import ClaudeEnv, claude_binary
from codex_env import CodexEnv, codex_launcher
from git_http_stub import GitHttpStub
from messages_stub import MessagesRequest, MessagesStub
from responses_stub import ResponsesStub

VERSION = rs.version()
MARKETPLACE, PLUGIN = "codex-companion", "codex"


class ClaudeInstall(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(claude_binary()):
            self.fail(f"Claude Code is not installed at {claude_binary()}; run scripts/setup")
        self.tmp = scratch_dir("claude-install-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        clone = isup.pinned_clone(os.path.join(self.tmp, "clone"))
        served = os.path.join(self.tmp, "served")
        os.makedirs(served)
        subprocess.run(["git", "clone", "-q", "--bare", clone,
                        os.path.join(served, "codex-companion.git")], check=True,
                       capture_output=True)
        self.tools, self.tripwire = isup.tool_dir(self.tmp)
        self.git = GitHttpStub(served).start()
        self.addCleanup(self.git.stop)
        self.release = isup.ReleaseServer().start()
        self.addCleanup(self.release.stop)
        self.codex = ResponsesStub(default="normal").start()
        self.addCleanup(self.codex.stop)
        self.codex_home = CodexEnv(self.codex.port, home=os.path.join(self.tmp, "codex-home"))
        self.rules = []
        self.messages = MessagesStub(rules=[lambda req: next(
            (blocks for blocks in (rule(req) for rule in self.rules) if blocks), None)]).start()
        self.addCleanup(self.messages.stop)
        self.cenv = ClaudeEnv(self.messages, root=os.path.join(self.tmp, "claude"), extra_env={
            "PATH": self.tools,
            "CODEX_HOME": self.codex_home.home,
            "CODEX_COMPANION_CODEX": codex_launcher(),
            "CODEX_COMPANION_RELEASE_URL": self.release.url,
            # One app-server per job: no shared broker outlives the test.
            "CODEX_COMPANION_RUNTIME": "direct",
        })
        self.addCleanup(self.end_leftovers)

    def end_leftovers(self):
        leftovers = self.cenv.leftover_processes()
        for pid in leftovers:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        self.assertEqual(leftovers, [], "processes of the test's HOME outlived the test")

    def claude(self, *args, timeout=120):
        run = self.cenv.run(list(args), timeout=timeout)
        self.assertFalse(run.timed_out, run.describe())
        return run

    def prompt(self, text, timeout=180):
        run = self.cenv.run_prompt(text, extra_args=["--session-id", str(uuid.uuid4())],
                                   timeout=timeout)
        self.assertFalse(run.timed_out, run.describe())
        self.assertEqual(run.returncode, 0, run.describe())
        return run

    def install_path(self):
        path = os.path.join(self.cenv.config_dir, "plugins", "installed_plugins.json")
        with open(path, encoding="utf-8") as f:
            (entry,) = json.load(f)["plugins"][f"{PLUGIN}@{MARKETPLACE}"]
        return entry["installPath"]

    def hook_errors(self):
        errors = []
        for top, _, names in os.walk(os.path.join(self.cenv.config_dir, "projects")):
            for name in names:
                with open(os.path.join(top, name), encoding="utf-8") as f:
                    errors += [line for line in f if '"hook_non_blocking_error"' in line]
        return errors

    def test_two_commands_install_the_plugin_and_its_first_use_downloads_the_runtime(self):
        url = self.git.url_of("codex-companion.git")
        added = self.claude("plugin", "marketplace", "add", url)
        self.assertEqual(added.returncode, 0, added.describe())
        installed = self.claude("plugin", "install", f"{PLUGIN}@{MARKETPLACE}")
        self.assertEqual(installed.returncode, 0, installed.describe())
        plugin = self.install_path()
        self.assertFalse(os.path.exists(os.path.join(plugin, "native")))
        self.assertFalse(os.path.exists(os.path.join(plugin, "..", "build")))
        self.assertEqual(self.release.requests, [], "installing the plugin downloaded something")

        setup = self.prompt("/codex:setup")
        (first,) = [b for b in setup.message_bodies()][:1]
        report = MessagesRequest(first).last_user_text()
        self.assertIn('"reviewGateEnabled"', report, setup.describe())
        self.assertIn('"available": true', report)
        self.assertNotIn("codex-companion:", report)

        token = f"INSTALLED{uuid.uuid4().hex[:8]}"
        self.rules = rescue_rules(write=False)
        task = self.prompt(f"/codex:rescue --fresh report ECHO:{token}")
        self.assertIn(token, task.stdout, task.describe())

        # One download, by the first hook of the first session; everything ran that binary.
        self.assertEqual(self.release.tarball_requests(),
                         [isup.artefact_name("linux-x64")])
        binary = os.path.join(self.cenv.home, ".local", "share", "codex-companion", VERSION,
                              "codex-companion")
        with tarfile.open(rs.tarball("linux-x64")) as tar, open(binary, "rb") as f:
            self.assertEqual(f.read(), tar.extractfile(
                f"codex-companion-{VERSION}-linux-x64/codex-companion").read())
        exports = []
        for top, _, names in os.walk(os.path.join(self.cenv.config_dir, "session-env")):
            for name in names:
                with open(os.path.join(top, name), encoding="utf-8") as f:
                    exports.append(f.read())
        self.assertTrue(any("CODEX_COMPANION_SESSION_ID=" in e for e in exports), exports)
        self.assertEqual(self.hook_errors(), [])
        self.assertFalse(os.path.exists(self.tripwire), "a compiler or build tool was called")


if __name__ == "__main__":
    unittest.main()
