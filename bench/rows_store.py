"""bench/run rows that read or change the job store: `status`, `status --json`, `result`, `cancel`
of a dead job, over a workspace holding N stored jobs, and the CLI's own peak RSS.

The jobs are written by tests/helpers/store_helper (the store's own code, never SQL by hand):
each is created, started, updated and finished as a real job is.
"""

import os
import shutil
import signal
import subprocess

from benchlib import BenchError, Stat, cli_json, peak_rss_mib, time_command


class StoreWorkspace:
    """A workspace whose store holds `jobs` finished jobs. Seeding 10,000 jobs one transaction at
    a time takes minutes on a loaded machine, so the seeded workspace is kept under `cache` (the
    build directory) and reused by later runs; the orphans `cancel` leaves there are a few rows
    more."""

    def __init__(self, bin_path, helper, jobs, cache):
        self.bin, self.helper = bin_path, helper
        self.dir = os.path.join(cache, f"store-{jobs}")
        self.ws = os.path.join(self.dir, "ws")
        self.env = dict(os.environ, XDG_STATE_HOME=os.path.join(self.dir, "state"),
                        CODEX_COMPANION_KEEP_JOBS="100000", CODEX_COMPANION_RUNTIME="direct")
        for name in ("CLAUDE_PLUGIN_DATA", "CODEX_COMPANION_SESSION_ID"):
            self.env.pop(name, None)
        seeded = os.path.join(self.dir, "seeded")
        if not os.path.exists(seeded):
            shutil.rmtree(self.dir, ignore_errors=True)
            os.makedirs(self.ws)
            subprocess.run([helper, "hammer", self.ws, str(jobs * 4), "bench"], env=self.env,
                           check=True)
            open(seeded, "w").close()

    def dead_job(self, _i):
        """A running job whose owner has died: what `cancel` must clean up after."""
        owner = subprocess.Popen(["sleep", "60"])
        try:
            out = subprocess.run([self.helper, "orphan", self.ws, str(owner.pid)], env=self.env,
                                 capture_output=True, text=True, check=True)
        finally:
            owner.send_signal(signal.SIGKILL)
            owner.wait()
        return [out.stdout.strip()]


def store_rows(bin_path, helper, counts, runs, cache):
    """{(measure, jobs): Stat}, plus ('cli-rss', jobs) peak RSS of `status --json`."""
    rows = {}
    for jobs in counts:
        space = StoreWorkspace(bin_path, helper, jobs, cache)
        bin_argv = [bin_path]
        rows[("status", jobs)] = time_command(bin_argv + ["status"], space.ws, space.env, runs)
        rows[("status --json", jobs)] = time_command(bin_argv + ["status", "--json"], space.ws,
                                                     space.env, runs)
        latest = cli_json(bin_argv, space.ws, space.env, "status")["latestFinished"]
        if not latest:
            raise BenchError("the seeded workspace lists no finished job")
        rows[("result", jobs)] = time_command(bin_argv + ["result", latest["id"]], space.ws,
                                              space.env, runs)
        rows[("cancel of a dead job", jobs)] = time_command(
            bin_argv + ["cancel"], space.ws, space.env, runs, check=False,
            prepare=space.dead_job)
        rss = [peak_rss_mib(bin_argv + ["status", "--json"], space.ws, space.env)
               for _ in range(max(3, runs // 5))]
        rows[("cli-rss", jobs)] = Stat(rss, "MiB")
    return rows


def artefact_rows(dynamic_bin, static_bin, helper, runs, cache):
    """The static musl artefact (scripts/release linux-x64) beside the dynamic build: `--version`
    start-up, `status --json` over 50 stored jobs, peak RSS, and the binaries' sizes."""
    space = StoreWorkspace(dynamic_bin, helper, 50, cache)
    rows = {}
    for kind, path in (("dynamic", dynamic_bin), ("static", static_bin)):
        rows[f"version {kind}"] = time_command([path, "--version"], space.ws, space.env, runs)
        rows[f"status {kind}"] = time_command([path, "status", "--json"], space.ws, space.env,
                                              runs)
        rows[f"rss {kind}"] = Stat([peak_rss_mib([path, "status", "--json"], space.ws, space.env)
                                    for _ in range(3)], "MiB")
        rows[f"size {kind}"] = Stat([os.path.getsize(path) / (1024 * 1024)], "MiB")
    return rows
