#!/usr/bin/env python3
"""The codex-companion demo: offline, a real background task through the real Codex CLI.

It starts the bundled Responses API stand-in on loopback, points a throwaway CODEX_HOME at it,
creates a small git repository, then drives the built binary as a user would: launch a background
task, look at `status` while it runs, wait for it, print its `result`. Everything it starts is
stopped and removed at the end.
"""

import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from codex_env import CodexEnv  # noqa: E402
from responses_stub import ResponsesStub  # noqa: E402
from scratch import scratch_dir  # noqa: E402

BIN = os.path.join(ROOT, "build", "default", "codex-companion")


def show(title, argv, env, cwd):
    print(f"\n$ codex-companion {' '.join(argv)}", flush=True)
    out = subprocess.run([BIN, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    text = out.stdout if out.stdout else out.stderr
    print(text.rstrip(), flush=True)
    if out.returncode != 0:
        raise SystemExit(f"demo: `{title}` failed with exit status {out.returncode}")
    return out.stdout


def make_repo(path):
    os.makedirs(path)
    with open(os.path.join(path, "fib.py"), "w") as f:
        f.write("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n")
    git = ["git", "-C", path, "-c", "user.name=demo", "-c", "user.email=demo@example.invalid"]
    subprocess.run(["git", "init", "-q", path], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "initial"], check=True)


def main():
    tmp = scratch_dir("codex-companion-demo-")
    try:
        with ResponsesStub(default="normal") as stub, CodexEnv(stub.port) as cenv:
            workspace = os.path.join(tmp, "fib-project")
            make_repo(workspace)
            # A private HOME: Codex's shell start-up reads ~/.bashrc, whose background jobs (a
            # pyenv rehash, say) would otherwise outlive the demo.
            home = os.path.join(tmp, "home")
            os.makedirs(home)
            env = dict(cenv.env, XDG_STATE_HOME=os.path.join(tmp, "state"), HOME=home)
            env.pop("CLAUDE_PLUGIN_DATA", None)
            print(f"Responses API stand-in on 127.0.0.1:{stub.port}; Codex: {cenv.codex}")
            show("setup", ["setup"], env, workspace)
            prompt = ("Explain what fib.py computes and how to make it faster. "
                      "ECHO:memoize-fib [[stub:slow:3000]]")
            launched = json.loads(show("task", ["task", "--background", "--json", prompt], env, workspace))
            job = launched["jobId"]
            time.sleep(1.0)  # let the worker reach Codex, so `status` shows it at work
            show("status", ["status"], env, workspace)
            show("wait", ["status", job, "--wait", "--timeout-ms", "60000"], env, workspace)
            show("result", ["result", job], env, workspace)
            show("broker", ["broker", "status"], env, workspace)
            # The shared broker would otherwise idle for 10 minutes after the demo.
            show("broker stop", ["broker", "stop"], env, workspace)
            print("\nDemo finished: the background job ran through the real Codex CLI and completed.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
