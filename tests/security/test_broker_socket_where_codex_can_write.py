"""Fault: the shared broker's socket lived where a sandboxed task can write.

The broker's socket was made in /tmp/cxc-XXXXXX, and its pid file beside it. Codex's
workspace-write sandbox lets every task write /tmp and $TMPDIR, as the same user: a task could put
its own listening socket in the broker's place (the peer-uid check passes: same uid) and be sent
the user's next jobs, or write a pid file naming another of the user's processes for the
companion to signal when it tears the broker down. Now the socket directory is made under
$XDG_RUNTIME_DIR/codex-companion (a private directory of the user's own) or the state root's
run/, never where a task may write, and the pid file lives in the workspace's state directory; a
recorded socket, an endpoint named by CODEX_COMPANION_APP_SERVER_ENDPOINT or a `broker serve`
socket where a task may write is refused without being connected to. When no directory fits a
socket path, jobs use a direct app-server (a note says what to set).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import unittest

from companion_testlib import pid_alive
from scratch import scratch_dir
from security_support import FakeCodexCase, hostile


class PlantedSocket:
    """A listening unix socket a task could have planted: counts who connects."""

    def __init__(self, path):
        self.path = path
        self.connections = 0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


def start_time(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


class BrokerSocketWhereCodexCanWrite(FakeCodexCase):
    runtime = None  # the workspace's shared broker

    def setUp(self):
        super().setUp()
        self.env["FAKE_APP_SERVER_MODE"] = "multi"
        self.env.pop("XDG_RUNTIME_DIR", None)
        self.make_repo(dirty=False)
        self.tmp_dirs = []

    def tearDown(self):
        if self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        for d in self.tmp_dirs:
            shutil.rmtree(d, ignore_errors=True)
        super().tearDown()

    def private_dir(self, parent, prefix):
        path = scratch_dir(prefix) if parent is None else os.path.join(parent, prefix)
        if parent is not None:
            os.makedirs(path, mode=0o700)
        os.chmod(path, 0o700)
        self.tmp_dirs.append(path)
        return path

    def sessions(self):
        rows = self.db_rows("SELECT key, value FROM config WHERE key LIKE 'brokerSession%'")
        return [json.loads(value) for _, value in rows]

    def task(self, env=None, prompt="look"):
        proc = self.run_cli("task", prompt, env=env, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def assert_private_socket(self, under):
        (session,) = self.sessions()
        real_dir = os.path.realpath(session["socketDir"])
        self.assertTrue(real_dir.startswith(os.path.realpath(under) + "/"), session)
        self.assertFalse(real_dir.startswith("/tmp/"), session)
        self.assertEqual(os.stat(real_dir).st_mode & 0o777, 0o700)
        self.assertEqual(os.path.dirname(session["pidFile"]), self.state_dirs()[0], session)
        return session

    def test_the_socket_is_made_where_no_task_may_write(self):
        runtime = self.private_dir(None, "xdg-run-")
        with hostile("broker socket: made in $XDG_RUNTIME_DIR, not /tmp"):
            self.task(env={"XDG_RUNTIME_DIR": runtime})
            self.assert_private_socket(os.path.join(runtime, "codex-companion"))
            self.run_cli("broker", "stop", "--force", timeout=30)
        state_root = os.path.join(self.state_home, "codex-companion")
        with hostile("broker socket: made under the state root without XDG_RUNTIME_DIR"):
            self.task()
            self.assert_private_socket(os.path.join(state_root, "run"))
            self.run_cli("broker", "stop", "--force", timeout=30)
        for name, env in [
            ("an XDG_RUNTIME_DIR in /tmp", {"XDG_RUNTIME_DIR": self.private_dir("/tmp", f"xdg-{os.getpid()}")}),
            ("an XDG_RUNTIME_DIR others can enter", {"XDG_RUNTIME_DIR": runtime}),
        ]:
            if "others" in name:
                os.chmod(runtime, 0o755)
            with self.subTest(name), hostile(f"broker socket: {name} is not used"):
                self.task(env=env)
                self.assert_private_socket(os.path.join(state_root, "run"))
                self.run_cli("broker", "stop", "--force", timeout=30)

    def test_a_recorded_socket_in_tmp_is_never_connected_to_nor_its_pid_file_believed(self):
        self.run_json("status")
        key = self.run_json("broker", "status")["identity"]["key"]
        planted_dir = self.private_dir("/tmp", f"cxc-planted-{os.getpid()}")
        planted = PlantedSocket(os.path.join(planted_dir, "broker.sock"))
        self.addCleanup(planted.close)
        victim = self.spawn(["sleep", "300"])  # another process of the user's
        with open(os.path.join(planted_dir, "broker.pid"), "w") as f:
            f.write(f"{victim.pid} {start_time(victim.pid)}\n")
        record = {"key": key, "endpoint": "unix:" + planted.path, "socketDir": planted_dir,
                  "pidFile": os.path.join(planted_dir, "broker.pid"), "logFile": "", "pid": 0,
                  "pidStartTime": 0, "startedAt": 0}
        self.db_write("INSERT OR REPLACE INTO config(key, value) VALUES (?, ?)",
                      ("brokerSession." + key, json.dumps(record)))
        with hostile("broker socket: an earlier version's record in /tmp (a planted socket)"):
            self.task()
            self.assertEqual(planted.connections, 0, "connected to a socket a task could plant")
            self.assertTrue(pid_alive(victim.pid), "signalled the process a pid file named")
            self.assert_private_socket(os.path.join(self.state_home, "codex-companion", "run"))
        with hostile("broker socket: a pid file beside a socket is never read (broker stop)"):
            self.db_write("INSERT OR REPLACE INTO config(key, value) VALUES (?, ?)",
                          ("brokerSession." + key, json.dumps(record)))
            self.assertEqual(self.run_cli("broker", "stop", "--force", timeout=30).returncode, 0)
            self.assertTrue(pid_alive(victim.pid), "signalled the process a pid file named")
            self.assertEqual(planted.connections, 0)

    def test_an_endpoint_or_serve_socket_in_tmp_is_refused(self):
        planted_dir = self.private_dir("/tmp", f"cxc-named-{os.getpid()}")
        planted = PlantedSocket(os.path.join(planted_dir, "broker.sock"))
        self.addCleanup(planted.close)
        with hostile("broker socket: CODEX_COMPANION_APP_SERVER_ENDPOINT in /tmp"):
            proc = self.task(env={"CODEX_COMPANION_APP_SERVER_ENDPOINT": "unix:" + planted.path})
            self.assertIn("CODEX_COMPANION_APP_SERVER_ENDPOINT", proc.stderr)
            self.assertIn("inside /tmp", proc.stderr)
            self.assertEqual(planted.connections, 0)
            self.assertEqual(self.latest_job()["resolved"]["runtime"], "direct")
        with hostile("broker socket: broker serve in /tmp"):
            proc = self.run_cli("broker", "serve", "--endpoint",
                                "unix:" + os.path.join(planted_dir, "other.sock"), timeout=30)
            self.assert_one_line_error(proc, "inside /tmp")
            self.assertFalse(os.path.exists(os.path.join(planted_dir, "other.sock")))

    def test_no_directory_short_enough_means_a_direct_app_server(self):
        deep = os.path.join(self.tmp, "s" * 60, "t" * 60)
        with hostile("broker socket: no private directory fits a socket path"):
            proc = self.task(env={"XDG_STATE_HOME": deep})
            self.assertIn("no private directory for the broker's socket", proc.stderr)
            self.assertIn("XDG_RUNTIME_DIR", proc.stderr)
            self.assertEqual(self.latest_job(env={"XDG_STATE_HOME": deep})["resolved"]["runtime"],
                             "direct")
            self.assertEqual(self.sessions_at(deep), [])

    def sessions_at(self, state_home):
        root = os.path.join(state_home, "codex-companion")
        found = []
        for d in os.listdir(root):
            if os.path.isfile(os.path.join(root, d, "state.db")):
                import sqlite3
                con = sqlite3.connect(os.path.join(root, d, "state.db"))
                found += con.execute("SELECT value FROM config WHERE key LIKE "
                                     "'brokerSession%'").fetchall()
                con.close()
        return found


if __name__ == "__main__":
    unittest.main()
