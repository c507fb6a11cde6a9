"""The Claude Code hooks (`codex-companion hook ...`) as processes, with the JSON Claude Code sends
and the fake app-server as Codex: the env file of SessionStart, SessionEnd leaving jobs alone, the
stop-time review gate (blocking, allowing, never blocking without a verdict nor twice in a row)
and the completion notices of UserPromptSubmit (each ended background job once)."""

import json
import os
import subprocess
import unittest

from companion_testlib import BIN, pid_alive, wait_until
from hooks_support import HookCase

SESSION = "0f3c8a52-1d7e-4a55-9c1b-6e2f0a9d4b11"
FINDING = "BLOCK: Missing empty-state guard in a.txt:1"


class SessionHooks(HookCase):

    def session_start(self, env_file, session_id=SESSION, source="startup", env=None):
        out = self.hook("session-start",
                        self.hook_input("SessionStart", session_id, source=source),
                        env={"CLAUDE_ENV_FILE": env_file, **(env or {})})
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""), source)
        return out

    def sourced(self, env_file, *names):
        """What a POSIX shell that sources the file sees in `names`."""
        script = f". '{env_file}'; " + "; ".join(f'printf "%s\\0" "${{{n}-unset}}"' for n in names)
        shell = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                               env={"PATH": "/usr/bin:/bin"})
        self.assertEqual(shell.returncode, 0, shell.stderr)
        return shell.stdout.split("\0")[:-1]

    def test_session_start_writes_the_reference_export_lines(self):
        env_file = os.path.join(self.tmp, "claude-env.sh")
        with open(env_file, "w") as f:
            f.write("export OTHER_PLUGIN=1\n")
        transcript = os.path.join(self.projects, "-repo", "it's a session.jsonl")
        out = self.hook("session-start",
                        self.hook_input("SessionStart", SESSION, source="startup",
                                        transcript_path=transcript),
                        env={"CLAUDE_ENV_FILE": env_file})
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""))
        quoted = transcript.replace("'", "'\"'\"'")
        with open(env_file) as f:
            self.assertEqual(f.read(),
                             "export OTHER_PLUGIN=1\n"
                             f"export CODEX_COMPANION_SESSION_ID='{SESSION}'\n"
                             f"export CODEX_COMPANION_TRANSCRIPT_PATH='{quoted}'\n")
        # What a shell makes of the file is exactly the values.
        self.assertEqual(self.sourced(env_file, "CODEX_COMPANION_TRANSCRIPT_PATH"), [transcript])

    def test_session_start_on_every_resume_and_compact_keeps_the_env_file_the_same_size(self):
        # Regression: each SessionStart appended our lines again; Claude Code keeps one file per
        # session and hook and sources it before every Bash command, so it grew without bound.
        env_file = os.path.join(self.tmp, "sessionstart-hook-0.sh")
        before = "export OTHER_PLUGIN='one value'\n# another plugin's comment\n"
        after = "export LATER_PLUGIN=2\n"
        with open(env_file, "w") as f:
            f.write(before)
        os.chmod(env_file, 0o644)
        self.session_start(env_file)
        with open(env_file, "a") as f:
            f.write(after)  # another plugin's hook appends after ours
        with open(env_file, "rb") as f:
            first = f.read()
        sources = ["resume", "compact", "clear", "startup"] * 10
        for source in sources:
            self.session_start(env_file, source=source)
            with open(env_file, "rb") as f:
                self.assertEqual(f.read(), first, source)
        self.assertEqual(os.stat(env_file).st_mode & 0o777, 0o644)
        self.assertTrue(first.startswith(before.encode()) and first.endswith(after.encode()))
        # Latest values win, in place: a /clear starts a session with another id.
        cleared = "7b9d2e1c-0000-4a55-9c1b-6e2f0a9d4b11"
        self.session_start(env_file, session_id=cleared, source="clear")
        self.assertEqual(os.path.getsize(env_file), len(first))
        self.assertEqual(self.sourced(env_file, "CODEX_COMPANION_SESSION_ID", "OTHER_PLUGIN",
                                      "LATER_PLUGIN"), [cleared, "one value", "2"])
        self.assertEqual(sorted(os.listdir(self.tmp)).count("sessionstart-hook-0.sh"), 1)
        self.assertEqual([n for n in os.listdir(self.tmp) if n.endswith(".tmp")], [])

    def test_session_start_never_glues_its_line_onto_a_last_line_without_newline(self):
        # Regression: `export OTHER=1` without a newline became
        # `export OTHER=1export CODEX_COMPANION_SESSION_ID=…`, changing the other plugin's value.
        env_file = os.path.join(self.tmp, "claude-env.sh")
        with open(env_file, "w") as f:
            f.write("export OTHER=1")
        self.session_start(env_file)
        self.assertEqual(self.sourced(env_file, "OTHER", "CODEX_COMPANION_SESSION_ID"),
                         ["1", SESSION])
        with open(env_file) as f:
            self.assertTrue(f.read().startswith("export OTHER=1\nexport CODEX_COMPANION_"))

    def test_session_start_exports_only_our_own_variables(self):
        # Regression: SessionStart exported CLAUDE_PLUGIN_DATA to every command of the session,
        # handing our data directory to other plugins in place of theirs.
        env_file = os.path.join(self.tmp, "claude-env.sh")
        theirs = "export CLAUDE_PLUGIN_DATA='/data/another-plugin'\n"
        with open(env_file, "w") as f:
            # What an earlier version of ours left, and another plugin's own line.
            f.write(f"export CODEX_COMPANION_SESSION_ID='{SESSION}'\n"
                    "export CLAUDE_PLUGIN_DATA='/data/plug'\n" + theirs)
        self.session_start(env_file, env={"CLAUDE_PLUGIN_DATA": "/data/plug"})
        with open(env_file) as f:
            text = f.read()
        self.assertNotIn("/data/plug'", text)
        self.assertIn(theirs, text)
        self.assertEqual(text.count("CLAUDE_PLUGIN_DATA"), 1)
        self.assertTrue(all(line.startswith("export CODEX_COMPANION_") or line + "\n" == theirs
                            for line in text.splitlines()), text)

    def test_session_start_without_an_env_file_changes_nothing(self):
        out = self.hook("session-start", self.hook_input("SessionStart", SESSION))
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""))
        self.assertEqual(self.state_dirs(), [])

    def test_session_end_leaves_a_running_background_job_running(self):
        job_id = self.launch_background("keep going", SESSION, env={"FAKE_APP_SERVER_MODE": "hang"})
        job = self.wait_status(job_id, ("running",)) and self.status_of(job_id)
        for reason in ("clear", "other", "logout"):
            out = self.hook("session-end", self.hook_input("SessionEnd", SESSION, reason=reason))
            self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""))
            self.assertLess(out.seconds, 1.5, "SessionEnd hooks share a 1.5 s budget")
        self.assertEqual(self.status_of(job_id)["status"], "running")
        self.assertTrue(pid_alive(job["pid"]), "session-end ended the worker")
        self.cancel_and_wait(job_id)

    def test_hooks_create_no_store_in_a_directory_without_one(self):
        for event in ("session-end", "stop", "user-prompt-submit"):
            out = self.hook(event, self.hook_input("Stop", SESSION))
            self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""), event)
        self.assertEqual(self.state_dirs(), [])

    def test_an_unknown_event_is_a_usage_error_that_does_not_block(self):
        out = self.hook("pre-tool-use", {})
        self.assertEqual(out.returncode, 1)  # never 2: that would block in Claude Code
        self.assertIn(b"session-start, session-end, stop, user-prompt-submit or "
                      b"user-prompt-expansion", out.stderr)


