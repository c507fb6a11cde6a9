"""A clean clone builds, installs and runs anywhere: the installed binary needs nothing from the
source or build tree (the prompt templates and output schemas are compiled in), and a plain
Release build (-O3, warnings not errors) reports no warning at all.

The test clones the checkout it runs from (COMPANION_SOURCE_DIR) at HEAD, so uncommitted changes
are not what it builds. It runs what a user runs, nothing more:

    cmake -S <clone> -B <tmp>/b -DCMAKE_BUILD_TYPE=Release
    cmake --build <tmp>/b --target codex-companion --parallel 2
    cmake --install <tmp>/b --prefix <tmp>/p

then deletes the clone and the build tree and runs <tmp>/p/bin/codex-companion adversarial-review
in a scratch repository from an unrelated directory, against tests/fixtures/fake_app_server.py,
and checks that the prompt and the output schema that reached the app-server are the plugin's.

Build time: only the binary's target, two jobs. The scratch directory sits in the build tree
(COMPANION_BUILD_DIR), at the same depth every run, so with ccache's base_dir covering it the
compiler sees the same relative paths each time and a second run is served from the cache.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from companion_testlib import SOURCE_DIR, clone_head

FAKE_APP_SERVER = os.path.join(SOURCE_DIR, "tests", "fixtures", "fake_app_server.py")
PROMPT = os.path.join(SOURCE_DIR, "plugin", "prompts", "adversarial-review.md")
SCHEMA = os.path.join(SOURCE_DIR, "plugin", "schemas", "review-output.schema.json")
BUILD_TIMEOUT = 840  # seconds; a cold -O3 build on a loaded 2-core machine


def run(argv, cwd, timeout=120, env=None):
    """Runs argv, returns its CompletedProcess (stdout and stderr together); fails on exit != 0."""
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-4000:]}")
    return proc


def git(cwd, *args):
    return run(["git", *args], cwd).stdout.strip()


def template_literals(text):
    """The fixed text of a prompt template: the pieces between its {{PLACEHOLDERS}}."""
    return [part.strip() for part in re.split(r"\{\{[A-Z0-9_]+\}\}", text) if part.strip()]


class InstalledBinary(unittest.TestCase):
    def setUp(self):
        scratch_root = os.environ.get("COMPANION_BUILD_DIR") or None
        self.tmp = tempfile.mkdtemp(prefix="install-test-", dir=scratch_root)
        self.timings = {}

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("install test timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items()),
              file=sys.stderr)

    def timed(self, name, argv, cwd, timeout=120, env=None):
        start = time.monotonic()
        proc = run(argv, cwd, timeout=timeout, env=env)
        self.timings[name] = time.monotonic() - start
        return proc

    def build_and_install(self, src):
        build, prefix = os.path.join(self.tmp, "b"), os.path.join(self.tmp, "p")
        self.timed("configure", ["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release"],
                   self.tmp)
        built = self.timed("build", ["cmake", "--build", build, "--target", "codex-companion",
                                     "--parallel", "2"], self.tmp, timeout=BUILD_TIMEOUT)
        warnings = [line for line in built.stdout.splitlines() if "warning:" in line]
        self.assertEqual(warnings, [], "the Release build reports warnings:\n" + built.stdout[-4000:])
        self.timed("install", ["cmake", "--install", build, "--prefix", prefix], self.tmp)
        with open(os.path.join(build, "install_manifest.txt")) as f:
            installed = [os.path.relpath(p, prefix) for p in f.read().split()]
        self.assertEqual(installed, ["bin/codex-companion"])
        return build, os.path.join(prefix, "bin", "codex-companion")

    def scratch_repo(self):
        """A git repository with one commit and an uncommitted change."""
        repo = os.path.join(self.tmp, "repo")
        os.makedirs(repo)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.email", "tests@example.invalid")
        git(repo, "config", "user.name", "Tests")
        with open(os.path.join(repo, "app.py"), "w") as f:
            f.write("def total(xs):\n    return sum(xs)\n")
        git(repo, "add", "app.py")
        git(repo, "commit", "-q", "-m", "initial")
        with open(os.path.join(repo, "app.py"), "a") as f:
            f.write("\ndef mean(xs):\n    return total(xs) / len(xs)\n")
        return repo

    def test_clean_clone_installs_a_self_contained_binary(self):
        src = clone_head(os.path.join(self.tmp, "src"))
        build, binary = self.build_and_install(src)
        # Nothing of the source or build tree is left for the binary to find.
        shutil.rmtree(src)
        shutil.rmtree(build)
        repo = self.scratch_repo()
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        log = os.path.join(self.tmp, "app-server.log")
        env = {k: v for k, v in os.environ.items()
               if k not in ("CODEX_COMPANION_PLUGIN_ROOT", "CLAUDE_PLUGIN_ROOT",
                            "CODEX_COMPANION_APP_SERVER_ENDPOINT", "CODEX_COMPANION_SESSION_ID")}
        # Direct: a shared broker would outlive the test (it exits after 10 idle minutes).
        env.update({"XDG_STATE_HOME": os.path.join(self.tmp, "state"),
                    "CODEX_COMPANION_CODEX": FAKE_APP_SERVER, "FAKE_APP_SERVER_LOG": log,
                    "CODEX_COMPANION_RUNTIME": "direct"})
        out = self.timed("adversarial-review", [binary, "adversarial-review", "--cwd", repo,
                                                "division by zero"], elsewhere, timeout=60, env=env)
        self.assertIn("Adversarial Review", out.stdout)

        with open(log) as f:
            starts = [m["params"] for m in map(json.loads, f) if m.get("method") == "turn/start"]
        self.assertEqual(len(starts), 1, f"expected one turn/start, got {starts}")
        prompt = "".join(part.get("text", "") for part in starts[0]["input"])
        with open(PROMPT) as f:
            literals = template_literals(f.read())
        self.assertGreater(len(literals), 3)
        position = 0
        for literal in literals:  # every fixed piece of the template, in order
            found = prompt.find(literal, position)
            self.assertNotEqual(found, -1, f"the template text {literal[:60]!r} is not in the prompt")
            position = found + len(literal)
        self.assertIn("division by zero", prompt)
        self.assertIn("def mean(xs):", prompt)
        with open(SCHEMA) as f:
            self.assertEqual(starts[0]["outputSchema"], json.load(f))


if __name__ == "__main__":
    unittest.main()
