"""The job store and the status/result/cancel/setup commands, driven as real processes."""

import json
import os
import signal
import subprocess
import time
import unittest

from companion_testlib import CompanionTestCase, pid_alive, read_text, wait_until


class CliBasics(CompanionTestCase):
    def test_help_and_version(self):
        self.assertIn("codex-companion", self.run_cli("--version").stdout)
        out = self.run_cli("--help")
        self.assertEqual(out.returncode, 0)
        for command in ("status", "result", "cancel", "setup"):
            self.assertIn(command, out.stdout)
        self.assertIn("Usage: codex-companion status", self.run_cli("status", "--help").stdout)

    def test_unknown_command_and_bad_values(self):
        self.assert_one_line_error(self.run_cli("frobnicate"), "unknown command")
        self.assert_one_line_error(self.run_cli("status", "x", "--wait", "--timeout-ms", "soon"),
                                   "--timeout-ms")
        self.assert_one_line_error(self.run_cli("status", "--json=maybe"), "--json")
        self.assert_one_line_error(self.run_cli("status", "--cwd", "/nonexistent/dir"), "does not exist")

    def test_empty_workspace_status(self):
        out = self.run_cli("status")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.startswith("# Codex Status"))
        report = self.run_json("status")
        self.assertEqual(report["running"], [])
        self.assertIsNone(report["latestFinished"])
        self.assertEqual(os.path.realpath(report["workspaceRoot"]), os.path.realpath(self.workspace))

    def test_setup_toggles_review_gate(self):
        on = self.run_json("setup", "--enable-review-gate")
        self.assertTrue(on["reviewGateEnabled"])
        self.assertTrue(self.run_json("status")["config"]["stopReviewGate"])
        off = self.run_json("setup", "--disable-review-gate")
        self.assertFalse(off["reviewGateEnabled"])
        self.assert_one_line_error(
            self.run_cli("setup", "--enable-review-gate", "--disable-review-gate"),
            "Choose either --enable-review-gate or --disable-review-gate.")

    def test_state_directories_are_private(self):
        self.run_json("status")
        for d in self.state_dirs() + [os.path.dirname(self.state_dirs()[0])]:
            self.assertEqual(os.stat(d).st_mode & 0o777, 0o700, d)
        db = os.path.join(self.state_dirs()[0], "state.db")
        self.assertEqual(os.stat(db).st_mode & 0o077, 0)

    def test_symlinked_state_directory_is_refused(self):
        self.run_json("status")
        ws_dir = self.state_dirs()[0]
        real = ws_dir + ".real"
        os.rename(ws_dir, real)
        os.symlink(real, ws_dir)
        self.assert_one_line_error(self.run_cli("status"), "symlink")


