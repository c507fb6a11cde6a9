#!/usr/bin/env python3
"""Peak memory of `transfer` with a large Claude Code transcript.

Writes a transcript of --mib MiB (JSON lines) under a throw-away HOME's ~/.claude/projects,
runs `codex-companion transfer` against the fake app-server (its "legacy" import: the thread is
found in Codex's ledger by the transcript's sha256, so the companion hashes the file) and samples
the companion's VmHWM (its peak resident set, /proc/PID/status) every few milliseconds until it
exits. Prints the peak in MiB and the run's wall time. A measurement, not a test:

    python3 bench/transfer_memory.py [--bin build/release/codex-companion] [--mib 200] [--runs 3]
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

from scratch import scratch_dir  # noqa: E402

FAKE = os.path.join(ROOT, "tests", "fixtures", "fake_app_server.py")


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def write_transcript(path, mib):
    line = json.dumps({"type": "assistant", "message": {"role": "assistant",
                                                         "content": "x" * 1000}}) + "\n"
    count = mib * 1024 * 1024 // len(line)
    with open(path, "w") as f:
        for _ in range(count):
            f.write(line)


def one_run(binary, tmp, source):
    env = dict(os.environ, HOME=os.path.join(tmp, "home"), CODEX_HOME=os.path.join(tmp, "codex"),
               XDG_STATE_HOME=os.path.join(tmp, "state"), CODEX_COMPANION_CODEX=FAKE,
               FAKE_APP_SERVER_IMPORT="legacy")
    shutil.rmtree(env["CODEX_HOME"], ignore_errors=True)
    os.makedirs(env["CODEX_HOME"])
    started = time.monotonic()
    proc = subprocess.Popen([binary, "transfer", "--source", source, "--json"], cwd=tmp, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, vm_hwm_kib(proc.pid))
        time.sleep(0.002)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"transfer failed: {err.decode().strip()}")
    return peak / 1024.0, time.monotonic() - started, json.loads(out)["threadId"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "default", "codex-companion"))
    parser.add_argument("--mib", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = scratch_dir("companion-transfer-mem-")
    try:
        project = os.path.join(tmp, "home", ".claude", "projects", "-p")
        os.makedirs(project)
        source = os.path.join(project, "5e55a0f0-0000-4000-8000-000000000000.jsonl")
        write_transcript(source, args.mib)
        size = os.path.getsize(source) / (1024 * 1024)
        peaks = []
        for _ in range(args.runs):
            peak, seconds, thread = one_run(os.path.abspath(args.bin), tmp, source)
            peaks.append(peak)
            print(f"transcript {size:.0f} MiB: peak RSS of transfer {peak:.1f} MiB, "
                  f"{seconds:.1f} s (thread {thread})")
        peaks.sort()
        print(f"median peak RSS {peaks[len(peaks) // 2]:.1f} MiB over {len(peaks)} runs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
