"""The real Claude Code as the MCP client of `codex-companion mcp`: the server added with
`claude mcp add` in a private HOME, then a headless `claude -p` against the Messages stand-in
whose model calls codex_task and then codex_status; Codex is the real CLI against the Responses
stand-in. Checks that Claude Code lists the tools, that the task's answer (from Codex) and the job's
status reach the model, and that the job ended completed in the store.

    ctest --test-dir build/default -R claude.test_mcp_claude --output-on-failure
"""

import json
import os
import re
import shutil
import subprocess
import unittest

from claude_env import ClaudeEnv
from codex_env import CodexEnv
from companion_testlib import BIN
from messages_stub import MessagesRequest, MessagesStub
from responses_stub import ResponsesStub
from scratch import scratch_dir

SERVER = "codex-companion"
TASK_TOOL = f"mcp__{SERVER}__codex_task"
STATUS_TOOL = f"mcp__{SERVER}__codex_status"


class ClaudeCodeAsMcpClient(unittest.TestCase):
    def setUp(self):
        self.tmp = scratch_dir("companion-mcp-claude-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.responses = ResponsesStub(default="normal", hang_limit_s=60)
        self.responses.start()
        self.addCleanup(self.responses.stop)
        self.codex = CodexEnv(self.responses.port)
        self.addCleanup(self.codex.cleanup)
        self.token = f"mcp-claude-{os.getpid()}"
        self.messages = MessagesStub(rules=[self.model])
        self.messages.start()
        self.addCleanup(self.messages.stop)
        # Claude Code defers MCP tools behind its tool search by default (2.1.332: the request
        # lists only their names); with it off, the tools come with their schemas.
        self.claude = ClaudeEnv(self.messages, extra_env={"ENABLE_TOOL_SEARCH": "false"})
        self.addCleanup(self.claude.cleanup)
        subprocess.run(["git", "init", "-q", self.claude.project], check=True, timeout=30)
        self.state = os.path.join(self.tmp, "state")
        self.server_env = {"CODEX_HOME": self.codex.home,
                           "CODEX_COMPANION_CODEX": self.codex.codex,
                           "CODEX_COMPANION_STATE_DIR": self.state,
                           "CODEX_COMPANION_RUNTIME": "direct",
                           "PATH": self.codex.env["PATH"],
                           "RUST_LOG": "error"}

    def model(self, req):
        """The stand-in model: codex_task first, then codex_status of its job, then the answer."""
        if TASK_TOOL not in req.tool_names:
            return None
        results = req.tool_results()
        if not results:
            return [{"type": "tool_use", "name": TASK_TOOL,
                     "input": {"prompt": f"Work. ECHO:{self.token}"}}]
        if len(results) == 1:
            job = re.search(r'"jobId":\s*"([a-z0-9-]+)"', results[0][1])
            return [{"type": "tool_use", "name": STATUS_TOOL,
                     "input": {"jobId": job.group(1) if job else "none"}}]
        return [{"type": "text", "text": "done: {tool_result}"}]

    def test_claude_code_calls_codex_task_and_codex_status(self):
        added = self.claude.run(["mcp", "add", "-s", "user",
                                 *[f"-e{k}={v}" for k, v in self.server_env.items()],
                                 "--", SERVER, BIN, "mcp"], timeout=60)
        self.assertEqual(added.returncode, 0, added.describe())
        run = self.claude.run_prompt(
            "Hand the work to Codex.",
            extra_args=["--allowedTools", f"{TASK_TOOL},{STATUS_TOOL}", "--"], timeout=240)
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertFalse(run.timed_out, run.describe())
        bodies = [json.dumps(b) for b in run.message_bodies()]
        self.assertTrue(any(TASK_TOOL in b for b in bodies), "Claude Code did not list the tools")
        self.assertTrue(any(self.token in b and "rawOutput" in b for b in bodies),
                        "the task's answer from Codex did not reach the model: " + run.describe()
                        + "\n" + bodies[-1][-3000:])
        self.assertIn("done:", run.stdout)
        last = MessagesRequest(run.message_bodies()[-1]).tool_results()
        self.assertEqual(len(last), 2, "codex_task, then codex_status")
        self.assertRegex(last[1][1], r'"status":\s*"completed"', "codex_status's answer")
        self.assertRegex(bodies[-1], r'\\"status\\":\s*\\"completed\\"', "codex_status's answer")
        status = subprocess.run([BIN, "status", "--all", "--json", "--cwd", self.claude.project],
                                env={**os.environ, **self.server_env}, capture_output=True,
                                text=True, timeout=30)
        self.assertEqual(status.returncode, 0, status.stderr)
        latest = json.loads(status.stdout)["latestFinished"]
        self.assertEqual(latest["status"], "completed", latest)
        self.assertEqual(self.claude.leftover_processes(), [])


if __name__ == "__main__":
    unittest.main()
