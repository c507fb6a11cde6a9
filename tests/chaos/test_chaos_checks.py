"""The chaos runner's checks can fail: each planted fault (a process left with the round's mark, a
lock file, a corrupt store, a broker's socket left behind, a job stuck non-terminal) is reported
as a violation. Fast: no Codex, only the built binary and the store helper."""

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import chaos_checks
import chaos_procs as procs
from chaos_round import Round
from companion_testlib import BIN, STORE_HELPER
from scratch import scratch_dir

PLAN = {"index": 0, "kind": "direct", "runtime": "direct", "burst": False, "jobs": [],
        "faults": []}


class PlantedFaults(unittest.TestCase):
    def setUp(self):
        self.assertTrue(BIN and os.path.exists(BIN), "COMPANION_BIN is not set")
        self.root = scratch_dir("chaos-checks-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.mark = f"chaos-checks-{os.getpid()}-{self.id()}"
        self.round = Round(PLAN, self.root, dict(os.environ), self.mark, fake="")
        self.round.setup()

    def store(self):
        """A workspace store with one finished job (the store helper's `hammer`)."""
        out = subprocess.run([STORE_HELPER, "hammer", self.round.workspace, "4", "t"],
                             env=self.round.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        [store] = chaos_checks.store_dirs(self.round.state_home)
        return store

    def test_a_process_left_with_the_mark_is_found_and_ended(self):
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                env=self.round.env)
        self.addCleanup(proc.wait)
        chaos_checks.check_shutdown(self.round)
        self.assertTrue(any(f"process left: {proc.pid}" in v for v in self.round.violations),
                        self.round.violations)
        deadline = time.monotonic() + 5  # SIGKILL is delivered asynchronously
        while procs.alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertFalse(procs.alive(proc.pid))

    def test_lock_files_left_and_a_corrupt_store_are_violations(self):
        store = self.store()
        [finished] = chaos_checks.stored_ids(self.round.state_home)
        jobs = os.path.join(store, "jobs")
        open(os.path.join(jobs, f"{finished}.lock"), "w").close()  # a finished job's lock
        held = open(os.path.join(jobs, "task-held.lock"), "w")  # a lock someone holds
        self.addCleanup(held.close)
        fcntl.flock(held, fcntl.LOCK_EX)
        open(os.path.join(jobs, "task-never-stored.lock"), "w").close()  # counted, allowed
        open(os.path.join(store, "broker.lock"), "w").close()
        chaos_checks.check_store(self.round)
        text = "\n".join(self.round.violations)
        self.assertIn(f"the lock file of {finished} is left", text)
        self.assertIn("the lock of task-held is still held", text)
        self.assertIn("the broker's start lock is left", text)
        self.assertNotIn("task-never-stored", text)
        self.assertEqual(self.round.orphan_locks, 1)
        self.assertNotIn("integrity_check", text)
        db = os.path.join(store, "state.db")
        con = sqlite3.connect(db)  # the jobs into the database file (the WAL outlives a close)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        with open(db, "r+b") as f:  # every page after the first: garbage
            f.seek(4096)
            f.write(b"\xa5" * (os.path.getsize(db) - 4096))
        chaos_checks.check_store(self.round)
        self.assertIn("integrity_check", "\n".join(self.round.violations))

    def test_a_broker_socket_left_behind_is_a_violation(self):
        sock_dir = tempfile.mkdtemp(prefix="cxc-chaos-check-")
        self.addCleanup(shutil.rmtree, sock_dir, True)
        open(os.path.join(sock_dir, "broker.pid"), "w").close()
        self.round.sampler.brokers[1] = {"socket": os.path.join(sock_dir, "broker.sock"),
                                         "pidFile": os.path.join(sock_dir, "broker.pid"),
                                         "rssKiB": 10**6}
        self.round.rss_limit_kib = 1000
        chaos_checks.check_shutdown(self.round)
        text = "\n".join(self.round.violations)
        self.assertIn("broker.pid", text)
        self.assertIn("socket directory", text)
        self.assertIn("VmRSS", text)

    def test_a_job_stuck_running_is_a_violation(self):
        store = self.store()
        con = sqlite3.connect(os.path.join(store, "state.db"))
        # Owned by this (live) test process: no read reconciles it, so it stays running.
        start = int(open(f"/proc/{os.getpid()}/stat").read().rsplit(")", 1)[1].split()[19])
        con.execute("UPDATE jobs SET status='running', pid=?, pid_start_time=?, completed_at=0",
                    (os.getpid(), start))
        con.commit()
        con.close()
        first = chaos_checks.settle(self.round, bound_s=1)
        self.assertEqual(first, {})
        self.assertTrue(any("not terminal" in v for v in self.round.violations),
                        self.round.violations)


if __name__ == "__main__":
    unittest.main()
