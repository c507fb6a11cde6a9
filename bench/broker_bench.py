#!/usr/bin/env python3
"""Whole-process figures for the shared runtime against the REAL Codex CLI and the Responses
stand-in (not tests; nothing here asserts a figure):

  1. a foreground `task` on a warm broker against the same task with a direct app-server
     (CODEX_COMPANION_RUNTIME=direct), wall time median / p90;
  2. the memory of 8 concurrent background jobs, shared against direct: the peaks of the summed
     proportional set size (PSS, /proc/<pid>/smaps_rollup: shared pages split between the
     processes sharing them) and of the summed RSS (shared pages counted in every process) of
     every process carrying the run's CODEX_HOME (workers, brokers, app-servers), sampled every
     50 ms.

The relay itself (throughput, added latency, the broker's RSS) is bench/relay_bench.

    python3 bench/broker_bench.py [--build build/release] [--runs 10]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from codex_env import CodexEnv  # noqa: E402
from companion_testlib import processes_with_env  # noqa: E402
from responses_stub import ResponsesStub  # noqa: E402
from scratch import scratch_dir  # noqa: E402


def percentile(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * p))]


def kib(path, field, pid):
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def is_broker(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"broker\0serve" in f.read()
    except OSError:
        return False


class Run:
    def __init__(self, bin_path, tmp, name, cenv, runtime):
        self.bin = bin_path
        self.ws = os.path.join(tmp, name)
        os.makedirs(self.ws)
        home = os.path.join(tmp, name + "-home")
        os.makedirs(home)
        self.home = cenv.home
        self.env = dict(cenv.env, XDG_STATE_HOME=os.path.join(tmp, name + "-state"), HOME=home)
        if runtime:
            self.env["CODEX_COMPANION_RUNTIME"] = runtime

    def cli(self, *args):
        return subprocess.run([self.bin, *args], cwd=self.ws, env=self.env, capture_output=True,
                              text=True, timeout=120)

    def timed_task(self, text):
        t0 = time.perf_counter()
        out = self.cli("task", text)
        if out.returncode != 0:
            raise SystemExit(f"task failed: {out.stderr}")
        return (time.perf_counter() - t0) * 1000

    def stop(self):
        self.cli("broker", "stop", "--force")


def foreground(run, runs):
    run.timed_task("Warm up. ECHO:warm")
    return [run.timed_task(f"Task {i}. ECHO:fg{i}") for i in range(runs)]


def eight_jobs(run):
    jobs = []
    for i in range(8):
        out = run.cli("task", "--background", "--json", f"Job {i}. ECHO:bg{i} [[stub:slow:4000]]")
        jobs.append(json.loads(out.stdout)["jobId"])
    peak_pss = peak_rss = peak_broker = 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        pids = processes_with_env("CODEX_HOME", run.home)
        peak_pss = max(peak_pss, sum(kib("smaps_rollup", "Pss", p) for p in pids))
        peak_rss = max(peak_rss, sum(kib("status", "VmRSS", p) for p in pids))
        brokers = [p for p in pids if is_broker(p)]
        peak_broker = max([peak_broker] + [kib("status", "VmRSS", p) for p in brokers])
        states = [json.loads(run.cli("status", j, "--json").stdout)["job"]["status"] for j in jobs]
        if all(s in ("completed", "failed", "cancelled") for s in states):
            break
        time.sleep(0.05)
    if any(s != "completed" for s in states):
        raise SystemExit(f"jobs did not complete: {states}")
    return peak_pss / 1024, peak_rss / 1024, peak_broker / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    bin_path = os.path.join(os.path.abspath(args.build), "codex-companion")
    tmp = scratch_dir("companion-brokerbench-")
    results = {}
    try:
        with ResponsesStub(default="normal") as stub:
            for name, runtime in (("direct", "direct"), ("shared", None)):
                with CodexEnv(stub.port) as cenv:
                    run = Run(bin_path, tmp, name, cenv, runtime)
                    try:
                        times = foreground(run, args.runs)
                        run.stop()
                        results[name] = (statistics.median(times), percentile(times, 0.9),
                                         eight_jobs(run))
                    finally:
                        run.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| measure | direct | shared (warm broker) |")
    print("| --- | ---: | ---: |")
    print(f"| foreground `task`, real Codex + stand-in, median / p90 ({args.runs} runs) | "
          f"{results['direct'][0]:.0f} ms / {results['direct'][1]:.0f} ms | "
          f"{results['shared'][0]:.0f} ms / {results['shared'][1]:.0f} ms |")
    d, s = results["direct"][2], results["shared"][2]
    print(f"| 8 concurrent background jobs, peak summed PSS | {d[0]:.0f} MiB | {s[0]:.0f} MiB |")
    print(f"| 8 concurrent background jobs, peak summed RSS | {d[1]:.0f} MiB | {s[1]:.0f} MiB |")
    print(f"| the broker's own peak RSS during those 8 jobs | – | {s[2]:.1f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
