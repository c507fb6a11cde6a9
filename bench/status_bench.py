#!/usr/bin/env python3
"""Whole-process timings of `codex-companion status` and `status --json` over a workspace holding
50 and 10,000 stored jobs. Prints a Markdown table of median / p90 wall times.

    python3 bench/status_bench.py [--bin build/release/codex-companion] [--runs 200]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def populate(helper, workspace, env, jobs):
    # Four store operations per job: create, two updates, finish (as a real job does).
    subprocess.run([helper, "hammer", workspace, str(jobs * 4), "bench"], env=env, check=True)


def time_runs(argv, cwd, env, runs):
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, "build/release/codex-companion"))
    parser.add_argument("--helper", default=None)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    helper = args.helper or os.path.join(os.path.dirname(args.bin), "tests/store_helper")
    rows = []
    for jobs in (50, 10000):
        tmp = tempfile.mkdtemp(prefix="companion-bench-")
        try:
            workspace = os.path.join(tmp, "ws")
            os.makedirs(workspace)
            env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state"),
                       CODEX_COMPANION_KEEP_JOBS="100000")
            env.pop("CLAUDE_PLUGIN_DATA", None)
            env.pop("CODEX_COMPANION_SESSION_ID", None)
            populate(helper, workspace, env, jobs)
            for extra in ([], ["--json"]):
                median, p90 = time_runs([args.bin, "status", *extra], workspace, env, args.runs)
                rows.append((jobs, " ".join(["status", *extra]), median, p90))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"| stored jobs | command | median (ms) | p90 (ms) |  ({args.runs} runs each)")
    print("| ---: | --- | ---: | ---: |")
    for jobs, cmd, median, p90 in rows:
        print(f"| {jobs} | `{cmd}` | {median:.2f} | {p90:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
