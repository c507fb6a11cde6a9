"""Foreground Codex turns (task, review, adversarial-review, setup) against the REAL Codex CLI.

Each test runs the built codex-companion with a private state root and CODEX_HOME; Codex talks to
a local Responses API stand-in (tests/lib/responses_stub.py) whose behaviour is chosen by markers
in the prompt. Fault tests assert one terminal state with its endReason, the job row and log kept,
no lock file and no process left behind (found by this test's CODEX_HOME in /proc/*/environ).

    ctest --test-dir build/default -R e2e.test_turns --output-on-failure
"""

import json
import os
import signal
import subprocess
import time
import unittest

from companion_testlib import BIN, pid_alive, wait_until
from turns_support import (MULTI_FINDINGS_TOKEN, CodexTurnCase, descendants, exe_of, git,
                           init_repo, native_codex_among, read_children)

# The companion runs the native codex directly when CODEX_COMPANION_CODEX is the npm launcher
# of a plain npm install; with CODEX_MANAGED_BY_* already set it keeps the Node launcher.
LAUNCHER_KEPT = {"CODEX_MANAGED_BY_NPM": "1"}


def request_text(entry):
    """Every input text of one recorded Responses request."""
    texts = []
    for item in entry["body"].get("input") or []:
        if isinstance(item, dict) and item.get("type") in (None, "message"):
            for part in item.get("content") or []:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    texts.append(part["text"])
    return "\n".join(texts)


