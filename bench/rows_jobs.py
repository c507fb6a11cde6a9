"""bench/run rows that run jobs: foreground tasks (zero-latency app-server, real Codex CLI direct
and on a warm broker), `setup --json`, `status --wait` reaction, the memory of a worker and of a
job's whole process tree, the app-server's death to the job's `failed`, and `cancel` of a hung
job. The real Codex CLI answers through tests/lib/responses_stub.py.
"""

import json
import os
import shutil
import signal
import subprocess
import time

from benchlib import BenchError, Stat, iso_ms, proc_kib, run_timed, time_command, tree, wait_for
from codex_env import CodexEnv
from responses_stub import _input_text
from scratch import scratch_dir

TERMINAL = ("completed", "failed", "cancelled")


def zero_task_row(bin_path, zero, runs, runtime):
    """A foreground task against bench/zero_app_server (answers every request at once): the
    companion's own time. `runtime` "direct" starts one per task; None (the shared runtime)
    times tasks on the broker the warm-up task started."""
    tmp = scratch_dir("companion-bench-zero-")
    # TMPDIR beside the state, not holding it (the companion refuses a state directory in $TMPDIR).
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state"), CODEX_COMPANION_CODEX=zero,
               TMPDIR=os.path.join(tmp, "tmp"))
    os.makedirs(env["TMPDIR"])
    env.pop("CODEX_COMPANION_RUNTIME", None)
    if runtime:
        env["CODEX_COMPANION_RUNTIME"] = runtime
    try:
        time_command([bin_path, "task", "warm up"], tmp, env, 1)
        return time_command([bin_path, "task", "hello"], tmp, env, runs)
    finally:
        subprocess.run([bin_path, "broker", "stop", "--force"], cwd=tmp, env=env,
                       capture_output=True, timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


class CodexSpace:
    """A workspace, state directory and CODEX_HOME on the Responses stand-in; `runtime` None is
    the shared runtime (a broker per workspace), "direct" one app-server per job."""

    def __init__(self, bin_argv, stub, tmp, name, runtime):
        self.bin_argv, self.stub = bin_argv, stub
        self.ws = os.path.join(tmp, name)
        os.makedirs(self.ws)
        self.cenv = CodexEnv(stub.port)
        home = os.path.join(tmp, name + "-home")
        os.makedirs(home)
        self.env = dict(self.cenv.env, XDG_STATE_HOME=os.path.join(tmp, name + "-state"),
                        HOME=home, TMPDIR=os.path.join(tmp, name + "-tmp"))
        os.makedirs(self.env["TMPDIR"])
        if runtime:
            self.env["CODEX_COMPANION_RUNTIME"] = runtime

    def cli(self, *args, timeout=120):
        return subprocess.run(self.bin_argv + list(args), cwd=self.ws, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def json(self, *args):
        out = self.cli(args[0], "--json", *args[1:])  # before any prompt text
        if out.returncode != 0:
            raise BenchError(f"{args[0]} failed: {out.stderr.strip()[:300]}")
        return json.loads(out.stdout)

    def timed(self, *args, runs):
        return time_command(self.bin_argv + list(args), self.ws, self.env, runs)

    def launch(self, text):
        return self.json("task", "--background", text)["jobId"]

    def job(self, job_id):
        return self.json("status", job_id)["job"]

    def wait_turn(self, job_id, token):
        wait_for(lambda: any(token in _input_text(r["body"]) for r in list(self.stub.requests)),
                 60, f"the model request of {job_id}")
        return wait_for(lambda: (lambda j: j if j.get("turnId") else None)(self.job(job_id)), 30,
                        f"the turn of {job_id}", interval=0.02)

    def wait_done(self, job_id):
        return self.json("status", job_id, "--wait", "--timeout-ms", "60000")["job"]

    def close(self):
        self.cli("broker", "stop", "--force")
        self.cenv.cleanup()


def foreground_rows(space, runs):
    space.cli("task", "Warm up. ECHO:warm")
    return space.timed("task", "Bench task. ECHO:fg", runs=runs)


def new_identity_rows(space, runs):
    """A foreground task whose run has a Codex identity no broker serves yet (another value of a
    provider variable each time, OPENAI_ORGANIZATION, which the stand-in ignores): it starts a
    broker of its own and the turn goes through it. Then `status` with that many brokers
    recorded, each answering (it computes this run's identity and finds its broker)."""
    samples = []
    for i in range(runs):
        env = dict(space.env, OPENAI_ORGANIZATION=f"bench-identity-{i}")
        wall, _, code, _ = run_timed(space.bin_argv + ["task", f"New identity. ECHO:id{i}"],
                                     space.ws, env)
        if code != 0:
            raise BenchError(f"the task of identity {i} exited {code}")
        samples.append(wall)
    status = space.timed("status", runs=runs)
    brokers = len(space.json("broker", "status")["brokers"])
    space.cli("broker", "stop", "--force")
    if brokers < runs:
        raise BenchError(f"{runs} identities left {brokers} brokers")
    return Stat(samples, "ms"), status, brokers


def setup_row(space, runs):
    return space.timed("setup", "--json", runs=runs)


def wait_and_memory_rows(space, rounds):
    """`status --wait` return after completedAt; worker RSS; whole job tree RSS (direct)."""
    reactions, worker_rss, tree_rss = [], [], []
    for i in range(rounds):
        job_id = space.launch(f"bench ECHO:w{i} [[stub:slow:800]]")
        pid = space.job(job_id)["pid"]
        waiter = subprocess.Popen(space.bin_argv + ["status", job_id, "--wait", "--json"],
                                  cwd=space.ws, env=space.env, stdout=subprocess.PIPE, text=True)
        peak_w = peak_t = 0
        while waiter.poll() is None:
            peak_w = max(peak_w, proc_kib(pid, "status", "VmRSS"))
            peak_t = max(peak_t, sum(proc_kib(p, "status", "VmRSS") for p in tree(pid)))
            time.sleep(0.02)
        returned = time.time() * 1000
        done = json.loads(waiter.stdout.read())["job"]
        waiter.stdout.close()
        reactions.append(returned - iso_ms(done["completedAt"]))
        worker_rss.append(peak_w / 1024)
        tree_rss.append(peak_t / 1024)
    return Stat(reactions, "ms"), Stat(worker_rss, "MiB"), Stat(tree_rss, "MiB")


def app_server_of(space, job):
    if space.env.get("CODEX_COMPANION_RUNTIME") == "direct":
        kids = [p for p in tree(job["pid"]) if p != job["pid"]]
        if not kids:
            raise BenchError("the worker has no app-server child")
        return min(kids)
    status = space.json("broker", "status")
    return status["broker"]["appServerPid"]


def death_rows(space, rounds):
    """Milliseconds from SIGKILL of the app-server to the job's stored completedAt (failed)."""
    samples = []
    for i in range(rounds):
        token = f"death{i}-{time.monotonic_ns()}"
        job_id = space.launch(f"{token} [[stub:hang]]")
        job = space.wait_turn(job_id, token)
        pid = app_server_of(space, job)
        killed = time.time() * 1000
        os.kill(pid, signal.SIGKILL)
        done = space.wait_done(job_id)
        if done["status"] != "failed":
            raise BenchError(f"the job ended {done['status']}, not failed")
        samples.append(iso_ms(done["completedAt"]) - killed)
    return Stat(samples, "ms")


def cancel_rows(space, rounds):
    samples = []
    for i in range(rounds):
        token = f"cancel{i}-{time.monotonic_ns()}"
        job_id = space.launch(f"{token} [[stub:hang]]")
        space.wait_turn(job_id, token)
        wall, _, code, _ = run_timed(space.bin_argv + ["cancel", job_id, "--json"], space.ws,
                                     space.env)
        if code != 0 or space.job(job_id)["status"] != "cancelled":
            raise BenchError("cancel did not cancel the hung job")
        samples.append(wall)
    return Stat(samples, "ms")