class TypedArguments(HookCase):
    """What the user typed after a /codex: command: kept by `hook user-prompt-expansion`, taken by
    `slash` (hostile text: tests/security/test_free_text_ends_its_heredoc.py)."""

    def expand(self, command_name, args, session=SESSION):
        return self.hook("user-prompt-expansion", self.hook_input(
            "UserPromptExpansion", session, expansion_type="slash_command",
            command_name=command_name, command_args=args, command_source="plugin",
            prompt=f"/{command_name} {args}"))

    def test_setup_runs_with_its_fixed_flags_then_what_was_typed(self):
        out = self.expand("codex:setup", "--enable-review-gate")
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""))
        run = self.run_cli("slash", f"--session={SESSION}", "setup", "--json")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertTrue(json.loads(run.stdout)["reviewGateEnabled"])

    def test_the_session_comes_from_the_environment_when_not_given(self):
        job_id = self.launch_background("ECHO-TYPED", SESSION)
        self.wait_status(job_id, ("completed",))
        self.expand("codex:status", job_id)
        run = self.run_cli("slash", "--session=", "status", "--json",
                           env={"CODEX_COMPANION_SESSION_ID": SESSION})
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(json.loads(run.stdout)["job"]["id"], job_id)

    def test_other_commands_keep_nothing(self):
        for name in ("other-plugin:status", "codex:task-worker", "status", "codex:"):
            out = self.expand(name, "anything")
            self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""), name)
        self.assertEqual(self.state_dirs(), [])
        fallback = self.run_cli("slash", f"--session={SESSION}", "status")
        self.assertEqual(fallback.returncode, 0, fallback.stderr)
        self.assertTrue(fallback.stdout.startswith(
            "codex-companion: the arguments typed after /codex:status did not reach"))

    def test_the_sessions_end_takes_what_nobody_took(self):
        self.expand("codex:review", "--base main")
        stash = os.path.join(self.state_home, "codex-companion", "typed-arguments",
                             SESSION + ".json")
        self.assertTrue(os.path.exists(stash))
        out = self.hook("session-end", self.hook_input("SessionEnd", SESSION, reason="clear"))
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, b"", b""))
        self.assertFalse(os.path.exists(stash))

    def test_slash_help(self):
        run = self.run_cli("slash", "--help")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("slash [--session=ID] COMMAND", run.stdout)