class TaskTurns(CodexTurnCase):
    def test_task_answer_progress_and_stored_job(self):
        out = self.run_cli("task", "Say hello. ECHO:tok-answer-1")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("tok-answer-1", out.stdout)
        progress = out.stderr.splitlines()
        self.assertTrue(progress, "no progress on stderr")
        self.assertTrue(all(line.startswith("[codex] ") for line in progress), out.stderr)
        self.assertTrue(any("Turn completed" in line for line in progress), out.stderr)
        job = self.only_job()
        self.assert_terminal(job, "completed", "completed")
        self.assertEqual(job["kind"], "task")
        self.assertTrue(job["threadId"])
        self.assertIn(f"codex resume {job['threadId']}", out.stderr)
        self.assertIn("tok-answer-1", job["rendered"])
        with open(job["logFile"]) as f:
            self.assertIn("tok-answer-1", f.read())
        self.assertEqual(self.stub.requests[-1]["behaviour"], "normal")
        self.assert_persistent_named_thread(job["threadId"], "Say hello. ECHO:tok-answer-1")
        self.assert_no_processes_left()

    def assert_persistent_named_thread(self, thread_id, prompt):
        """Codex kept the thread (a rollout file, so `codex resume` works) under our name."""
        rollouts = [f for _, _, files in os.walk(os.path.join(self.codex.home, "sessions"))
                    for f in files if f.endswith(f"{thread_id}.jsonl")]
        self.assertEqual(len(rollouts), 1, f"no rollout file for thread {thread_id}")
        with open(os.path.join(self.codex.home, "session_index.jsonl")) as f:
            names = [json.loads(line) for line in f if thread_id in line]
        self.assertTrue(names, "the thread was not named")
        self.assertIn(f"Codex Companion Task: {prompt}", json.dumps(names[-1]))

    def test_task_json_payload(self):
        out = self.run_cli("task", "--json", "ECHO:tok-json")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr, "", "--json prints no progress")
        payload = json.loads(out.stdout)
        self.assertEqual(set(payload),
                         {"status", "threadId", "rawOutput", "touchedFiles", "reasoningSummary"})
        self.assertEqual(payload["status"], 0)
        self.assertIn("tok-json", payload["rawOutput"])
        self.assertEqual(payload["touchedFiles"], [])
        self.assertTrue(any("Stub reasoning" in s for s in payload["reasoningSummary"]))
        job = self.only_job()
        self.assertEqual(payload["threadId"], job["threadId"])
        self.assertEqual(job["result"], payload)

    def test_prompt_from_file_and_from_stdin(self):
        path = os.path.join(self.tmp, "prompt.md")
        with open(path, "w") as f:
            f.write("From a file. ECHO:tok-file\n")
        out = self.run_cli("task", "--prompt-file", path)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("tok-file", out.stdout)
        self.assertIn("From a file.", request_text(self.stub.requests[-1]))
        out = self.run_cli("task", input="From stdin. ECHO:tok-stdin\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("tok-stdin", out.stdout)
        self.assertIn("From stdin.", request_text(self.stub.requests[-1]))
        self.assertEqual([j[2] for j in self.jobs()], ["completed", "completed"])

    def test_model_alias_and_effort_reach_the_api(self):
        out = self.run_cli("task", "--model", "spark", "--effort", "high", "ECHO:tok-model")
        self.assertEqual(out.returncode, 0, out.stderr)
        body = self.stub.requests[-1]["body"]
        self.assertEqual(body["model"], "gpt-5.3-codex-spark")
        self.assertEqual(body["reasoning"]["effort"], "high")
        job = self.only_job()
        self.assertEqual(job["request"]["model"], "gpt-5.3-codex-spark")
        self.assertEqual(job["request"]["effort"], "high")
        # Without the options: the configured model, and Codex's default effort for it.
        out = self.run_cli("task", "ECHO:tok-plain")
        self.assertEqual(out.returncode, 0, out.stderr)
        body = self.stub.requests[-1]["body"]
        self.assertEqual(body["model"], "gpt-5.5")
        self.assertEqual(body["reasoning"]["effort"], "medium")
        # --model=NAME is passed through as given.
        out = self.run_cli("task", "--model=gpt-5.4", "ECHO:tok-named")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.stub.requests[-1]["body"]["model"], "gpt-5.4")

    def test_raw_argument_string_is_split_like_a_shell(self):
        # Claude Code passes "$ARGUMENTS" as one argument.
        out = self.run_cli("task", "--model spark --effort low 'Quoted prompt ECHO:tok-raw'")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("tok-raw", out.stdout)
        body = self.stub.requests[-1]["body"]
        self.assertEqual(body["model"], "gpt-5.3-codex-spark")
        self.assertEqual(body["reasoning"]["effort"], "low")
        self.assertIn("Quoted prompt ECHO:tok-raw", request_text(self.stub.requests[-1]))

    def test_write_sandbox_lets_codex_edit(self):
        # Read-only (the default): Codex's sandbox rejects the patch, nothing is touched.
        payload = self.run_json("task", "Add it [[stub:patch:blocked.txt]]")
        self.assertEqual(payload["status"], 0)
        self.assertEqual(payload["touchedFiles"], [])
        self.assertIn("read-only", payload["rawOutput"])
        self.assertFalse(os.path.exists(os.path.join(self.workspace, "blocked.txt")))
        # --write: workspace-write, the file is created and reported.
        payload = self.run_json("task", "--write", "Add it [[stub:patch:added.txt]]")
        self.assertEqual(payload["status"], 0, payload)
        added = os.path.join(self.workspace, "added.txt")
        self.assertTrue(os.path.isfile(added))
        self.assertEqual([os.path.realpath(p) for p in payload["touchedFiles"]],
                         [os.path.realpath(added)])
        jobs = [self.job(row[0]) for row in self.jobs()]
        self.assertEqual([j["write"] for j in jobs], [False, True])


