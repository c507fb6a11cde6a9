#!/usr/bin/env python3
"""Whole-process figures for jobs (not tests; nothing here asserts a time):

  1. the companion's own wall time for a foreground `task` against a zero-latency app-server
     (bench/zero_app_server answers every request at once), and its peak RSS;
  2. the resident memory of a background worker during a real Codex turn (real codex CLI, the
     Responses stand-in answering slowly), sampled from /proc while the turn runs;
  3. how fast `status JOB --wait` returns after the job finishes (return time minus the job's
     stored completedAt).

    python3 bench/job_bench.py [--build build/release] [--runs 50]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from codex_env import CodexEnv  # noqa: E402
from responses_stub import ResponsesStub  # noqa: E402
from companion_testlib import pid_alive  # noqa: E402


def iso_ms(text):
    from datetime import datetime, timezone
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000


def percentile(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * p))]


def foreground_overhead(bin_path, zero, runs, tmp):
    ws = os.path.join(tmp, "fg")
    os.makedirs(ws)
    # One app-server per job (bench/broker_bench.py measures the shared runtime).
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state-fg"), CODEX_COMPANION_CODEX=zero,
               CODEX_COMPANION_RUNTIME="direct")
    times = []
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.chdir(ws)
    for _ in range(runs):
        t0 = time.perf_counter()
        pid = os.posix_spawn(bin_path, [bin_path, "task", "hello"], env,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                           (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status = os.waitpid(pid, 0)
        times.append((time.perf_counter() - t0) * 1000)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit("foreground task failed")
    os.close(devnull)
    os.chdir(ROOT)
    # Peak RSS through GNU time (a small C parent), which reports its child's own high-water mark.
    out = subprocess.run(["/usr/bin/time", "-f", "%M", bin_path, "task", "hello"], cwd=ws, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    rss_kib = int(out.stderr.strip().splitlines()[-1])
    return statistics.median(times), percentile(times, 0.9), rss_kib / 1024


def vm_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def worker_memory_and_wait(bin_path, tmp, rounds):
    ws = os.path.join(tmp, "bg")
    os.makedirs(ws)
    peak_rss, reactions = 0, []
    with ResponsesStub(default="normal") as stub, CodexEnv(stub.port) as cenv:
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = dict(cenv.env, XDG_STATE_HOME=os.path.join(tmp, "state-bg"), HOME=home,
                   CODEX_COMPANION_RUNTIME="direct")
        for i in range(rounds):
            out = subprocess.run([bin_path, "task", "--background", "--json",
                                  f"bench ECHO:r{i} [[stub:slow:1500]]"], cwd=ws, env=env,
                                 capture_output=True, text=True, check=True)
            job = json.loads(out.stdout)["jobId"]
            status = json.loads(subprocess.run([bin_path, "status", job, "--json"], cwd=ws, env=env,
                                               capture_output=True, text=True, check=True).stdout)
            pid = status["job"]["pid"]
            waiter = subprocess.Popen([bin_path, "status", job, "--wait", "--json"], cwd=ws, env=env,
                                      stdout=subprocess.PIPE, text=True)
            # The return time is taken by a thread blocked on the waiter, not by the sampling loop.
            returned = []
            watcher = threading.Thread(
                target=lambda: returned.append((waiter.communicate()[0], time.time() * 1000)))
            watcher.start()
            while watcher.is_alive():
                if pid_alive(pid):
                    peak_rss = max(peak_rss, vm_kib(pid, "VmRSS") or 0)
                time.sleep(0.02)
            watcher.join()
            output, returned_ms = returned[0]
            done = json.loads(output)["job"]
            reactions.append(returned_ms - iso_ms(done["completedAt"]))
    return peak_rss / 1024, statistics.median(reactions), max(reactions)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    bin_path = os.path.join(build, "codex-companion")
    zero = os.path.join(build, "bench", "zero_app_server")
    tmp = tempfile.mkdtemp(prefix="companion-jobbench-")
    try:
        fg_med, fg_p90, fg_rss = foreground_overhead(bin_path, zero, args.runs, tmp)
        rss, react_med, react_max = worker_memory_and_wait(bin_path, tmp, args.rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| foreground `task` against a zero-latency app-server, median / p90 wall time "
          f"({args.runs} runs) | {fg_med:.1f} ms / {fg_p90:.1f} ms |")
    print(f"| peak RSS of the foreground `task` process (its app-server included) | {fg_rss:.1f} MiB |")
    print(f"| background worker RSS during a real Codex turn (max of samples, {args.rounds} jobs) "
          f"| {rss:.1f} MiB |")
    print(f"| `status --wait` return after the job finished, median / max | "
          f"{react_med:.0f} ms / {react_max:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
