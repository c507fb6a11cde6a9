"""State and socket directories another user could control, a broker client of another uid, and
job references that try to name a path.

A state or socket directory that is a symlink, owned by another uid or open to other users is
refused with one line and left as it was. The broker answers a peer of another uid with one error
and serves nobody else less. A job reference is checked before any file is touched: `status`,
`result` and `cancel` with a reference holding `/`, `..`, upper case, an escape or more than 64
characters open nothing under the state home (strace shows it), on a fresh state home create
nothing. Fault: the workspace store was opened (and created on a fresh state home) before the
reference was checked. (A NUL cannot reach a command line: the kernel ends each argument at the
first NUL.)
"""

import json
import os
import shutil
import stat
import subprocess
import unittest

from companion_testlib import BIN, STORE_HELPER, exchange_as_uid, wait_until
from security_support import FAKE_CODEX, FakeCodexCase, hostile

OTHER_UID = 65534  # nobody
BAD_REFS = {
    "a slash": "task/abc",
    "a path climbing out": "../../etc/passwd",
    "an absolute path": "/etc/passwd",
    "dots only": "..",
    "upper case": "TASK-ABC",
    "a control sequence": "task-\x1b[2J",
    "65 characters": "t" * 65,
    "4 KiB": "t" * 4096,
}


def as_root_only(test):
    return unittest.skipUnless(os.geteuid() == 0, "needs root to own files as another uid")(test)


class StateDirectories(FakeCodexCase):
    def make_store(self):
        out = subprocess.run([STORE_HELPER, "hammer", self.workspace, "8", "t"], env=self.env,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return self.state_dirs()[0]

    def assert_state_root_refused(self, root, fragment):
        before = sorted(os.listdir(root)) if os.path.isdir(root) else None
        proc = self.run_cli("status", env={"CODEX_COMPANION_STATE_DIR": root})
        self.assert_one_line_error(proc, fragment)
        after = sorted(os.listdir(root)) if os.path.isdir(root) else None
        self.assertEqual(after, before, "the refused directory was changed")

    @as_root_only
    def test_state_root_owned_by_another_user_is_refused(self):
        theirs = os.path.join(self.tmp, "theirs")
        os.mkdir(theirs, 0o700)
        os.chown(theirs, OTHER_UID, OTHER_UID)
        with hostile("state dir: owned by another uid"):
            self.assert_state_root_refused(theirs, f"owned by uid {OTHER_UID}")
            self.assertEqual(os.stat(theirs).st_uid, OTHER_UID)

    def test_state_root_that_is_a_symlink_is_refused(self):
        real = os.path.join(self.tmp, "real")
        os.mkdir(real, 0o700)
        link = os.path.join(self.tmp, "link")
        os.symlink(real, link)
        with hostile("state dir: a symlink to a private directory"):
            self.assert_state_root_refused(link, "symlink")
            self.assertEqual(os.listdir(real), [])

    def test_workspace_store_opened_to_others_is_refused_and_left_alone(self):
        store = self.make_store()
        db = os.path.join(store, "state.db")
        with open(db, "rb") as f:
            before = f.read()
        for mode in (0o777, 0o750, 0o705):
            kind = "state dir: the workspace store opened to others"
            with self.subTest(mode=oct(mode)), hostile(kind):
                os.chmod(store, mode)
                self.assert_one_line_error(self.run_cli("status"), "other users can access it")
                self.assertEqual(stat.S_IMODE(os.stat(store).st_mode), mode)
                with open(db, "rb") as f:
                    self.assertEqual(f.read(), before)
        os.chmod(store, 0o700)
        self.assertEqual(len(self.run_json("status")["recent"]), 1)

    def test_workspace_store_replaced_by_a_symlink_is_refused(self):
        store = self.make_store()
        os.rename(store, store + ".real")
        os.symlink(store + ".real", store)
        with hostile("state dir: the workspace store replaced by a symlink"):
            self.assert_one_line_error(self.run_cli("status"), "symlink")
            self.assertTrue(os.path.islink(store))

    @as_root_only
    def test_workspace_store_of_another_user_is_refused(self):
        store = self.make_store()
        os.chown(store, OTHER_UID, OTHER_UID)
        with hostile("state dir: the workspace store owned by another uid"):
            self.assert_one_line_error(self.run_cli("status"), f"owned by uid {OTHER_UID}")


class SocketDirectories(FakeCodexCase):
    def serve(self, directory):
        return self.run_cli("broker", "serve", "--endpoint", f"unix:{directory}/broker.sock",
                            "--pid-file", os.path.join(self.tmp, "broker.pid"), timeout=20,
                            env={"FAKE_APP_SERVER_MODE": "multi",
                                 "CODEX_COMPANION_BROKER_IDLE_MS": "1000"})

    def assert_refused(self, directory, fragment):
        proc = self.serve(directory)
        self.assert_one_line_error(proc, fragment)
        self.assertEqual(os.listdir(os.path.realpath(directory)), [])
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "broker.pid")))
        self.assertEqual(self.app_server_messages("initialize"), [], "an app-server was started")

    def test_world_writable_socket_directory_is_refused(self):
        shared = os.path.join(self.tmp, "shared")
        os.mkdir(shared)
        for mode in (0o777, 0o1777, 0o755):
            with self.subTest(mode=oct(mode)), hostile("socket dir: open to other users"):
                os.chmod(shared, mode)
                self.assert_refused(shared, "other users can access it")
                self.assertEqual(stat.S_IMODE(os.stat(shared).st_mode), mode)

    def test_symlinked_socket_directory_is_refused(self):
        real = os.path.join(self.tmp, "real")
        os.mkdir(real, 0o700)
        link = os.path.join(self.tmp, "link")
        os.symlink(real, link)
        with hostile("socket dir: a symlink"):
            self.assert_refused(link, "symlink")

    @as_root_only
    def test_socket_directory_of_another_user_is_refused(self):
        theirs = os.path.join(self.tmp, "theirs")
        os.mkdir(theirs, 0o700)
        os.chown(theirs, OTHER_UID, OTHER_UID)
        with hostile("socket dir: owned by another uid"):
            self.assert_refused(theirs, f"owned by uid {OTHER_UID}")


