"""Fault: paths the companion runs or trusts could lie where a sandboxed task can write.

Besides the state directory (test_state_dir_where_codex_can_write), the companion runs and reads
outside the sandbox: the codex executable (CODEX_COMPANION_CODEX, else `codex` on PATH), the
prompt templates of CODEX_COMPANION_PLUGIN_ROOT (what Codex is asked, the stop gate's verdict
among them), and the job store. Codex's workspace-write sandbox lets a task write the workspace,
/tmp, $TMPDIR and the `writable_roots` the user's Codex configuration names
(`[sandbox_workspace_write]`, resolved as Codex does: `~/` from HOME, a relative root from the
config file's directory). Refused now, each with one line naming the variable and what to do:
a codex executable or plugin root inside any of those (the workspace included: an earlier write
task could have replaced it), and a write task whose state directory lies inside a writable root.
"""

import os
import shutil
import stat
import unittest

from security_support import FAKE_CODEX, PLUGIN_ROOT, FakeCodexCase, hostile


class PathsWeRunWhereCodexCanWrite(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.make_repo(dirty=True)
        self.codex_home = os.path.join(self.tmp, "codex-home")
        os.makedirs(self.codex_home)
        self.env["CODEX_HOME"] = self.codex_home

    def write_config(self, text, path=None):
        path = path or os.path.join(self.codex_home, "config.toml")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def assert_refused(self, args, fragment, env=None, names=None):
        proc = self.run_cli(*args, env=env, timeout=60)
        line = self.assert_one_line_error(proc, fragment)
        if names:
            self.assertIn(names, line)
        self.assertEqual(self.app_server_messages("thread/start"), [], "Codex was started")
        return line

    def copy_codex(self, directory):
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "codex")
        shutil.copy(FAKE_CODEX, path)
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        return path

    def test_state_dir_inside_a_writable_root_of_the_codex_configuration(self):
        for name, config, where in [
            ("an absolute root", f'[sandbox_workspace_write]\nwritable_roots = ["{self.state_home}"]\n',
             None),
            ("a dotted key, a root relative to the config file",
             "sandbox_workspace_write.writable_roots = [\n  \"../state-home\", # ours\n]\n", None),
            ("the workspace's .codex/config.toml",
             f"[sandbox_workspace_write]\nwritable_roots = ['{self.tmp}']\n",
             os.path.join(self.workspace, ".codex", "config.toml")),
        ]:
            with self.subTest(name), hostile(f"state dir: inside a writable root ({name})"):
                self.write_config(config, where)
                self.assert_refused(("task", "--write", "go"), "writable root",
                                    names="CODEX_COMPANION_STATE_DIR")
                # Only a write task could rewrite it: other commands keep working.
                self.assertEqual(self.run_cli("status").returncode, 0)
                os.remove(where or os.path.join(self.codex_home, "config.toml"))

    def test_codex_executable_where_a_task_may_write(self):
        cases = [
            ("in the workspace", self.copy_codex(os.path.join(self.workspace, "tools")), None),
            ("in /tmp", self.copy_codex(f"/tmp/companion-codex-{os.getpid()}"), None),
            ("in a writable root", self.copy_codex(os.path.join(self.tmp, "shared", "bin")),
             f'[sandbox_workspace_write]\nwritable_roots = ["{self.tmp}/shared"]\n'),
        ]
        self.addCleanup(shutil.rmtree, f"/tmp/companion-codex-{os.getpid()}", True)
        for name, codex, config in cases:
            if config:
                self.write_config(config)
            env = {"CODEX_COMPANION_CODEX": codex}
            for args in (("task", "go"), ("task", "--background", "go"),
                         ("review", "--wait"), ("adversarial-review", "--wait")):
                with self.subTest(name, args=args), \
                        hostile(f"codex executable: {name}"):
                    self.assert_refused(args, "refusing to run the Codex CLI", env=env,
                                        names="CODEX_COMPANION_CODEX")
            # Found on PATH instead: the same refusal, naming PATH.
            env = {"PATH": os.path.dirname(codex) + ":" + self.env.get("PATH", ""),
                   "CODEX_COMPANION_CODEX": ""}
            with self.subTest(name, via="PATH"), hostile(f"codex executable: {name}, on PATH"):
                self.assert_refused(("task", "go"), "(from PATH)", env=env)
        self.assertEqual(self.run_json("status")["running"], [])
        self.assertIsNone(self.run_json("status")["latestFinished"], "a job was stored")

    def test_plugin_root_where_a_task_may_write(self):
        copy = os.path.join(self.workspace, "my-plugin")
        shutil.copytree(PLUGIN_ROOT, copy)
        with hostile("plugin root: inside the workspace"):
            self.assert_refused(("adversarial-review", "--wait"), "refusing "
                                "CODEX_COMPANION_PLUGIN_ROOT", env={"CODEX_COMPANION_PLUGIN_ROOT": copy})
        with hostile("plugin root: inside a writable root"):
            outside = os.path.join(self.tmp, "roots", "plugin")
            shutil.copytree(PLUGIN_ROOT, outside)
            self.write_config(f'[sandbox_workspace_write]\nwritable_roots = ["{self.tmp}/roots"]\n')
            self.assert_refused(("adversarial-review", "--wait"), "writable root",
                                env={"CODEX_COMPANION_PLUGIN_ROOT": outside})
        # Where no task may write it is used.
        os.remove(os.path.join(self.codex_home, "config.toml"))
        proc = self.run_cli("adversarial-review", "--wait",
                            env={"CODEX_COMPANION_PLUGIN_ROOT": outside}, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)


if __name__ == "__main__":
    unittest.main()