class Concurrency(CompanionTestCase):
    def test_eight_writers_lose_no_update(self):
        # Its own repository, so the workspace root cannot be a parent that some other test run
        # gave a .git for a moment (a second store for /tmp once appeared here in CI-like runs).
        subprocess.run(["git", "init", "-q", self.workspace], check=True, capture_output=True,
                       timeout=30)
        env = {"CODEX_COMPANION_KEEP_JOBS": "100000"}
        self.run_json("status")  # create the store first
        writers = [self.helper("hammer", self.workspace, "200", f"w{i}", env=env,
                               stderr=subprocess.PIPE, text=True) for i in range(8)]
        # A reader polls status while the writers run; it must never see an error.
        reads = 0
        while any(w.poll() is None for w in writers) and reads < 500:
            out = self.run_cli("status", "--json", "--all", env=env)
            self.assertEqual(out.returncode, 0, out.stderr)
            json.loads(out.stdout)
            reads += 1
        for w in writers:
            _, err = w.communicate(timeout=120)
            self.assertEqual(w.returncode, 0, err)
            self.assertNotIn("locked", err)
        rows = self.db_rows("SELECT session_id, title, thread_id, status, phase FROM jobs")
        self.assertEqual(len(rows), 8 * 50)
        for session, title, thread, status, phase in rows:
            self.assertEqual(status, "completed")
            self.assertEqual(phase, "done")
            self.assertEqual(thread, f"{session}-thread-{title.split('-')[1]}")
        self.assertGreater(reads, 0)


    def test_twenty_processes_creating_the_store_at_once(self):
        # Regression: a new store opened by many processes at once surfaced "database is locked"
        # (SQLite answers some of those races without consulting the busy handler).
        for round_ in range(3):
            self.env["XDG_STATE_HOME"] = os.path.join(self.tmp, f"fresh-{round_}")
            procs = [self.spawn([os.environ["COMPANION_BIN"], "status", "--json"] if i % 2 else
                                [os.environ["COMPANION_BIN"], "setup", "--disable-review-gate",
                                 "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, env={"CODEX_COMPANION_CODEX": "/nonexistent"})
                     for i in range(20)]
            for proc in procs:
                _, err = proc.communicate(timeout=60)
                self.assertEqual(proc.returncode, 0, err)


class HolderCase(CompanionTestCase):
    """Tests with a helper process that owns a running job until it is killed."""

    def start_holder(self):
        ready = os.path.join(self.tmp, "ready")
        holder = self.helper("hold", self.workspace, ready)
        job_id = wait_until(lambda: read_text(ready).strip(), 10, what="the holder's job")
        return holder, job_id


class CrashReconcile(HolderCase):
    def test_killed_owner_is_failed_on_next_read(self):
        holder, job_id = self.start_holder()
        running = self.run_json("status")["running"]
        self.assertEqual([j["id"] for j in running], [job_id])
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        report = self.run_json("status")  # one read
        self.assertEqual(report["running"], [])
        job = report["latestFinished"]
        self.assertEqual(job["id"], job_id)
        self.assertEqual(job["status"], "failed")
        self.assertEqual(job["endReason"], "worker-died")
        self.assertIn(f"pid {holder.pid}", job["errorMessage"])
        lock = os.path.join(self.state_dirs()[0], "jobs", f"{job_id}.lock")
        self.assertFalse(os.path.exists(lock))

    def test_single_job_read_reconciles_too(self):
        holder, job_id = self.start_holder()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        job = self.run_json("status", job_id)["job"]
        self.assertEqual(job["status"], "failed")

    def test_live_unrelated_pid_with_free_lock_is_reconciled(self):
        out = subprocess.run([os.environ["COMPANION_STORE_HELPER"], "orphan", self.workspace,
                              str(os.getpid())], env=self.env, capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        job_id = out.stdout.strip()
        job = self.run_json("status", job_id)["job"]
        self.assertEqual(job["status"], "failed")
        self.assertEqual(job["endReason"], "worker-died")

    def test_terminal_job_is_never_overwritten(self):
        holder, job_id = self.start_holder()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        self.run_json("status")
        self.assert_one_line_error(self.run_cli("cancel", job_id), "already failed")
        self.assertEqual(self.run_json("status", job_id)["job"]["status"], "failed")


class Cancel(HolderCase):
    def test_cancel_ends_owner_and_marks_cancelled(self):
        holder, job_id = self.start_holder()
        t0 = time.monotonic()
        out = self.run_json("cancel", job_id)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(out["jobId"], job_id)
        self.assertEqual(out["status"], "cancelled")
        holder.wait(timeout=5)
        self.assertFalse(pid_alive(holder.pid))
        job = self.run_json("status", job_id)["job"]
        self.assertEqual(job["endReason"], "cancelled")
        with open(job["logFile"]) as f:
            self.assertIn("Cancelled by user.", f.read())

    def test_cancel_of_stopped_owner_is_bounded(self):
        holder, job_id = self.start_holder()
        os.kill(holder.pid, signal.SIGSTOP)
        t0 = time.monotonic()
        out = self.run_json("cancel", job_id)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(out["status"], "cancelled")
        holder.wait(timeout=5)  # SIGCONT lets it act on the SIGTERM; else SIGKILL ends it
        self.assertIn(holder.returncode, (-signal.SIGTERM, -signal.SIGKILL))
        self.assertFalse(pid_alive(holder.pid))

    def test_default_cancel_needs_exactly_one_active_job(self):
        self.assert_one_line_error(self.run_cli("cancel"), "No active Codex jobs to cancel.")
        self.start_holder()
        os.remove(os.path.join(self.tmp, "ready"))
        self.start_holder()
        self.assert_one_line_error(self.run_cli("cancel"), "several active jobs")


class BadInput(CompanionTestCase):
    def make_jobs(self, count=8):
        out = subprocess.run([os.environ["COMPANION_STORE_HELPER"], "hammer", self.workspace,
                              str(count * 4), "t"], env=self.env, capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return [r[0] for r in self.db_rows("SELECT id FROM jobs ORDER BY id")]

    def test_job_reference_errors(self):
        ids = self.make_jobs(2)
        self.assert_one_line_error(self.run_cli("status", "task-nosuch"), "no job 'task-nosuch'")
        self.assert_one_line_error(self.run_cli("result", "task-"), "ambiguous")
        self.assert_one_line_error(self.run_cli("status", "../../etc/passwd"), "invalid job id")
        self.assert_one_line_error(self.run_cli("result", "TASK"), "invalid job id")
        self.assert_one_line_error(self.run_cli("status", "a" * 65), "invalid job id")
        self.assertEqual(self.run_json("status", ids[0][:-2])["job"]["id"], ids[0])
        self.assertEqual(len(self.db_rows("SELECT id FROM jobs")), 2)

    def test_full_id_is_found_from_another_workspace(self):
        ids = self.make_jobs(1)
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        job = self.run_json("status", ids[0], cwd=other)["job"]
        self.assertEqual(job["id"], ids[0])
        self.assertEqual(self.run_json("result", ids[0], cwd=other)["job"]["id"], ids[0])

    def test_corrupt_database_is_one_line_and_kept(self):
        self.make_jobs(1)
        db = os.path.join(self.state_dirs()[0], "state.db")
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        with open(db, "r+b") as f:
            f.write(b"this is not a database" * 8)
        with open(db, "rb") as f:
            before = f.read()
        self.assert_one_line_error(self.run_cli("status"), "move it aside")
        self.assert_one_line_error(self.run_cli("result"), "unreadable")
        with open(db, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_read_only_state_directory(self):
        ids = self.make_jobs(1)
        state = self.state_dirs()[0]
        if os.geteuid() == 0:
            # Root ignores mode bits: make the directory read-only with a private mount instead.
            script = (f"mount --bind '{state}' '{state}' && mount -o remount,bind,ro '{state}' && "
                      f"exec '{os.environ['COMPANION_BIN']}' setup --enable-review-gate")
            out = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                 cwd=self.workspace, env=self.env, capture_output=True, text=True,
                                 timeout=30)
            if "unshare failed" in out.stderr or "Operation not permitted" in out.stderr:
                self.skipTest("mount namespaces are not available here")
        else:
            os.chmod(state, 0o500)
            out = self.run_cli("setup", "--enable-review-gate")
            os.chmod(state, 0o700)
        self.assert_one_line_error(out)
        self.assertRegex(out.stderr, "writ|read-only|readonly")
        self.assertEqual([r[0] for r in self.db_rows("SELECT id FROM jobs")], ids)


if __name__ == "__main__":
    unittest.main()