class BrokerPeerOfAnotherUid(FakeCodexCase):
    """Mirrors tests/integration/test_broker.py's check: only the broker's SO_PEERCRED check
    stands between uid 65534 and the socket here."""

    @as_root_only
    def test_peer_of_another_uid_gets_one_error_and_nothing_else(self):
        directory = os.path.join(self.tmp, "b")
        sock, pid_file = os.path.join(directory, "broker.sock"), os.path.join(self.tmp, "b.pid")
        self.spawn([BIN, "broker", "serve", "--endpoint", "unix:" + sock, "--pid-file", pid_file],
                   env={"FAKE_APP_SERVER_MODE": "multi", "CODEX_COMPANION_BROKER_IDLE_MS": "60000"},
                   stderr=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(pid_file), 10, what="the broker's pid file")
        os.chmod(self.tmp, 0o711)
        os.chmod(directory, 0o711)
        os.chmod(sock, 0o666)
        request = b'{"id":1,"method":"thread/start","params":{"cwd":"/"}}\n'
        with hostile("broker client: a peer of another uid"):
            data = exchange_as_uid(OTHER_UID, sock, request)
            lines = data.decode().splitlines()
            self.assertEqual(len(lines), 1, data)
            error = json.loads(lines[0])["error"]
            self.assertIn(f"refused uid {OTHER_UID}", error["message"])
            self.assertEqual(self.app_server_messages("thread/start"), [])


class JobReferences(FakeCodexCase):
    def traced(self, *args):
        """Runs the companion under strace; the paths of its file system calls."""
        trace = os.path.join(self.tmp, "strace.txt")
        proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=%file", "-o", trace, BIN, *args],
                              cwd=self.workspace, env=self.env, capture_output=True, text=True,
                              timeout=30)
        with open(trace, encoding="utf-8", errors="replace") as f:
            # Every call but the execve, whose argv holds the reference itself.
            return proc, "".join(line for line in f if "execve(" not in line)

    def test_references_naming_paths_are_refused_before_any_file_access(self):
        if not shutil.which("strace"):
            self.skipTest("strace is not installed")
        subprocess.run([STORE_HELPER, "hammer", self.workspace, "4", "t"], env=self.env,
                       check=True, capture_output=True, timeout=60)
        probe, _ = self.traced("status", "--json")
        if probe.returncode != 0:
            self.skipTest(f"strace cannot trace here: {probe.stderr.strip()[:200]}")
        for what, ref in BAD_REFS.items():
            for command in ("status", "result", "cancel"):
                with self.subTest(ref=what, command=command), hostile(f"job reference: {what}"):
                    proc, trace = self.traced(command, ref)
                    self.assert_one_line_error(proc, "invalid job id")
                    self.assertNotIn(self.state_home, trace, "the store was touched")
                    self.assertNotIn("etc/passwd", trace)

    def test_refused_reference_creates_no_store(self):
        for what, ref in BAD_REFS.items():
            with self.subTest(ref=what), hostile(f"job reference: {what}"):
                self.assert_one_line_error(self.run_cli("status", ref), "invalid job id")
                self.assertEqual(self.state_dirs(), [])


if __name__ == "__main__":
    unittest.main()