class StopGate(HookCase):

    def setUp(self):
        super().setUp()
        self.make_repo()
        self.run_json("setup", "--enable-review-gate")
        self.app_server_log_reset()

    def app_server_log_reset(self):
        if os.path.exists(self.app_server_log):
            os.remove(self.app_server_log)

    def stop(self, env=None, **fields):
        fields.setdefault("stop_hook_active", False)
        fields.setdefault("last_assistant_message", "I changed a.txt to say two.")
        return self.hook("stop", self.hook_input("Stop", SESSION, **fields), env=env)

    def gate_jobs(self):
        report = self.run_json("status", "--all", env={"CODEX_COMPANION_SESSION_ID": SESSION})
        jobs = report["running"] + report["recent"]
        if report["latestFinished"] and all(j["id"] != report["latestFinished"]["id"] for j in jobs):
            jobs.append(report["latestFinished"])
        return [j for j in jobs if j["title"] == "Codex Stop Gate Review"]

    def test_a_finding_blocks_the_stop_with_how_to_turn_the_gate_off(self):
        out = self.stop(env={"FAKE_APP_SERVER_FINAL": FINDING})
        self.assertEqual(out.returncode, 0, out.stderr)
        decision = json.loads(out.stdout)
        self.assertEqual(decision["decision"], "block")
        self.assertIn("Codex stop-time review found issues that still need fixes", decision["reason"])
        self.assertIn("Missing empty-state guard in a.txt:1", decision["reason"])
        self.assertIn("/codex:setup --disable-review-gate", decision["reason"])
        # An ephemeral, read-only thread; the prompt is the gate's, with Claude's last message.
        (start,) = self.app_server_messages("thread/start")
        self.assertIs(start["ephemeral"], True)
        self.assertEqual(start["sandbox"], "read-only")
        (prompt,) = self.turn_texts()
        for needle in ("<task>", "<compact_output_contract>",
                       "Only review the work from the previous Claude turn.",
                       "I changed a.txt to say two."):
            self.assertIn(needle, prompt)
        # A tracked job of the session, listed by status --all (not by status: it is the gate's,
        # not the user's), and never a resume candidate.
        (job,) = self.gate_jobs()
        self.assertEqual(job["status"], "completed")
        self.assertEqual(job["sessionId"], SESSION)
        self.assertEqual(job["origin"], "stop-gate")
        candidate = self.run_json("task-resume-candidate",
                                  env={"CODEX_COMPANION_SESSION_ID": SESSION})
        self.assertFalse(candidate["available"], candidate)
        text = self.run_cli("status", "--all", env={"CODEX_COMPANION_SESSION_ID": SESSION})
        self.assertIn("Codex Stop Gate Review", text.stdout)
        text = self.run_cli("status", env={"CODEX_COMPANION_SESSION_ID": SESSION})
        self.assertNotIn("Codex Stop Gate Review", text.stdout)

    def test_a_clean_review_allows_the_stop(self):
        out = self.stop(env={"FAKE_APP_SERVER_FINAL": "ALLOW: the previous turn changed no code"})
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertIn(b"ALLOW", out.stderr)
        self.assertEqual([j["status"] for j in self.gate_jobs()], ["completed"])

    def test_no_second_block_when_the_stop_follows_a_block(self):
        out = self.stop(env={"FAKE_APP_SERVER_FINAL": FINDING}, stop_hook_active=True)
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertIn(b"stop_hook_active", out.stderr)
        self.assertEqual(self.app_server_starts(), 0, "Codex was asked again")
        self.assertEqual(self.gate_jobs(), [])

    def test_codex_failing_never_blocks(self):
        for mode, end_reason in (("turn-failed", "turn-failed"),
                                 ("exit-mid-turn", "app-server-exited"),
                                 ("error-no-complete", "turn-failed")):
            out = self.stop(env={"FAKE_APP_SERVER_MODE": mode,
                                 "FAKE_APP_SERVER_FINAL": FINDING})
            self.assertEqual((out.returncode, out.stdout), (0, b""), (mode, out.stderr))
            self.assertIn(b"ended without a verdict", out.stderr, mode)
            self.assertIn(b"the stop is allowed", out.stderr, mode)
        self.assertEqual(sorted(j["status"] for j in self.gate_jobs()), ["failed"] * 3)

    def test_a_hanging_codex_is_bounded_and_never_blocks(self):
        out = self.stop(env={"FAKE_APP_SERVER_MODE": "hang", "FAKE_APP_SERVER_FINAL": FINDING,
                             "CODEX_COMPANION_JOB_TIMEOUT_MS": "1500"})
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertLess(out.seconds, 20)
        self.assertIn(b"deadline", out.stderr)
        (job,) = self.gate_jobs()
        self.assertEqual((job["status"], job["endReason"]), ("failed", "deadline"))
        self.assertEqual(self.lock_files(), [])

    def test_an_answer_without_a_verdict_never_blocks(self):
        out = self.stop(env={"FAKE_APP_SERVER_FINAL": "Looks fine to me, BLOCK: nothing."})
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertIn(b"neither ALLOW nor BLOCK", out.stderr)

    def test_codex_missing_never_blocks(self):
        out = self.stop(env={"CODEX_COMPANION_CODEX": os.path.join(self.tmp, "no-codex")})
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertIn(b"Codex is not set up for the review gate", out.stderr)
        self.assertIn(b"Run /codex:setup", out.stderr)
        self.assertEqual(self.gate_jobs(), [])

    def test_gate_off_allows_at_once_and_reports_running_jobs(self):
        self.run_json("setup", "--disable-review-gate")
        job_id = self.launch_background("long work", SESSION, env={"FAKE_APP_SERVER_MODE": "hang"})
        self.wait_status(job_id, ("running",))
        # A job is `running` before its worker has started the app-server; wait for its turn
        # so that start is not counted as the gate's (this raced under ASan in CI).
        wait_until(lambda: '"turn/start"' in self.app_server_log_text(), 30,
                   what="the job's turn to start")
        self.app_server_log_reset()
        out = self.stop(env={"FAKE_APP_SERVER_FINAL": FINDING})
        self.assertEqual((out.returncode, out.stdout), (0, b""), out.stderr)
        self.assertIn(f"Codex task {job_id} is still running".encode(), out.stderr)
        self.assertIn(f"/codex:cancel {job_id}".encode(), out.stderr)
        self.assertEqual(self.app_server_starts(), 0, self.app_server_log_text())
        self.assertEqual(self.status_of(job_id)["status"], "running")
        self.cancel_and_wait(job_id)


