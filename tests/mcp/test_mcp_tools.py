"""`codex-companion mcp` through the official TypeScript MCP SDK client, against the real Codex CLI
and the local Responses stand-in: the lifecycle, the tools (one source of truth with the CLI),
long calls (progress, then the job id), MCP tasks that outlive the server and the client,
cancellation, roots. Both runtimes (direct and the shared broker) for the job-running cases.

    ctest --test-dir build/default -R mcp.test_mcp_tools --output-on-failure
"""

import json
import os
import unittest

from mcp_support import HANG, McpCase, SharedMcpCase, slow, wait_until

TOOLS = ["codex_task", "codex_review", "codex_adversarial_review", "codex_status", "codex_result",
         "codex_cancel", "codex_logs"]


class Lifecycle(McpCase):
    def test_initialize_negotiates_and_lists_the_tools(self):
        client = self.driver()
        server = client.connect()
        self.assertEqual(server["version"]["name"], "codex-companion")
        self.assertIn("tasks", server["capabilities"])
        self.assertIn("logging", server["capabilities"])
        tools = client.ok("listTools")["tools"]
        self.assertEqual([t["name"] for t in tools], TOOLS)
        for tool in tools:
            self.assertEqual(tool["inputSchema"]["type"], "object", tool["name"])
            self.assertEqual(tool["outputSchema"]["type"], "object", tool["name"])
        self.assertEqual(client.ok("ping"), {})
        client.ok("close")

    def test_cli_refusals_are_the_clis_own_line(self):
        client = self.driver()
        client.connect()
        answer = client.ok("callTool", name="codex_task",
                           arguments={"prompt": "x", "effort": "bogus", "background": True})
        self.assertTrue(answer["result"]["isError"], answer)
        cli = self.run_cli("task", "--background", "--json", "--effort=bogus", "--", "x")
        self.assertEqual(cli.returncode, 1)
        self.assertEqual(answer["result"]["content"][0]["text"], cli.stderr.strip())
        review = client.ok("callTool", name="codex_review", arguments={"focus": "the parser"})
        self.assertTrue(review["result"]["isError"], review)
        self.assertIn("adversarial-review", review["result"]["content"][0]["text"])
        missing = client.ok("callTool", name="codex_result", arguments={"jobId": "task-nope"})
        self.assertTrue(missing["result"]["isError"])
        self.assertIn("task-nope", missing["result"]["content"][0]["text"])

    def test_bad_arguments_are_json_rpc_errors(self):
        client = self.driver()
        client.connect()
        wrong = client.call("callTool", name="codex_task", arguments={"prompt": 7})
        self.assertFalse(wrong["ok"])
        self.assertEqual(wrong["code"], -32602, wrong)
        unknown = client.call("callTool", name="codex_nope", arguments={})
        self.assertEqual(unknown["code"], -32602, unknown)
        self.assertEqual(client.ok("ping"), {})


