"""A job store someone else (another release, a crash, a full disk, a careless `chmod`) left in a
state we did not write: truncated, corrupt, read-only, on a full disk, or with a newer schema.

Every command gives one clear line (exit 1) naming the store and what to do; the file is never
rewritten, so nothing the user could still recover is lost; and where the store can be read, the
stored jobs are shown. The full disk is a 512 KiB tmpfs in a private mount namespace (root only;
tests/integration/test_full_disk.py covers it in depth).
"""

import hashlib
import os
import sqlite3
import subprocess
import unittest

from companion_testlib import BIN, STORE_HELPER, read_text
from security_support import FakeCodexCase, hostile

COMMANDS = (("status",), ("status", "--all", "--json"), ("result",), ("setup", "--enable-review-gate"),
            ("task-resume-candidate", "--json"))


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class HostileStore(FakeCodexCase):
    def setUp(self):
        super().setUp()
        out = subprocess.run([STORE_HELPER, "hammer", self.workspace, "12", "t"], env=self.env,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.store = self.state_dirs()[0]
        self.db = os.path.join(self.store, "state.db")
        self.ids = [r[0] for r in self.db_rows("SELECT id FROM jobs ORDER BY id")]
        con = sqlite3.connect(self.db)  # checkpointed: the database file holds everything
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        for suffix in ("-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                self.assertLessEqual(os.path.getsize(self.db + suffix) if suffix == "-wal" else 0, 0)
                os.remove(self.db + suffix)

    def assert_every_command_refused(self, fragment):
        before = digest(self.db)
        for args in COMMANDS:
            with self.subTest(args=args):
                line = self.assert_one_line_error(self.run_cli(*args), fragment)
                self.assertIn(self.db, line)
                self.assertEqual(digest(self.db), before, f"{args} rewrote the store")

    def test_truncated_store_is_refused_and_kept(self):
        size = os.path.getsize(self.db)
        for keep in (size // 2, 4096, 100):
            with self.subTest(keep=keep), hostile("store: truncated (half, one page, 100 bytes)"):
                with open(self.db, "r+b") as f:
                    f.truncate(keep)
                self.assert_every_command_refused("move it aside")

    def test_corrupt_store_is_refused_and_kept(self):
        with open(self.db, "r+b") as f:
            f.seek(100)
            f.write(os.urandom(4000))
        with hostile("store: pages overwritten with random bytes"):
            self.assert_every_command_refused("unreadable")

    def test_store_of_a_newer_schema_is_refused_and_never_migrated(self):
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO schema_version(version) VALUES (99)")
        con.execute("ALTER TABLE jobs ADD COLUMN from_the_future TEXT")
        con.commit()
        con.close()
        with hostile("store: a newer schema (99) than this build knows"):
            self.assert_every_command_refused("newer codex-companion (schema 99)")
            rows = self.db_rows("SELECT id FROM jobs ORDER BY id")
            self.assertEqual([r[0] for r in rows], self.ids)
            self.assertEqual(self.db_rows("SELECT max(version) FROM schema_version")[0][0], 99)

    def test_read_only_store_still_shows_its_jobs(self):
        with hostile("store: read-only (directory and database)"):
            out = self.read_only(["status", "--all", "--json"], ["setup", "--enable-review-gate"])
            self.assertEqual(out[0].returncode, 0, out[0].stderr)
            self.assertIn(self.ids[-1], out[0].stdout)
            self.assertEqual(out[1].returncode, 1)
            lines = out[1].stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, out[1].stderr)
            self.assertRegex(lines[0], "writ|read-only|readonly")
        self.assertEqual([r[0] for r in self.db_rows("SELECT id FROM jobs ORDER BY id")], self.ids)

    def read_only(self, *commands):
        """Runs each command with the store read-only: a read-only bind mount when root (root
        ignores mode bits), else mode 0500/0400."""
        if os.geteuid() != 0:
            os.chmod(self.db, 0o400)
            os.chmod(self.store, 0o500)
            try:
                return [self.run_cli(*c) for c in commands]
            finally:
                os.chmod(self.store, 0o700)
                os.chmod(self.db, 0o600)
        results = []
        for i, command in enumerate(commands):
            out_file = os.path.join(self.tmp, f"ro-{i}")
            script = (f"mount --bind '{self.store}' '{self.store}' && "
                      f"mount -o remount,bind,ro '{self.store}' && "
                      f"exec \"$0\" \"$@\" >'{out_file}.out' 2>'{out_file}.err'")
            proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                   script, BIN, *command], cwd=self.workspace, env=self.env,
                                  capture_output=True, text=True, timeout=30)
            if not os.path.exists(out_file + ".out"):
                self.skipTest(f"cannot mount read-only here: {proc.stderr.strip()}")
            results.append(subprocess.CompletedProcess(command, proc.returncode,
                                                       read_text(out_file + ".out"),
                                                       read_text(out_file + ".err")))
        return results

    @unittest.skipUnless(os.geteuid() == 0, "needs root to mount a small tmpfs")
    def test_full_disk_keeps_jobs_readable_and_fails_writes_with_one_line(self):
        home = os.path.join(self.tmp, "small")
        os.makedirs(home)
        steps = ('mount -t tmpfs -o size=512k,mode=0700 tmpfs "$H" || exit 97\n'
                 '"$HELPER" hammer "$WS" 8 t >/dev/null || exit 98\n'
                 'dd if=/dev/zero of="$H/fill" bs=4k 2>/dev/null\n'
                 '"$BIN" setup --enable-review-gate >"$O/w.out" 2>"$O/w.err"; echo $? >"$O/w.rc"\n'
                 '"$BIN" status --all --json >"$O/r.out" 2>"$O/r.err"; echo $? >"$O/r.rc"\n')
        env = dict(self.env, H=home, HELPER=STORE_HELPER, WS=self.workspace, BIN=BIN, O=self.tmp,
                   XDG_STATE_HOME=home)
        proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", steps],
                              cwd=self.workspace, env=env, capture_output=True, text=True,
                              timeout=120)
        if proc.returncode == 97 or "unshare failed" in proc.stderr:
            self.skipTest(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with hostile("store: on a full disk"):
            self.assertEqual(read_text(os.path.join(self.tmp, "w.rc")).strip(), "1")
            err = read_text(os.path.join(self.tmp, "w.err")).strip().splitlines()
            self.assertEqual(len(err), 1, err)
            self.assertIn("is full; free space and retry", err[0])
            self.assertEqual(read_text(os.path.join(self.tmp, "r.rc")).strip(), "0",
                             read_text(os.path.join(self.tmp, "r.err")))
            self.assertIn('"recent"', read_text(os.path.join(self.tmp, "r.out")))


if __name__ == "__main__":
    unittest.main()
