"""A shared broker serves only runs that would get the same Codex (SPEC.md section 4), against the
fake app-server: a run with another provider variable, another codex executable (or the same path
upgraded), or an explicit endpoint whose broker runs another Codex is never served by it; the
workspace then has several brokers, each with its own record, start lock and log, and `broker
status`, `broker stop`, SessionEnd and the readers that tear down dead brokers handle them all.
Before, the first broker of a workspace served every later run, whatever Codex it would get."""

import json
import os
import shutil
import signal
import unittest

from companion_testlib import pid_alive, read_text, wait_until
from test_shared_runtime import FAKE, SharedFakeCase


class IdentityFakeCase(SharedFakeCase):
    def setUp(self):
        super().setUp()
        self.env["FAKE_APP_SERVER_ECHO_ENV"] = "OPENAI_API_KEY"
        self.env.pop("OPENAI_API_KEY", None)

    def answer(self, text, env=None):
        """The final answer of a foreground task (its stdout)."""
        out = self.task(text, env=env)
        return out.stdout

    def broker_pids(self):
        return [s["pid"] for s in self.recorded_sessions().values()]

    def app_servers(self):
        """Pids of the fake app-servers started so far (by start event)."""
        return [e["pid"] for e in self.app_server_starts()]


class AnotherProviderVariable(IdentityFakeCase):
    def test_task_with_another_api_key_is_served_by_an_app_server_with_that_key(self):
        first = self.answer("first", env={"OPENAI_API_KEY": "sk-one"})
        self.assertIn("[OPENAI_API_KEY=sk-one]", first)
        second = self.answer("second", env={"OPENAI_API_KEY": "sk-two"})
        self.assertIn("[OPENAI_API_KEY=sk-two]", second,
                      "the run with another OPENAI_API_KEY was served by the first run's broker")
        third = self.answer("third")  # unset is another Codex too
        self.assertIn("[OPENAI_API_KEY unset]", third)
        self.assertEqual(len(self.recorded_sessions()), 3)
        # The same key again: its broker is reused, not a fourth one started.
        again = self.answer("again", env={"OPENAI_API_KEY": "sk-one"})
        self.assertIn("[OPENAI_API_KEY=sk-one]", again)
        self.assertEqual(len(self.app_servers()), 3)

    def test_no_value_is_stored_or_shown(self):
        self.answer("keyed", env={"OPENAI_API_KEY": "sk-never-shown"})
        status = self.run_cli("broker", "status", "--json", env={"OPENAI_API_KEY": "sk-never-shown"})
        text = self.run_cli("broker", "status", env={"OPENAI_API_KEY": "sk-never-shown"})
        setup = self.run_cli("setup", "--json", env={"OPENAI_API_KEY": "sk-never-shown"})
        setup_text = self.run_cli("setup", env={"OPENAI_API_KEY": "sk-never-shown"})
        rows = self.db_rows("SELECT value FROM config")
        for shown in (status.stdout, text.stdout, setup.stdout, setup_text.stdout, str(rows),
                      "".join(read_text(os.path.join(d, n)) for d in self.state_dirs()
                              for n in os.listdir(d) if n.endswith(".log"))):
            self.assertNotIn("sk-never-shown", shown)
        identity = json.loads(status.stdout)["identity"]
        self.assertIn("OPENAI_API_KEY", identity["variables"]["set"])
        self.assertIn("OPENAI_API_KEY", text.stdout)
        [line] = [l for l in setup_text.stdout.splitlines() if "provider variables set:" in l]
        self.assertIn("OPENAI_API_KEY", line)
        self.assertTrue(line.endswith("(values never shown)"), line)
        self.assertEqual(json.loads(setup.stdout)["sessionRuntime"]["identity"]["key"],
                         identity["key"])