class Tools(McpCase):
    def test_foreground_task_answers_with_its_result(self):
        client = self.driver()
        client.connect()
        token = self.token()
        answer = client.ok("callTool", name="codex_task",
                           arguments={"prompt": f"Work. ECHO:{token}"})
        result = answer["result"]
        self.assertFalse(result["isError"], result)
        job = result["structuredContent"]
        self.assertEqual(job["status"], "completed", job)
        self.assertIn(token, job["storedJob"]["result"]["rawOutput"])
        status = client.ok("callTool", name="codex_status", arguments={"jobId": job["jobId"]})
        self.assertEqual(status["result"]["structuredContent"]["job"]["status"], "completed")
        logs = client.ok("callTool", name="codex_logs", arguments={"jobId": job["jobId"],
                                                                   "lines": 5})
        self.assertLessEqual(len(logs["result"]["structuredContent"]["lines"]), 5)
        self.assert_no_processes_left()

    def test_review_and_adversarial_review_answer_with_their_results(self):
        with open(os.path.join(self.workspace, "change.py"), "w") as f:
            f.write("print('changed')\n")
        client = self.driver()
        client.connect()
        review = client.ok("callTool", name="codex_review", arguments={"scope": "working-tree"})
        self.assertFalse(review["result"]["isError"], review)
        job = review["result"]["structuredContent"]
        self.assertEqual((job["status"], job["job"]["kind"]), ("completed", "review"), job)
        adversarial = client.ok(
            "callTool", name="codex_adversarial_review",
            arguments={"scope": "working-tree", "focus": "[[stub:adversarial-json]] the parser"})
        self.assertFalse(adversarial["result"]["isError"], adversarial)
        stored = adversarial["result"]["structuredContent"]["storedJob"]
        self.assertEqual(stored["kind"], "adversarial-review")
        self.assertIn("the parser", stored["request"]["focusText"]
                      if "focusText" in stored["request"] else json.dumps(stored["request"]))
        self.assert_no_processes_left()

    def test_prompt_that_looks_like_options_stays_the_prompt(self):
        client = self.driver()
        client.connect()
        prompt = "--write --model=evil -- 'quoted' \\ ECHO:opt"
        answer = client.ok("callTool", name="codex_task",
                           arguments={"prompt": prompt, "background": True})
        launched = answer["result"]["structuredContent"]
        job = self.wait_job(launched["jobId"])
        self.assertEqual(job["request"]["prompt"], prompt)
        self.assertFalse(job["request"]["write"], job["request"])
        self.assert_no_processes_left()

    def test_long_call_returns_the_job_id_with_progress(self):
        client = self.driver()
        client.connect(env={"CODEX_COMPANION_MCP_WAIT_MS": "2500"})
        token = self.token()
        answer = client.ok("callTool", name="codex_task", progress=True,
                           arguments={"prompt": f"Slow. ECHO:{token} {slow(6000)}"})
        result = answer["result"]
        self.assertFalse(result["isError"], result)
        self.assertTrue(result["structuredContent"]["waitTimedOut"], result)
        self.assertIn("codex_result", result["content"][0]["text"])
        self.assertGreaterEqual(len(answer["progress"]), 1, answer)
        job_id = result["structuredContent"]["jobId"]
        job = self.wait_job(job_id)
        self.assertEqual(job["status"], "completed")
        fetched = client.ok("callTool", name="codex_result", arguments={"jobId": job_id})
        self.assertIn(token, fetched["result"]["structuredContent"]["storedJob"]["result"]
                      ["rawOutput"])
        self.assert_no_processes_left()

    def test_codex_cancel_ends_a_background_job(self):
        client = self.driver()
        client.connect()
        answer = client.ok("callTool", name="codex_task",
                           arguments={"prompt": f"Hang. {HANG}", "background": True})
        job_id = answer["result"]["structuredContent"]["jobId"]
        wait_until(lambda: self.job(job_id)["turnId"], 30, interval=0.1, what="the turn")
        cancelled = client.ok("callTool", name="codex_cancel", arguments={"jobId": job_id})
        self.assertFalse(cancelled["result"]["isError"], cancelled)
        job = self.wait_job(job_id)
        self.assertEqual(job["status"], "cancelled")
        self.assert_no_processes_left()

    def test_roots_pick_the_workspace(self):
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        client = self.driver()
        client.connect(roots=["file://" + other.replace(" ", "%20")])
        status = wait_until(
            lambda: (lambda s: s if s["result"]["structuredContent"]["workspaceRoot"] == other
                     else None)(client.ok("callTool", name="codex_status", arguments={})),
            10, interval=0.1, what="the root as workspace")
        self.assertFalse(status["result"]["isError"])

    def test_root_that_the_cli_refuses_is_refused(self):
        client = self.driver()
        client.connect(roots=["file:///"])
        answer = wait_until(
            lambda: (lambda a: a if a["result"]["isError"] else None)(
                client.ok("callTool", name="codex_status", arguments={})),
            10, interval=0.1, what="the refusal of /")
        cli = self.run_cli("status", "--json", "--cwd", "/")
        self.assertEqual(answer["result"]["content"][0]["text"], cli.stderr.strip())


class TasksCases:
    """MCP tasks: the task id is the job id (both runtimes)."""

    def assert_settled(self):
        # A shared broker stays until tearDown stops it (then the leftover check runs).
        if self.runtime == "direct":
            self.assert_no_processes_left()

    def test_task_survives_server_restart(self):
        client = self.driver()
        first = client.connect()
        token = self.token()
        created = client.ok("callToolTask", name="codex_task",
                            arguments={"prompt": f"Work. ECHO:{token} {slow(3000)}"})
        task_id = created["taskId"]
        self.assertEqual(self.job(task_id)["id"], task_id)
        os.kill(first["pid"], 9)
        client.kill()
        again = self.driver()
        again.connect()
        task = again.ok("getTask", taskId=task_id)
        self.assertIn(task["status"], ("working", "completed"), task)
        result = again.ok("taskResult", taskId=task_id)
        self.assertFalse(result["isError"], result)
        self.assertIn(token, json.dumps(result["structuredContent"]))
        self.assertEqual(again.ok("getTask", taskId=task_id)["status"], "completed")
        listed = [t["taskId"] for t in again.ok("listTasks")["tasks"]]
        self.assertIn(task_id, listed)
        self.assert_settled()

    def test_task_followed_to_its_result_by_the_sdk(self):
        client = self.driver()
        client.connect()
        token = self.token()
        followed = client.ok("callToolTask", name="codex_task", follow=True,
                             arguments={"prompt": f"Work. ECHO:{token}"})
        self.assertEqual(followed["messages"][0], "taskCreated", followed)
        self.assertEqual(followed["messages"][-1], "result", followed)
        self.assertIn(token, json.dumps(followed["result"]))
        self.assert_settled()

    def test_tasks_cancel_cancels_the_job(self):
        client = self.driver()
        client.connect()
        created = client.ok("callToolTask", name="codex_task", arguments={"prompt": f"H {HANG}"})
        task_id = created["taskId"]
        wait_until(lambda: self.job(task_id)["turnId"], 30, interval=0.1, what="the turn")
        task = client.ok("cancelTask", taskId=task_id)
        self.assertEqual(task["status"], "cancelled", task)
        self.assertEqual(self.job(task_id)["status"], "cancelled")
        again = client.call("cancelTask", taskId=task_id)
        self.assertFalse(again["ok"], again)
        self.assert_settled()


class TasksDirect(TasksCases, McpCase):
    pass


class TasksShared(TasksCases, SharedMcpCase):
    pass


if __name__ == "__main__":
    unittest.main()