class TaskFaults(CodexTurnCase):
    def spawn_task(self, prompt, env=None):
        proc = self.spawn_cli("task", prompt, env=env)
        # The turn is under way once Codex has asked the model.
        wait_until(lambda: self.stub.requests or proc.poll() is not None, 30,
                   what="Codex to call the Responses stand-in")
        if proc.poll() is not None:
            self.fail(f"task ended early: {proc.communicate()}")
        return proc

    def finish(self, proc, within):
        """Waits for the companion to exit within `within` seconds; returns (rc, out, err)."""
        started = time.monotonic()
        out, err = proc.communicate(timeout=within + 10)
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, within, f"took {elapsed:.1f}s to exit; stderr: {err}")
        return proc.returncode, out, err

    def test_http_500_fails_the_turn(self):
        started = time.monotonic()
        out = self.run_cli("task", "Fail please [[stub:500]]", timeout=60)
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(out.returncode, 1, out.stderr)
        job = self.only_job()
        self.assert_terminal(job, "failed", "turn-failed")
        self.assertTrue(job["errorMessage"])
        # Codex's own message (it rewords the HTTP 500) is passed on, on both streams.
        self.assertIn(job["errorMessage"], out.stdout)
        last = out.stderr.strip().splitlines()[-1]
        self.assertEqual(last, f"codex-companion: {job['id']} failed: {job['errorMessage']}")
        self.assertEqual(self.stub.requests[-1]["behaviour"], "500")
        self.assert_no_processes_left()

    def codex_tree(self, proc, launcher):
        """Waits until the companion's descendants hold the native codex (and, with the npm
        launcher kept, the Node launcher as its parent); returns (native pid, the pids of the
        app-server's process group: launcher and native)."""
        def ready():
            tree = descendants(proc.pid)
            natives = native_codex_among(tree)
            if len(natives) != 1 or (launcher and len(tree) < 2):
                return None
            return natives[0], tree
        native, tree = wait_until(ready, 10, what="the native codex among the descendants")
        wait_until(lambda: self.jobs() and self.jobs()[0][2] == "running", 10, what="job running")
        # Live children only: as the reaper of its orphans, the companion may hold a zombie that
        # Codex left behind until the turn ends.
        children = [c for c in read_children(proc.pid) if pid_alive(c)]
        if launcher:
            self.assertEqual(len(children), 1, children)
            self.assertIn("node", os.path.basename(exe_of(children[0])))
            self.assertIn(native, read_children(children[0]))
        else:
            self.assertEqual(children, [native], "the npm launcher is bypassed by default")
        return native, children + [native] if launcher else [native]

    def kill_native_mid_turn(self, launcher):
        env = LAUNCHER_KEPT if launcher else None
        proc = self.spawn_task("Hang [[stub:hang]]", env=env)
        native, tree = self.codex_tree(proc, launcher)
        os.kill(native, signal.SIGKILL)
        rc, out, err = self.finish(proc, within=2)
        self.assertEqual(rc, 1, err)
        job = self.only_job()
        self.assert_terminal(job, "failed", "app-server-exited")
        message = job["errorMessage"]
        self.assertIn("Codex app-server exited (signal 9) during the turn", message)
        self.assertIn(f"codex-companion: {job['id']} failed: {message}", err)
        self.assertEqual([p for p in tree if pid_alive(p)], [])
        self.assert_no_processes_left()

    def test_killed_app_server_fails_the_job_at_once(self):
        self.kill_native_mid_turn(launcher=False)

    def test_killed_app_server_under_the_npm_launcher(self):
        self.kill_native_mid_turn(launcher=True)

    def test_killed_companion_takes_its_app_server_along(self):
        proc = self.spawn_task("Hang [[stub:hang]]")
        native, _ = self.codex_tree(proc, launcher=False)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        wait_until(lambda: not pid_alive(native), 2, what="the app-server to die with its parent")
        job = self.only_job()  # the read notices the dead owner
        self.assert_terminal(job, "failed", "worker-died")
        self.assertIn(str(proc.pid), job["errorMessage"])
        self.assert_no_processes_left()

    def test_hanging_model_stalls(self):
        env = {"CODEX_COMPANION_TURN_STALL_MS": "2000"}
        proc = self.spawn_task("Hang [[stub:hang]]", env=env)
        rc, out, err = self.finish(proc, within=10)
        self.assertEqual(rc, 1, err)
        job = self.only_job()
        self.assert_terminal(job, "failed", "stalled")
        self.assertIn("no activity", job["errorMessage"].lower())
        self.assertIn("no activity", err.lower())
        self.assertTrue(job["result"].get("turnInterruptAttempted"), job["result"])
        self.assert_no_processes_left()

    def test_job_deadline_ends_a_slow_turn(self):
        env = {"CODEX_COMPANION_JOB_TIMEOUT_MS": "2500"}
        started = time.monotonic()
        out = self.run_cli("task", "Slow [[stub:slow:20000]] ECHO:never", env=env, timeout=60)
        elapsed = time.monotonic() - started
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertGreaterEqual(elapsed, 2.5)
        self.assertLess(elapsed, 10)
        self.assertNotIn("never", out.stdout)
        job = self.only_job()
        self.assert_terminal(job, "failed", "deadline")
        self.assertIn("deadline", job["errorMessage"].lower())
        self.assert_no_processes_left()

    def signal_cancels(self, sig, to_group, launcher=False):
        proc = self.spawn_task("Hang [[stub:hang]]", env=LAUNCHER_KEPT if launcher else None)
        _, tree = self.codex_tree(proc, launcher)
        if to_group:
            os.killpg(proc.pid, sig)  # what Ctrl-C does: the app-server has its own group
        else:
            os.kill(proc.pid, sig)
        rc, out, err = self.finish(proc, within=5)
        self.assertEqual(rc, 1, err)
        job = self.only_job()
        self.assert_terminal(job, "cancelled", "cancelled")
        self.assertTrue(job["result"].get("turnInterruptAttempted"), job["result"])
        self.assertIn(f"codex-companion: {job['id']} cancelled", err)
        self.assertEqual([p for p in tree if pid_alive(p)], [])
        self.assert_no_processes_left()

    def test_ctrl_c_cancels_a_foreground_task(self):
        self.signal_cancels(signal.SIGINT, to_group=True)

    def test_sigterm_cancels_a_foreground_task(self):
        self.signal_cancels(signal.SIGTERM, to_group=False)

    def test_sigint_cancels_a_task_under_the_npm_launcher(self):
        self.signal_cancels(signal.SIGINT, to_group=False, launcher=True)