class AnotherExecutable(IdentityFakeCase):
    def copy_of_the_fake(self, name):
        path = os.path.join(self.tmp, name)
        shutil.copy(FAKE, path)
        os.chmod(path, 0o755)
        return path

    def test_another_codex_executable_gets_its_own_broker(self):
        other = self.copy_of_the_fake("other-codex")
        self.task("first")
        self.task("second", env={"CODEX_COMPANION_CODEX": other})
        programs = [e["program"] for e in self.app_server_starts()]
        self.assertEqual(programs, [FAKE, other],
                         "the run with another codex executable was served by the first one")

    def test_an_upgraded_executable_at_the_same_path_is_not_served_by_the_old_one(self):
        codex = self.copy_of_the_fake("codex")
        self.env["CODEX_COMPANION_CODEX"] = codex
        self.task("before the upgrade")
        old = self.recorded_session()
        # An upgrade writes the new file and renames it over the old one.
        upgraded = codex + ".new"
        with open(FAKE, encoding="utf-8") as src, open(upgraded, "w", encoding="utf-8") as dst:
            dst.write(src.read() + "\n# upgraded\n")
        os.chmod(upgraded, 0o755)
        os.replace(upgraded, codex)
        self.task("after the upgrade")
        self.assertEqual(len(self.app_servers()), 2, "the upgraded codex was served by the old one")
        self.assertEqual(len(self.recorded_sessions()), 2)
        listed = self.run_json("broker", "status")
        ours = [b for b in listed["brokers"] if b["thisRun"]]
        self.assertEqual(len(ours), 1)
        self.assertNotEqual(ours[0]["pid"], old["pid"])
        other = [b for b in listed["brokers"] if not b["thisRun"]]
        self.assertEqual([b["pid"] for b in other], [old["pid"]])


class ExplicitEndpointOfAnotherCodex(IdentityFakeCase):
    def test_an_endpoint_whose_broker_runs_another_codex_is_refused(self):
        self.task("start a broker", env={"OPENAI_API_KEY": "sk-first"})
        endpoint = self.recorded_session()["endpoint"]
        out = self.run_cli("task", "elsewhere", timeout=60,
                           env={"OPENAI_API_KEY": "sk-second",
                                "CODEX_COMPANION_APP_SERVER_ENDPOINT": endpoint})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("[OPENAI_API_KEY=sk-second]", out.stdout)
        notes = [line for line in out.stderr.splitlines() if "APP_SERVER_ENDPOINT" in line]
        self.assertEqual(len(notes), 1, out.stderr)
        self.assertIn("serves another Codex than this run", notes[0])
        self.assertIn("using a direct app-server", notes[0])
        self.assertNotIn("sk-", notes[0])
        runtime = self.run_json("status", env={"OPENAI_API_KEY": "sk-second",
                                               "CODEX_COMPANION_APP_SERVER_ENDPOINT": endpoint})
        self.assertIn("cannot serve this run", runtime["sessionRuntime"]["detail"])
        # The same Codex through the same endpoint is served by it.
        before = len(self.app_servers())
        same = self.run_cli("task", "same codex", timeout=60,
                            env={"OPENAI_API_KEY": "sk-first",
                                 "CODEX_COMPANION_APP_SERVER_ENDPOINT": endpoint})
        self.assertEqual(same.returncode, 0, same.stderr)
        self.assertIn("[OPENAI_API_KEY=sk-first]", same.stdout)
        self.assertEqual(len(self.app_servers()), before)
        self.assertNotIn("APP_SERVER_ENDPOINT", same.stderr)


