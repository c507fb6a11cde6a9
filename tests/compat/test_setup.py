"""`setup`: the readiness report a script written for the reference plugin reads.

Regression (issue 7 fault 5, issue 9): `setup --json` had no auth.loggedIn, source, authMethod,
verified, requiresOpenaiAuth or provider, no node check and no sessionRuntime.detail, and said
other sentences, so such a script read "logged out" and "not ready".
"""

import os
import unittest

from compat_case import CompatCase

AUTH_KEYS = ("available", "loggedIn", "detail", "source", "authMethod", "verified",
             "requiresOpenaiAuth", "provider")


class SetupReport(CompatCase):
    def setup_json(self, *args, env=None):
        return self.run_json("setup", *args, env=env, timeout=60)

    def assert_auth(self, auth, **expected):
        for key in AUTH_KEYS:
            self.assertIn(key, auth)
        for key, value in expected.items():
            self.assertEqual(auth[key], value, f"auth.{key} in {auth}")

    def test_chatgpt_login_is_ready(self):
        report = self.setup_json()
        self.assertTrue(report["ready"], report)
        self.assertEqual(report["codex"]["detail"],
                         "codex-cli 0.0.0-compat; advanced runtime available")
        self.assert_auth(report["auth"], available=True, loggedIn=True, source="app-server",
                         authMethod="chatgpt", verified=True, requiresOpenaiAuth=True,
                         provider="openai", detail="ChatGPT login active for dev@example.com")
        self.assertIsInstance(report["node"]["available"], bool)
        self.assertIsInstance(report["node"]["detail"], str)
        runtime = report["sessionRuntime"]
        self.assertEqual((runtime["mode"], runtime["label"], runtime["endpoint"]),
                         ("direct", "direct startup", None))
        self.assertTrue(runtime["detail"])

    def test_api_key_is_logged_in_unverified(self):
        self.behave("api-key")
        self.assert_auth(self.setup_json()["auth"], loggedIn=True, authMethod="apiKey",
                         verified=False, source="app-server",
                         detail="API key configured (unverified)")

    def test_provider_without_openai_auth_is_ready_by_its_name(self):
        self.behave("provider-ollama")
        report = self.setup_json()
        self.assertTrue(report["ready"], report)
        self.assert_auth(report["auth"], loggedIn=True, authMethod=None, verified=None,
                         requiresOpenaiAuth=False, provider="ollama",
                         detail="Ollama is configured and does not require OpenAI authentication")
        self.behave("provider-named")
        self.assert_auth(self.setup_json()["auth"], loggedIn=True, provider="team-proxy",
                         detail="Team proxy is configured and does not require OpenAI "
                                "authentication")

    def test_logged_out_is_not_ready_and_says_how_to_sign_in(self):
        self.behave("logged-out")
        report = self.setup_json()
        self.assertFalse(report["ready"])
        self.assert_auth(report["auth"], available=True, loggedIn=False, authMethod=None,
                         detail="OpenAI requires OpenAI authentication")
        self.assertTrue(any("codex login" in step for step in report["nextSteps"]),
                        report["nextSteps"])

    def test_failed_config_read_is_available_but_logged_out(self):
        self.behave("config-read-error")
        report = self.setup_json()
        self.assertFalse(report["ready"])
        self.assert_auth(report["auth"], available=True, loggedIn=False, source="app-server")
        self.assertIn("config/read could not load the config", report["auth"]["detail"])

    def test_missing_codex_is_reported_through_availability(self):
        os.remove(os.path.join(self.bin_dir, "codex"))
        report = self.setup_json(env={"PATH": self.bin_dir + ":/usr/bin:/bin"})
        self.assertFalse(report["ready"])
        self.assertFalse(report["codex"]["available"])
        self.assert_auth(report["auth"], available=False, loggedIn=False, source="availability")

    def test_shared_runtime_is_labelled_shared_session(self):
        endpoint = "unix:" + os.path.join(self.tmp, "broker.sock")
        report = self.setup_json(env={"CODEX_COMPANION_APP_SERVER_ENDPOINT": endpoint,
                                          "CODEX_COMPANION_RUNTIME": "shared"})
        runtime = report["sessionRuntime"]
        self.assertEqual((runtime["mode"], runtime["label"], runtime["endpoint"]),
                         ("shared", "shared session", endpoint))
        self.assertTrue(runtime["detail"])

    def test_text_report_has_every_check(self):
        out = self.run_cli("setup", timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        for line in ("Status: ready", "- node: ", "- npm: ",
                     "- codex: codex-cli 0.0.0-compat; advanced runtime available",
                     "- auth: ChatGPT login active for dev@example.com",
                     "- session runtime: direct startup"):
            self.assertIn(line, out.stdout)


if __name__ == "__main__":
    unittest.main()