class TaskThreads(CodexTurnCase):
    def test_resume_continues_the_thread_and_fresh_starts_one(self):
        first = self.run_json("task", "First turn. ECHO:tok-first")
        resumed = self.run_json("task", "--resume", "Second turn. ECHO:tok-second")
        self.assertEqual(resumed["threadId"], first["threadId"])
        self.assertIn("tok-second", resumed["rawOutput"])
        # The model saw the earlier conversation: Codex really continued the thread.
        self.assertIn("First turn.", request_text(self.stub.requests[-1]))
        rows = self.jobs()
        second = self.job(rows[1][0])
        self.assertEqual(second["request"]["resumeThreadId"], first["threadId"])
        fresh = self.run_json("task", "--fresh", "Third turn. ECHO:tok-third")
        self.assertNotEqual(fresh["threadId"], first["threadId"])
        self.assertNotIn("First turn.", request_text(self.stub.requests[-1]))
        candidate = self.run_json("task-resume-candidate")
        self.assertTrue(candidate["available"])
        self.assertEqual(candidate["candidate"]["threadId"], fresh["threadId"])

    def test_resume_is_scoped_to_the_session(self):
        in_a = {"CODEX_COMPANION_SESSION_ID": "session-a"}
        in_b = {"CODEX_COMPANION_SESSION_ID": "session-b"}
        first = self.run_json("task", "In session A. ECHO:tok-a", env=in_a)
        self.assert_one_line_error(self.run_cli("task", "--resume", "ECHO:x", env=in_b),
                                   "no earlier task")
        resumed = self.run_json("task", "--resume", "Again. ECHO:tok-a2", env=in_a)
        self.assertEqual(resumed["threadId"], first["threadId"])
        self.assertEqual(len(self.jobs()), 2)

    def test_resume_without_an_earlier_task_is_refused(self):
        self.assert_one_line_error(self.run_cli("task", "--resume", "ECHO:x"), "no earlier task")
        self.assertEqual(self.jobs(), [])
        self.assertEqual(self.stub.requests, [])

    def test_resume_while_a_task_runs_is_refused(self):
        self.run_json("task", "Earlier. ECHO:tok-earlier")
        proc = self.spawn_cli("task", "Still going [[stub:hang]]")
        wait_until(lambda: len(self.stub.requests) == 2, 30, what="the second task's turn")
        running = [r for r in self.jobs() if r[2] == "running"]
        self.assertEqual(len(running), 1)
        refused = self.run_cli("task", "--resume", "ECHO:too-early")
        self.assert_one_line_error(refused, running[0][0])
        self.assertEqual(len(self.jobs()), 2, "the refused resume created a job")
        os.kill(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=15)
        self.assert_terminal(self.job(running[0][0]), "cancelled", "cancelled")
        self.assert_no_processes_left()