class CompletionNotices(HookCase):

    def prompt(self, session=SESSION):
        out = self.hook("user-prompt-submit",
                        self.hook_input("UserPromptSubmit", session, prompt="anything new?"))
        self.assertEqual((out.returncode, out.stderr), (0, b""))
        if not out.stdout:
            return ""
        doc = json.loads(out.stdout)
        self.assertEqual(doc["hookSpecificOutput"]["hookEventName"], "UserPromptSubmit")
        return doc["hookSpecificOutput"]["additionalContext"]

    def test_an_ended_background_job_is_announced_exactly_once(self):
        job_id = self.launch_background("ECHO-NOTICE-1", SESSION)
        self.wait_status(job_id, ("completed",))
        context = self.prompt()
        lines = [line for line in context.splitlines() if job_id in line]
        self.assertEqual(len(lines), 1, context)
        # Its kind, id, status and the command; no text of the job's (what it was asked, what
        # Codex answered, its log): tests/security/test_app_server_text_in_notices.py.
        self.assertEqual(lines[0], f"- Codex task {job_id} completed. Result: /codex:result {job_id}")
        self.assertNotIn("ECHO-NOTICE-1", context, "the notice carries no job text")
        self.assertNotIn("Thread ready", context, "the notice carries no log")
        self.assertEqual(self.prompt(), "")  # the next prompt: already announced

    def test_only_background_jobs_of_this_session(self):
        other = self.launch_background("other session", "another-session")
        self.wait_status(other, ("completed",))
        fg = self.run_cli("task", "foreground", env={"CODEX_COMPANION_SESSION_ID": SESSION})
        self.assertEqual(fg.returncode, 0, fg.stderr)
        running = self.launch_background("still going", SESSION, env={"FAKE_APP_SERVER_MODE": "hang"})
        self.wait_status(running, ("running",))
        self.assertEqual(self.prompt(), "")
        self.cancel_and_wait(running)
        self.assertIn(running, self.prompt())  # it ended (cancelled): now it is announced
        self.assertIn(other, self.prompt("another-session"))

    def test_concurrent_prompts_announce_a_job_once(self):
        job_id = self.launch_background("ECHO-NOTICE-2", SESSION)
        self.wait_status(job_id, ("completed",))
        payload = json.dumps(self.hook_input("UserPromptSubmit", SESSION, prompt="hi")).encode()
        procs = [subprocess.Popen([BIN, "hook", "user-prompt-submit"], cwd=self.workspace,
                                  env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(4)]
        outputs = [p.communicate(payload, timeout=30) for p in procs]
        self.assertEqual([p.returncode for p in procs], [0] * 4, outputs)
        self.assertEqual(sum(out.decode().count(job_id + " ") for out, _ in outputs), 1, outputs)


if __name__ == "__main__":
    unittest.main()
