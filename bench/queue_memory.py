#!/usr/bin/env python3
"""What one more concurrent job costs in memory, for the default of `max-parallel` (README,
"Queue and limit"). Against the REAL Codex CLI and the Responses stand-in; nothing here asserts.

For the shared runtime (one broker, one app-server per workspace) and for direct app-servers:
the summed RSS and PSS of every process carrying the run's CODEX_HOME (workers, broker,
app-servers) with 0 (idle broker / nothing), 1, 2, 4 and 8 turns in progress at once. Turns hang
in the stand-in ([[stub:hang]]) so they stay in progress while sampled (peak of 20 samples,
50 ms apart, after every job is `running` and 1.5 s of settling); then they are cancelled.

    python3 bench/queue_memory.py [--build build/default]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from broker_bench import Run, is_broker, kib  # noqa: E402
from codex_env import CodexEnv  # noqa: E402
from companion_testlib import processes_with_env  # noqa: E402
from responses_stub import ResponsesStub  # noqa: E402
from scratch import scratch_dir  # noqa: E402


def sample(run):
    pss = rss = app = 0
    for _ in range(20):
        pids = processes_with_env("CODEX_HOME", run.home)
        pss = max(pss, sum(kib("smaps_rollup", "Pss", p) for p in pids))
        rss = max(rss, sum(kib("status", "VmRSS", p) for p in pids))
        servers = [p for p in pids if not is_broker(p) and b"app-server" in cmdline(p)]
        app = max([app] + [kib("status", "VmRSS", p) for p in servers])
        time.sleep(0.05)
    return pss / 1024, rss / 1024, app / 1024


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def with_turns(run, n):
    run.cli("config", "set", "max-parallel", "64")
    jobs = []
    for i in range(n):
        out = run.cli("task", "--background", "--json", f"Hold {i}. [[stub:hang]]")
        jobs.append(json.loads(out.stdout)["jobId"])
    deadline = time.monotonic() + 60
    while jobs and time.monotonic() < deadline:
        states = [json.loads(run.cli("status", j, "--json").stdout)["job"] for j in jobs]
        if all(s["status"] == "running" and s.get("turnId") for s in states):
            break
        time.sleep(0.1)
    time.sleep(1.5)
    figures = sample(run)
    for j in jobs:
        run.cli("cancel", j)
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build", "default"))
    args = parser.parse_args()
    bin_path = os.path.join(os.path.abspath(args.build), "codex-companion")
    tmp = scratch_dir("companion-queuemem-")
    rows = {}
    try:
        with ResponsesStub(default="normal") as stub:
            for name, runtime in (("shared", None), ("direct", "direct")):
                with CodexEnv(stub.port) as cenv:
                    run = Run(bin_path, tmp, name, cenv, runtime)
                    try:
                        run.cli("task", "Warm up. ECHO:warm")  # starts the broker (shared)
                        rows[name] = {n: with_turns(run, n) for n in (0, 1, 2, 4, 8)}
                    finally:
                        run.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| turns in progress | shared: PSS / RSS summed, app-server RSS | direct: PSS / RSS "
          "summed |")
    print("| ---: | ---: | ---: |")
    for n in (0, 1, 2, 4, 8):
        s, d = rows["shared"][n], rows["direct"][n]
        print(f"| {n} | {s[0]:.0f} / {s[1]:.0f} MiB, {s[2]:.0f} MiB | {d[0]:.0f} / {d[1]:.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