class Reviews(CodexTurnCase):
    def setUp(self):
        super().setUp()
        init_repo(self.workspace)

    def test_review_of_a_dirty_working_tree(self):
        with open(os.path.join(self.workspace, "README.md"), "a") as f:
            f.write("A new line to review.\n")
        out = self.run_cli("review", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("# Codex Review", out.stdout)
        self.assertIn("working tree", out.stdout)
        self.assertIn("Stub finding", out.stdout)
        self.assertEqual(self.stub.requests[-1]["behaviour"], "review")
        job = self.only_job()
        self.assert_terminal(job, "completed", "completed")
        self.assertEqual(job["kind"], "review")
        payload = job["result"]
        self.assertEqual(payload["review"], "Review")
        self.assertEqual(payload["target"]["mode"], "working-tree")
        self.assertEqual(payload["codex"]["status"], 0)
        self.assertIn("Stub finding", payload["codex"]["stdout"])
        self.assertTrue(payload["threadId"])
        self.assert_no_processes_left()

    def test_review_of_a_branch_against_main_as_json(self):
        git(self.workspace, "checkout", "-q", "-b", "feature")
        with open(os.path.join(self.workspace, "feature.txt"), "w") as f:
            f.write("feature work\n")
        git(self.workspace, "add", "feature.txt")
        git(self.workspace, "commit", "-q", "-m", "add feature")
        out = self.run_cli("review", "--base", "main", "--json", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        payload = json.loads(out.stdout)
        self.assertEqual(payload["review"], "Review")
        self.assertEqual(payload["target"]["mode"], "branch")
        self.assertEqual(payload["target"]["baseRef"], "main")
        self.assertEqual(payload["codex"]["status"], 0)
        self.assertIn("Stub finding", payload["codex"]["stdout"])
        self.assertEqual(self.stub.requests[-1]["behaviour"], "review")
        self.assertIn("main", request_text(self.stub.requests[-1]))
        self.assert_terminal(self.only_job(), "completed", "completed")

    def test_review_refusals(self):
        cases = [(("review",), "nothing to review"),
                 (("review", "--scope", "working-tree"), "working tree is clean"),
                 (("review", "--base", "no-such-ref"), "no-such-ref"),
                 (("review", "--scope", "bogus"), "--scope"),
                 (("review", "--wait", "--background"), "choose one"),
                 (("adversarial-review", "--effort", "huge"), "--effort")]
        for args, fragment in cases:
            with self.subTest(args=args):
                self.assert_one_line_error(self.run_cli(*args), fragment)
        self.assertEqual(self.jobs(), [])
        self.assertEqual(self.stub.requests, [])

    def hang_reviewer(self):
        # Codex sends AGENTS.md to the model with the reviewer's request: the marker reaches the
        # stand-in, so the built-in reviewer's model stream hangs.
        with open(os.path.join(self.workspace, "AGENTS.md"), "w") as f:
            f.write("Instructions for reviewers: [[stub:hang]]\n")

    def test_stalled_review_is_interrupted(self):
        self.hang_reviewer()
        env = {"CODEX_COMPANION_TURN_STALL_MS": "2000"}
        out = self.run_cli("review", env=env, timeout=60)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertEqual(self.stub.requests[-1]["behaviour"], "hang")
        job = self.only_job()
        self.assert_terminal(job, "failed", "stalled")
        self.assertIn("Codex review failed: No activity from Codex for 2 s", out.stdout)
        # The inner review turn is the active one: interrupting it must work.
        self.assertNotIn("Interrupting the turn failed", out.stderr)
        self.assertEqual((job["result"].get("turnInterruptAttempted"),
                          job["result"].get("turnInterrupted")), (True, True), job["result"])
        self.assert_no_processes_left()

    def test_sigterm_cancels_a_review(self):
        self.hang_reviewer()
        proc = self.spawn_cli("review")
        wait_until(lambda: self.stub.requests, 30, what="the reviewer's model request")
        wait_until(lambda: self.jobs() and self.jobs()[0][2] == "running", 10, what="job running")
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 1, err)
        job = self.only_job()
        self.assert_terminal(job, "cancelled", "cancelled")
        self.assertNotIn("Interrupting the turn failed", err)
        self.assertEqual((job["result"].get("turnInterruptAttempted"),
                          job["result"].get("turnInterrupted")), (True, True), job["result"])
        self.assert_no_processes_left()

    def dirty(self):
        with open(os.path.join(self.workspace, "README.md"), "a") as f:
            f.write("Risky change.\n")

    def test_adversarial_review_renders_findings_by_severity(self):
        self.dirty()
        out = self.run_cli("adversarial-review", f"[[stub:adversarial-json]] {MULTI_FINDINGS_TOKEN}",
                           timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        text = out.stdout
        self.assertIn("needs-attention", text)
        order = [text.find(t) for t in ("Critical finding", "High finding", "Medium finding",
                                         "Low finding")]
        self.assertTrue(all(i >= 0 for i in order), text)
        self.assertEqual(order, sorted(order), f"findings not ordered by severity:\n{text}")
        # The answer schema reached the API as the structured output format.
        fmt = self.stub.requests[-1]["body"].get("text", {}).get("format", {})
        self.assertEqual(fmt.get("type"), "json_schema", self.stub.requests[-1]["body"].get("text"))
        self.assert_terminal(self.only_job(), "completed", "completed")

    def test_adversarial_review_json_payload(self):
        self.dirty()
        payload = self.run_json("adversarial-review", "[[stub:adversarial-json]] look at README",
                                timeout=60)
        self.assertEqual(payload["review"], "Adversarial Review")
        self.assertEqual(payload["result"]["verdict"], "needs-attention")
        self.assertEqual(payload["result"]["findings"][0]["severity"], "high")
        self.assertIsNone(payload["parseError"])
        self.assertEqual(json.loads(payload["rawOutput"]), payload["result"])
        self.assertEqual(os.path.realpath(payload["context"]["repoRoot"]),
                         os.path.realpath(self.workspace))
        self.assertEqual(payload["context"]["branch"], "main")
        self.assertEqual(payload["codex"]["status"], 0)
        self.assertIn("look at README", request_text(self.stub.requests[-1]))

    def test_adversarial_review_unparseable_answer(self):
        # The turn itself completed, so the job completes and the exit status is 0; the answer
        # is shown raw with the parse error, and `result` is null.
        self.dirty()
        out = self.run_cli("adversarial-review", "[[stub:adversarial-bad]]", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("This is not JSON: {verdict: maybe", out.stdout)
        job = self.only_job()
        self.assert_terminal(job, "completed", "completed")
        payload = job["result"]
        self.assertIsNone(payload["result"])
        self.assertTrue(payload["parseError"])
        self.assertIn(payload["parseError"], out.stdout)
        self.assertIn("This is not JSON", payload["rawOutput"])


class BadInput(CodexTurnCase):
    """Each is one line on stderr, exit 1, fast; nothing asked of Codex."""

    def assert_refused(self, proc, fragment, jobs_expected=0):
        line = self.assert_one_line_error(proc, fragment)
        self.assertEqual(len(self.jobs()), jobs_expected)
        self.assertEqual(self.stub.requests, [])
        return line

    def test_missing_codex_binary(self):
        # Refused before any job exists, in the foreground and in the background alike.
        env = {"CODEX_COMPANION_CODEX": "/nonexistent/codex"}
        for args in (["task", "ECHO:x"], ["task", "--background", "ECHO:x"],
                     ["task", "--json", "ECHO:x"]):
            started = time.monotonic()
            out = self.run_cli(*args, env=env)
            self.assertLess(time.monotonic() - started, 3)
            line = self.assert_refused(out, "npm install -g @openai/codex")
            self.assertIn("/nonexistent/codex", line)
            self.assertEqual(out.stdout, "")

    def test_bad_effort(self):
        self.assert_refused(self.run_cli("task", "--effort", "huge", "x"), "--effort")

    def test_no_prompt(self):
        with open(os.devnull) as devnull:
            out = subprocess.run([BIN, "task"], cwd=self.workspace, env=self.env, stdin=devnull,
                                 capture_output=True, text=True, timeout=10)
        self.assert_refused(out, "no prompt")

    def test_open_stdin_without_a_prompt_does_not_hang(self):
        proc = self.spawn([BIN, "task"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)  # the pipe stays open, empty
        started = time.monotonic()
        try:
            proc.wait(timeout=10)  # not communicate(): that would close stdin
        except subprocess.TimeoutExpired:
            self.fail("task waited for a prompt on an idle stdin pipe")
        self.assertLess(time.monotonic() - started, 5)
        out, err = proc.stdout.read(), proc.stderr.read()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            pipe.close()
        self.assert_refused(subprocess.CompletedProcess(proc.args, proc.returncode, out, err),
                            "no prompt")

    def test_oversized_prompt_on_stdin(self):
        self.assert_refused(self.run_cli("task", input="x" * (4 * 1024 * 1024 + 1)), "4 MiB")

    def test_resume_with_fresh(self):
        self.assert_refused(self.run_cli("task", "--resume", "--fresh", "x"), "--fresh")

    def test_missing_prompt_file(self):
        missing = os.path.join(self.tmp, "missing.md")
        self.assert_refused(self.run_cli("task", "--prompt-file", missing), missing)

    def test_review_with_focus_text(self):
        init_repo(self.workspace)
        self.assert_refused(self.run_cli("review", "look", "at", "auth"), "adversarial-review")

    def test_review_outside_git(self):
        self.assert_refused(self.run_cli("review"), "git")
        self.assert_refused(self.run_cli("adversarial-review", "focus"), "git")

    def test_earlier_jobs_survive_bad_input(self):
        self.run_json("task", "ECHO:keep-me")
        self.assert_one_line_error(self.run_cli("task", "--effort", "huge", "x"))
        self.assert_one_line_error(self.run_cli("task", "--prompt-file", "/nonexistent"))
        rows = self.jobs()
        self.assertEqual(len(rows), 1)
        self.assertIn("keep-me", self.job(rows[0][0])["rendered"])


class Setup(CodexTurnCase):
    def test_setup_with_the_real_codex(self):
        report = self.run_json("setup", timeout=60)
        self.assertTrue(report["ready"], report)
        codex = report["codex"]
        self.assertTrue(codex["available"], codex)
        self.assertEqual(codex["version"], "codex-cli 0.169.0")
        self.assertEqual(codex["path"], self.codex.codex)
        auth = report["auth"]
        self.assertTrue(auth["available"], auth)
        self.assertIsNone(auth["account"])  # the stand-in provider needs no sign-in
        self.assertIn("model provider mock", auth["detail"])
        self.assertEqual(report["sessionRuntime"]["mode"], "direct")
        self.assertFalse(report["reviewGateEnabled"])
        self.assertFalse(any("codex login" in s or "npm install" in s
                             for s in report["nextSteps"]), report["nextSteps"])
        text = self.run_cli("setup", timeout=60)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("Status: ready", text.stdout)
        self.assertIn("codex-cli 0.169.0", text.stdout)
        self.assert_no_processes_left()

    def test_setup_without_codex(self):
        report = self.run_json("setup", env={"CODEX_COMPANION_CODEX": "/nonexistent/codex"})
        self.assertFalse(report["ready"])
        self.assertFalse(report["codex"]["available"])
        self.assertTrue(any("npm install" in s for s in report["nextSteps"]), report["nextSteps"])


if __name__ == "__main__":
    unittest.main()
