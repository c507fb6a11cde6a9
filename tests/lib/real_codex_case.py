"""The base of the end-to-end suites: a CompanionTestCase whose environment runs the real Codex CLI
against a local Responses API stand-in, and which fails a test that leaves a Codex process behind."""

import os
import signal

from codex_env import CodexEnv
from companion_testlib import (CompanionTestCase, describe_process, processes_with_env,
                              wait_until)
from responses_stub import ResponsesStub


class RealCodexCase(CompanionTestCase):
    # A stand-in request handler class to use instead of the default one (or None).
    stub_handler = None

    def setUp(self):
        super().setUp()
        self.stub = ResponsesStub(default="normal", hang_limit_s=60)
        if self.stub_handler is not None:
            self.stub._server.RequestHandlerClass = self.stub_handler
        self.stub.start()
        self.addCleanup(self.stub.stop)
        self.codex = CodexEnv(self.stub.port)
        self.addCleanup(self.codex.cleanup)
        state_home = self.env["XDG_STATE_HOME"]
        self.env.update(self.codex.env)
        self.env["XDG_STATE_HOME"] = state_home
        # A private HOME: Codex's shell snapshot runs `bash -l` in its own session, and a user's
        # profile may leave background jobs behind (pyenv's rehash does) that no process group
        # kill reaches. The tests check for processes left by Codex, not by dotfiles.
        self.env["HOME"] = os.path.join(self.tmp, "home")
        os.makedirs(self.env["HOME"], mode=0o700)
        for var in ("CODEX_COMPANION_TURN_STALL_MS", "CODEX_COMPANION_JOB_TIMEOUT_MS",
                    "CLAUDE_PLUGIN_DATA"):
            self.env.pop(var, None)

    def tearDown(self):
        leftovers = self.codex_processes()
        described = "; ".join(describe_process(pid) for pid in leftovers)
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        super().tearDown()
        self.assertEqual(leftovers, [], "processes outlived the test: " + described)

    def codex_processes(self):
        """Live processes carrying this test's CODEX_HOME (companion, worker, launcher, codex)."""
        return processes_with_env("CODEX_HOME", self.codex.home)

    def assert_no_processes_left(self, timeout=5):
        wait_until(lambda: not self.codex_processes(), timeout,
                   what=f"no process with CODEX_HOME={self.codex.home}")
