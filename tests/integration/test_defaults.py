"""Model defaults that persist (`config set [--user] model|effort|review-model|review-effort`):
one precedence (flag > workspace > user's file > Codex's own configuration), shown by `config get`
with where each value came from, bad values refused with the accepted ones, and a hostile or
broken defaults file refused with one line, never applied, never widening the sandbox. Codex is
the fake app-server, which records what it was sent."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from fake_codex_case import FakeCodexCase  # noqa: E402


class DefaultsCase(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.config_home = os.path.join(self.tmp, "xdg-config")
        self.env["XDG_CONFIG_HOME"] = self.config_home
        self.user_file = os.path.join(self.config_home, "codex-companion", "config.json")

    def ok(self, *args):
        proc = self.run_cli(*args)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def refused(self, *args, says=()):
        proc = self.run_cli(*args)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        for text in says:
            self.assertIn(text, lines[0])
        return lines[0]

    def last(self, method):
        sent = self.app_server_messages(method)
        self.assertTrue(sent, f"no {method} sent")
        return sent[-1]

    def settings(self):
        return self.run_json("config", "get")["settings"]


class DefaultsTest(DefaultsCase):
    def test_flag_beats_workspace_beats_user_beats_codex(self):
        self.ok("config", "set", "--user", "model", "user-model")
        self.ok("config", "set", "--user", "effort", "low")
        self.ok("config", "set", "model", "spark")
        with open(self.user_file, encoding="utf-8") as f:
            self.assertEqual(json.load(f), {"effort": "low", "model": "user-model"})
        self.assertEqual(os.stat(self.user_file).st_mode & 0o777, 0o600)
        shown = self.settings()
        self.assertEqual((shown["model"]["value"], shown["model"]["source"]),
                         ("gpt-5.3-codex-spark", "workspace"))
        self.assertEqual((shown["effort"]["value"], shown["effort"]["source"]), ("low", "user"))
        self.assertEqual((shown["review-model"]["value"], shown["review-model"]["source"]),
                         (None, "codex"))
        self.assertIn("effort = low (your defaults file)", self.ok("config", "get").stdout)

        self.run_json("task", "first")
        turn = self.last("turn/start")
        self.assertEqual((turn.get("model"), turn.get("effort")), ("gpt-5.3-codex-spark", "low"))
        job = self.latest_job()
        self.assertEqual(job["request"]["defaultsFrom"], {"model": "workspace", "effort": "user"})

        self.run_json("task", "--effort", "high", "--model", "flag-model", "second")
        turn = self.last("turn/start")
        self.assertEqual((turn.get("model"), turn.get("effort")), ("flag-model", "high"))

        self.ok("config", "unset", "model")
        self.run_json("task", "third")
        self.assertEqual(self.last("turn/start").get("model"), "user-model")

        self.ok("config", "unset", "--user", "model")
        self.ok("config", "unset", "--user", "effort")
        self.run_json("task", "fourth")
        turn = self.last("turn/start")
        self.assertNotIn("model", turn)  # Codex's own configuration decides
        self.assertNotIn("effort", turn)
        self.assertEqual(self.latest_job()["request"]["defaultsFrom"],
                         {"model": "codex", "effort": "codex"})

    def test_reviews_use_the_review_keys_and_tasks_stay_read_only(self):
        self.make_repo()
        self.ok("config", "set", "model", "task-model")
        self.ok("config", "set", "review-model", "review-model-x")
        self.ok("config", "set", "review-effort", "xhigh")
        self.run_json("review")
        started = self.app_server_messages("thread/start")[-1]
        self.assertEqual(started.get("model"), "review-model-x")
        self.assertEqual(self.latest_job()["request"]["defaultsFrom"],
                         {"review-model": "workspace", "review-effort": "workspace"})
        self.run_json("task", "look only")
        self.assertEqual(self.last("thread/start").get("sandbox"), "read-only")
        self.assertEqual(self.last("turn/start").get("model"), "task-model")


class BadDefaultsTest(DefaultsCase):
    def test_bad_values_are_refused_with_the_accepted_ones_and_nothing_changes(self):
        self.ok("config", "set", "effort", "medium")
        self.refused("config", "set", "effort", "ultra",
                     says=("none, minimal, low, medium, high, xhigh",))
        self.refused("config", "set", "--user", "review-effort", "max",
                     says=("none, minimal, low, medium, high, xhigh",))
        self.refused("config", "set", "model", "--", "-rm", says=("model name",))
        self.refused("config", "set", "model", "two\nlines", says=("model name",))
        self.refused("config", "set", "model", "m" * 129, says=("at most 128 bytes",))
        self.refused("config", "set", "--user", "max-parallel", "3", says=("workspace setting",))
        for key in ("sandbox", "write"):
            self.refused("config", "set", key, "workspace-write",
                         says=("unknown setting", "review-effort"))
        self.refused("task", "--effort", "ultra", "x", says=("unknown --effort 'ultra'",))
        self.refused("task", "--model", "bell\x07", "x", says=("--model takes a model name",))
        self.assertEqual(self.settings()["effort"]["value"], "medium")
        self.assertFalse(os.path.exists(self.user_file))
        self.assertEqual(self.app_server_messages("turn/start"), [])

    def write_user_file(self, content):
        os.makedirs(os.path.dirname(self.user_file), mode=0o700, exist_ok=True)
        with open(self.user_file, "w", encoding="utf-8") as f:
            f.write(content)

    def test_a_hostile_defaults_file_is_refused_never_applied(self):
        cases = [
            (json.dumps({"model": "m", "sandbox": "danger-full-access"}), "the key 'sandbox'"),
            (json.dumps({"write": True}), "a write sandbox always needs --write"),
            (json.dumps({"effort": "ultra"}), "none, minimal, low"),
            (json.dumps({"model": ["a"]}), "model must be a string"),
            ("{not json", "not a JSON object"),
            (json.dumps({"model": "m" * 10, "pad": "x" * 70000}), "cannot read"),
        ]
        for content, says in cases:
            with self.subTest(says=says):
                self.write_user_file(content)
                line = self.refused("task", "never sent", says=(says,))
                self.assertIn(self.user_file, line)
                self.refused("config", "get", says=(says,))
        self.assertEqual(self.app_server_messages("turn/start"), [])
        self.assertEqual(self.run_json("status")["running"], [])
        # A symlink planted where the file goes is not followed.
        os.remove(self.user_file)
        target = os.path.join(self.tmp, "elsewhere.json")
        with open(target, "w", encoding="utf-8") as f:
            f.write(json.dumps({"model": "planted"}))
        os.symlink(target, self.user_file)
        self.refused("task", "never sent either", says=("cannot read",))
        self.refused("config", "set", "--user", "model", "mine", says=("cannot read",))
        with open(target, encoding="utf-8") as f:
            self.assertEqual(json.load(f), {"model": "planted"})
        self.assertEqual(self.app_server_messages("turn/start"), [])


if __name__ == "__main__":
    unittest.main()
