"""A shared broker serves only runs that would get the same Codex (SPEC.md section 4), against the
REAL Codex CLI: a run with another CODEX_HOME, or another value of a variable its model provider
reads, gets a broker of its own and never reaches the first one's provider."""

import os
import signal
import unittest

from background_support import BackgroundCase
from codex_env import CodexEnv
from companion_testlib import pid_alive, processes_with_env, wait_until
from responses_stub import ResponsesStub, _input_text


class IdentityCase(BackgroundCase):
    runtime = None  # the default: the workspace's broker

    def setUp(self):
        super().setUp()
        self.other_homes = []

    def tearDown(self):
        if self.state_dirs():
            self.run_cli("broker", "stop", "--force", timeout=30)
        # Nothing of any home is left: the base class checks the first one.
        leftovers = [p for home in self.other_homes for p in processes_with_env("CODEX_HOME", home)]
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        super().tearDown()
        self.assertEqual(leftovers, [], "processes of another CODEX_HOME outlived the test")

    def second_home(self, extra_config=""):
        """Another stand-in and a CODEX_HOME pointing at it; the test's env for it."""
        stub = ResponsesStub(default="normal", hang_limit_s=60).start()
        self.addCleanup(stub.stop)
        home = CodexEnv(stub.port, extra_config=extra_config)
        self.addCleanup(home.cleanup)
        self.other_homes.append(home.home)
        return stub, {"CODEX_HOME": home.home}

    def tokens_seen(self, stub):
        return " ".join(_input_text(r["body"]) for r in list(stub.requests))

    def brokers(self, env=None):
        return self.run_json("broker", "status", env=env)["brokers"]


class AnotherCodexHome(IdentityCase):
    def test_task_under_a_second_codex_home_never_reaches_the_first_homes_provider(self):
        first = self.run_cli("task", "First. ECHO:tok-home-one", timeout=60)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn("tok-home-one", self.tokens_seen(self.stub))
        stub2, env2 = self.second_home()
        second = self.run_cli("task", "Second. ECHO:tok-home-two", env=env2, timeout=60)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn("tok-home-two", second.stdout)
        self.assertIn("tok-home-two", self.tokens_seen(stub2))
        self.assertNotIn("tok-home-two", self.tokens_seen(self.stub),
                         "the task of the second CODEX_HOME went to the first home's provider")
        # Two brokers now, one per home, each showing its own home; both stop together.
        listed = self.brokers()
        homes = sorted(b["identity"]["codexHome"] for b in listed)
        self.assertEqual(homes, sorted([os.path.realpath(self.codex.home),
                                        os.path.realpath(env2["CODEX_HOME"])]))
        pids = [b["pid"] for b in listed]
        stopped = self.run_json("broker", "stop")
        self.assertEqual(len(stopped["brokers"]), 2, stopped)
        wait_until(lambda: not any(pid_alive(p) for p in pids), 10, what="both brokers to exit")
        self.assertEqual(self.brokers(), [])

    def test_background_job_of_a_second_home_runs_on_its_own_broker(self):
        job_a, _ = self.launch()
        self.assert_terminal(self.wait_job(job_a), "completed", "completed")
        stub2, env2 = self.second_home()
        out = self.run_json("task", "--background", "Work. ECHO:tok-bg-two", env=env2)
        job = self.run_json("status", out["jobId"], "--wait", "--timeout-ms", "30000",
                            env=env2, timeout=60)["job"]
        self.assertEqual((job["status"], job["endReason"]), ("completed", "completed"), job)
        self.assertIn("tok-bg-two", self.tokens_seen(stub2))
        self.assertNotIn("tok-bg-two", self.tokens_seen(self.stub))


class AnotherProviderKey(IdentityCase):
    """The model provider takes its key from a variable (`env_key` in config.toml): a run with
    another key must not be served by the app-server that holds the first key."""

    KEY_CONFIG = 'env_key = "COMPANION_TEST_PROVIDER_KEY"\n'

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.codex.home, "config.toml"), "a", encoding="utf-8") as f:
            f.write(self.KEY_CONFIG)

    def authorization_for(self, token):
        for entry in list(self.stub.requests):
            if token in _input_text(entry["body"]):
                return entry.get("authorization")
        return None

    def test_task_with_another_provider_key_is_sent_with_that_key(self):
        one = self.run_cli("task", "One. ECHO:tok-key-one", timeout=60,
                           env={"COMPANION_TEST_PROVIDER_KEY": "key-one"})
        self.assertEqual(one.returncode, 0, one.stderr)
        self.assertEqual(self.authorization_for("tok-key-one"), "Bearer key-one")
        two = self.run_cli("task", "Two. ECHO:tok-key-two", timeout=60,
                           env={"COMPANION_TEST_PROVIDER_KEY": "key-two"})
        self.assertEqual(two.returncode, 0, two.stderr)
        self.assertEqual(self.authorization_for("tok-key-two"), "Bearer key-two",
                         "the second run was served with the first run's key")
        status = self.run_json("broker", "status",
                               env={"COMPANION_TEST_PROVIDER_KEY": "key-two"})
        self.assertIn("COMPANION_TEST_PROVIDER_KEY", status["identity"]["variables"]["set"])
        text = self.run_cli("broker", "status", env={"COMPANION_TEST_PROVIDER_KEY": "key-two"})
        for shown in (text.stdout, str(status)):
            self.assertNotIn("key-two", shown)
            self.assertNotIn("key-one", shown)


if __name__ == "__main__":
    unittest.main()
