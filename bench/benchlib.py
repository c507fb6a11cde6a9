"""Shared pieces of bench/run: timing whole processes, summarising samples, reading /proc.

Nothing here asserts a figure; a step that cannot run raises BenchError with one line saying why.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))


class BenchError(Exception):
    pass


class Stat:
    """Samples of one measure: median and spread (p10-p90, or min-max under 10 samples)."""

    def __init__(self, samples, unit):
        if not samples:
            raise BenchError("no samples")
        self.samples = sorted(samples)
        self.unit = unit

    @property
    def median(self):
        return statistics.median(self.samples)

    def spread(self):
        s = self.samples
        if len(s) < 10:
            return s[0], s[-1]
        return s[int(len(s) * 0.1)], s[min(len(s) - 1, int(len(s) * 0.9))]

    def text(self):
        lo, hi = self.spread()
        digits = 1 if self.median < 100 else 0
        fmt = f"{{:.{digits}f}}"
        return (f"{fmt.format(self.median)} {self.unit} "
                f"({fmt.format(lo)}–{fmt.format(hi)}, n={len(self.samples)})")


def run_timed(argv, cwd, env, stdin=None):
    """Runs argv to its end; returns (wall ms, ru_maxrss KiB, exit code, stdout). The rusage
    includes the forked Python's pages from before the exec: read RSS with peak_rss_mib()."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=stdin or subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    return wall, usage.ru_maxrss, proc.returncode, out.decode("utf-8", "replace")


def peak_rss_mib(argv, cwd, env):
    """The peak RSS of argv's process, through GNU time (a small C parent: a Python child's own
    ru_maxrss would count Python's pages from before the exec)."""
    with tempfile.NamedTemporaryFile(prefix="bench-rss-") as f:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name, *argv], cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return int(f.read().decode().strip().splitlines()[-1]) / 1024


def time_command(argv, cwd, env, runs, check=True, prepare=None):
    """Wall-time Stat of `runs` runs; `prepare(i)` may return extra argv words per run."""
    samples = []
    for i in range(runs):
        extra = prepare(i) if prepare else []
        wall, _, code, _ = run_timed(argv + extra, cwd, env)
        if check and code != 0:
            raise BenchError(f"{' '.join(argv[-3:] + extra)} exited {code}")
        samples.append(wall)
    return Stat(samples, "ms")


def cli_json(bin_argv, cwd, env, *args, timeout=120):
    out = subprocess.run(bin_argv + list(args) + ["--json"], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed: {out.stderr.strip()[:200]}")
    return json.loads(out.stdout)


def proc_kib(pid, path, field):
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def tree(pid):
    """pid and its descendants (read from /proc/*/stat)."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(name))
        except (OSError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


def wait_for(predicate, timeout, what, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise BenchError(f"timed out waiting for {what}")


def iso_ms(text):
    from datetime import datetime, timezone
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp() * 1000