class SeveralBrokers(IdentityFakeCase):
    """Every broker of the workspace goes with `broker stop`, SessionEnd (when idle), a reader
    finding it dead; nothing is left of any of them."""

    def two_brokers(self):
        """The brokers of OPENAI_API_KEY=sk-a and of sk-b, in that order."""
        self.task("one", env={"OPENAI_API_KEY": "sk-a"})
        self.task("two", env={"OPENAI_API_KEY": "sk-b"})
        sessions = self.recorded_sessions()
        self.assertEqual(len(sessions), 2)
        return [sessions["brokerSession." + self.identity({"OPENAI_API_KEY": key})["key"]]
                for key in ("sk-a", "sk-b")]

    def assert_all_gone(self, sessions):
        for s in sessions:
            wait_until(lambda s=s: not pid_alive(s["pid"]), 5, what=f"broker {s['pid']} to exit")
            self.assertFalse(os.path.exists(s["socketDir"]), "a socket directory is left")
        for pid in self.app_servers():
            wait_until(lambda pid=pid: not pid_alive(pid), 5, what=f"app-server {pid} to exit")
        self.assertEqual(self.recorded_sessions(), {})
        self.assertEqual(self.start_locks(), [])

    def test_broker_stop_stops_every_broker(self):
        sessions = self.two_brokers()
        out = self.run_json("broker", "stop")
        self.assertTrue(out["wasRunning"])
        self.assertEqual(sorted(b["key"] for b in out["brokers"]),
                         sorted(s["key"] for s in sessions))
        self.assert_all_gone(sessions)
        text = self.run_cli("broker", "stop")
        self.assertEqual(text.stdout, "No shared Codex broker was running for this workspace.\n")

    def test_broker_stop_refuses_only_the_one_in_use_and_force_stops_it(self):
        idle_a, busy_b = self.two_brokers()
        launched = self.run_json("task", "--background", "[[fake:hang]] busy",
                                 env={"OPENAI_API_KEY": "sk-b"})
        job_id = launched["jobId"]
        wait_until(lambda: self.run_json("status", job_id)["job"].get("turnId"), 30,
                   what="the job's turn")
        refused = self.run_cli("broker", "stop")
        self.assert_one_line_error(refused, "in use")
        wait_until(lambda: not pid_alive(idle_a["pid"]), 5, what="the idle broker to exit")
        self.assertTrue(pid_alive(busy_b["pid"]), "the busy broker was stopped without --force")
        forced = self.run_json("broker", "stop", "--force")
        self.assertTrue(forced["stopped"])
        job = self.run_json("status", job_id, "--wait", "--timeout-ms", "10000")["job"]
        self.assertEqual((job["status"], job["endReason"]), ("failed", "broker-lost"))
        self.assert_all_gone([idle_a, busy_b])

    def test_session_end_lets_every_idle_broker_exit(self):
        sessions = self.two_brokers()
        self.session_end_hook("s")
        self.assert_all_gone(sessions)

    def test_a_sigkilled_broker_is_torn_down_by_the_next_read(self):
        dead, alive = self.two_brokers()
        os.kill(dead["pid"], signal.SIGKILL)
        wait_until(lambda: not pid_alive(dead["pid"]), 5, what="the broker's death")
        self.run_json("status")
        self.assertEqual(list(self.recorded_sessions().values()), [alive])
        self.assertFalse(os.path.exists(dead["socketDir"]), "the dead broker's files are left")
        self.assertTrue(pid_alive(alive["pid"]))
        self.assertNotIn("(an earlier", self.run_cli("broker", "status").stdout)

    def test_a_record_of_an_earlier_version_is_never_used_and_is_stopped(self):
        # A broker an earlier version started: recorded under the bare key, no identity.
        self.task("start one", env={"OPENAI_API_KEY": "sk-a"})
        [(key, record)] = self.recorded_sessions().items()
        self.db_write("DELETE FROM config WHERE key = ?", (key,))
        del record["identity"]
        self.db_write("INSERT INTO config(key, value) VALUES ('brokerSession', ?)",
                      (json.dumps(record),))
        self.task("not served by it", env={"OPENAI_API_KEY": "sk-a"})
        self.assertEqual(len(self.app_servers()), 2, "a broker of unknown identity served a run")
        self.assertEqual(len(self.recorded_sessions()), 2)
        self.run_json("broker", "stop")
        wait_until(lambda: not pid_alive(record["pid"]), 5, what="the earlier broker to exit")
        self.assertEqual(self.recorded_sessions(), {})


if __name__ == "__main__":
    unittest.main()
