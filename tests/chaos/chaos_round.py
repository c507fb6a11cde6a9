"""One chaos round: a fresh workspace and state home, the plan's jobs launched on schedule, its
faults injected at their moments, then the invariants checked (chaos_checks.py).

Round(plan, root, base_env, mark, fake, queue_review).run() → a result dict:
  {index, kind, runtime, faults{kind: n}, jobs[{id, status, endReason}], violations[str],
   launchRefused, brokerMaxRssKiB, cancelMaxS, sessionEndMaxS, seconds}
"""

import collections
import json
import os
import random
import signal
import subprocess
import threading
import time

import chaos_checks
import chaos_procs as procs
from companion_testlib import BIN

STALL_MS = 3000  # CODEX_COMPANION_TURN_STALL_MS: a hung model stream fails the turn after this
JOB_TIMEOUT_MS = 15000  # CODEX_COMPANION_JOB_TIMEOUT_MS: every job ends by then ...
BOUND_S = JOB_TIMEOUT_MS / 1000 + 30  # ... and is terminal, read back, this long after launch
CANCEL_BOUND_S = 5.0  # SPEC.md guarantee 6
SIGNAL_TARGETS = ("worker", "app-server", "foreground", "broker")


def one_line_error(proc):
    """True when a failed command said why in one `codex-companion: ` line."""
    lines = (proc.stderr or "").strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("codex-companion: ")


class Round:
    def __init__(self, plan, root, base_env, mark, fake, queue_review=None, rss_limit_kib=0):
        self.plan = plan
        self.rng = random.Random(json.dumps(plan, sort_keys=True))  # the seed decides the plan
        self.root = root
        self.mark = mark
        self.fake = fake
        self.queue_review = queue_review
        self.rss_limit_kib = rss_limit_kib
        self.state_home = os.path.join(root, "state")
        self.workspace = os.path.join(root, "ws")
        self.env = self._env(base_env)
        self.faults = collections.Counter()
        self.violations = []
        self.launched = {}  # job id -> monotonic launch time (background jobs)
        self.foreground = []  # (Popen, monotonic launch time)
        self.threads = []
        self.launch_refused = 0
        self.orphan_locks = 0  # free lock files of jobs never stored (chaos_checks.check_locks)
        self.cancel_max = 0.0
        self.session_end_max = 0.0
        self.stopper = procs.Stopper(mark)
        self.sampler = procs.Sampler(mark)
        self._lock = threading.Lock()

    def _env(self, base_env):
        env = dict(base_env)
        env.update({procs.MARK_VAR: self.mark, "XDG_STATE_HOME": self.state_home,
                    "HOME": os.path.join(self.root, "home"),
                    "CODEX_COMPANION_TURN_STALL_MS": str(STALL_MS),
                    "CODEX_COMPANION_JOB_TIMEOUT_MS": str(JOB_TIMEOUT_MS),
                    "CODEX_COMPANION_SESSION_ID": f"chaos-session-{self.plan['index']}",
                    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"})
        for var in ("CODEX_COMPANION_RUNTIME", "CODEX_COMPANION_STATE_DIR", "CLAUDE_PLUGIN_DATA",
                    "CODEX_COMPANION_APP_SERVER_ENDPOINT"):
            env.pop(var, None)
        if self.plan["runtime"] == "direct":
            env["CODEX_COMPANION_RUNTIME"] = "direct"
        if self.plan["kind"] == "fake":
            env["CODEX_COMPANION_CODEX"] = self.fake
            env["FAKE_APP_SERVER_STEP_MS"] = "200"
            if self.plan["runtime"] == "shared":
                env["FAKE_APP_SERVER_MODE"] = "multi"
        return env

    def violation(self, text):
        with self._lock:
            self.violations.append(text)

    # Running commands ---------------------------------------------------------------------------

    def cli(self, *args, timeout=60, input=None, env=None):
        merged = dict(self.env, **(env or {}))
        try:
            return subprocess.run([BIN, *args], cwd=self.workspace, env=merged, input=input,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.violation(f"`{' '.join(args)[:80]}` did not return within {timeout} s")
            return subprocess.CompletedProcess(args, -999, "", "")

    def checked(self, proc, what):
        """A command must succeed or fail with one clear line; a crash is a violation."""
        if proc.returncode not in (0, 1) and proc.returncode != -999:
            self.violation(f"{what} exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
        elif proc.returncode == 1 and not one_line_error(proc):
            self.violation(f"{what} failed without one error line: {proc.stderr.strip()[-300:]}")
        return proc

    def setup(self):
        os.makedirs(os.path.join(self.root, "home"), mode=0o700)
        os.makedirs(self.workspace)
        os.makedirs(self.state_home, exist_ok=True)
        git = ["git", "-c", "user.email=chaos@example.com", "-c", "user.name=Chaos"]
        subprocess.run(git + ["init", "-q", "-b", "main"], cwd=self.workspace, check=True,
                       env=self.env, capture_output=True, timeout=30)
        with open(os.path.join(self.workspace, "app.py"), "w") as f:
            f.write("def total(xs):\n    return sum(xs)\n")
        subprocess.run(git + ["add", "-A"], cwd=self.workspace, check=True, env=self.env,
                       capture_output=True, timeout=30)
        subprocess.run(git + ["commit", "-q", "-m", "initial"], cwd=self.workspace, check=True,
                       env=self.env, capture_output=True, timeout=30)
        with open(os.path.join(self.workspace, "app.py"), "a") as f:
            f.write("\ndef mean(xs):\n    return total(xs) / len(xs)\n")

    # Jobs ---------------------------------------------------------------------------------------

    def argv(self, job, n):
        kind, behaviour = job["kind"], job["behaviour"]
        bg = ["--background"] if job["background"] else []
        if self.plan["kind"] == "fake":
            return ["task", *bg, "--json", f"Chaos task {n}. {behaviour}".strip()], {
                "FAKE_APP_SERVER_MODE": behaviour} if self.plan["runtime"] == "direct" else {}
        if kind == "task":
            return ["task", *bg, "--json", f"Chaos task {n}. ECHO:c{n} [[stub:{behaviour}]]"], {}
        if kind == "adversarial-review":
            return ["adversarial-review", *bg, "--json", f"Focus {n} [[stub:{behaviour}]]"], {}
        if self.queue_review:
            name, _, arg = behaviour.partition(":")
            self.queue_review(name, arg)
        return ["review", *bg, "--json"], {}

    def launch(self, job, n):
        args, extra = self.argv(job, n)
        if job["background"]:
            started = time.monotonic()
            out = self.checked(self.cli(*args, env=extra), f"launch of {args[0]} --background")
            if out.returncode == 0:
                try:
                    job_id = json.loads(out.stdout)["jobId"]
                except (ValueError, KeyError):
                    self.violation(f"launch printed no job id: {out.stdout[:200]!r}")
                    return
                with self._lock:
                    self.launched[job_id] = started
            elif out.returncode == 1:
                self.launch_refused += 1
            return
        out_path = os.path.join(self.root, f"fg-{n}.out")
        with open(out_path, "w") as out, open(out_path + ".err", "w") as err:
            proc = subprocess.Popen([BIN, *args], cwd=self.workspace, env=dict(self.env, **extra),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True)
        with self._lock:
            self.foreground.append((proc, time.monotonic()))

    def start_jobs(self):
        start = time.monotonic()

        def one(job, n):
            time.sleep(max(0.0, start + job["at"] - time.monotonic()))
            self.launch(job, n)

        for n, job in enumerate(self.plan["jobs"]):
            t = threading.Thread(target=one, args=(job, n), daemon=True)
            t.start()
            self.threads.append(t)

    # Faults -------------------------------------------------------------------------------------

    def targets(self, kind):
        """Live pids of the round of one kind: worker, app-server, foreground or broker."""
        if kind.endswith("foreground"):
            with self._lock:
                return [p.pid for p, _ in self.foreground if p.poll() is None]
        pids = procs.marked(self.mark)
        if kind.endswith("worker"):
            return [p for p in pids if procs.cmdline(p)[1:2] == ["task-worker"]]
        if kind.endswith("broker"):
            return [p for p in pids if procs.is_broker(p)]
        if kind.endswith("app-server"):
            return [p for p in pids if procs.is_app_server(p)]
        return []

    def inject(self, fault):
        kind = fault["kind"]
        if kind == "disk-full":
            self.faults[kind] += 1
            # Joined before the checks: they run once the disk has room again.
            t = threading.Thread(target=self.fill_disk, args=(fault["pause"],), daemon=True)
            t.start()
            self.threads.append(t)
            return
        if kind.startswith(("kill-", "stop-")):
            # The planned target first; when there is none (yet, or any more), the same signal
            # on another kind of process of the round; then a race of readers.
            verb = kind[:4]
            others = [k for k in SIGNAL_TARGETS if k != kind[5:]]
            self.rng.shuffle(others)
            for target in [kind[5:]] + others:
                if target == "broker" and self.plan["runtime"] != "shared":
                    continue
                pids = sorted(self.targets(target))
                if not pids:
                    continue
                pid = pids[int(fault["pick"] * len(pids))]
                sent = (procs.signal_marked(pid, self.mark, signal.SIGKILL) if verb == "kill"
                        else self.stopper.pause(pid, fault["pause"]))
                if sent:
                    self.faults[f"{verb}-{target}"] += 1
                    return
            kind = "cancel-race" if self.job_ids() else "session-end"  # nothing to hit yet
        self.faults[kind] += 1
        target = self.cancel_race if kind == "cancel-race" else self.session_end
        t = threading.Thread(target=target, args=(fault["pick"],), daemon=True)
        t.start()
        self.threads.append(t)

    def job_ids(self):
        ids = set(chaos_checks.stored_ids(self.state_home))
        with self._lock:
            ids.update(self.launched)
        return sorted(ids)

    def cancel_race(self, pick):
        ids = self.job_ids()
        if not ids:
            return
        job_id = ids[int(pick * len(ids))]
        racers = {"cancel": ["cancel", job_id, "--json"],
                  "status --wait": ["status", job_id, "--json", "--wait", "--timeout-ms", "3000"],
                  "result": ["result", job_id, "--json"], "status JOB": ["status", job_id, "--json"],
                  "status": ["status", "--json"]}
        gate = threading.Barrier(len(racers))
        took = {}

        def race(name, args):
            gate.wait()
            started = time.monotonic()
            self.checked(self.cli(*args, timeout=60), f"`{name}` racing a cancel")
            took[name] = time.monotonic() - started

        threads = [threading.Thread(target=race, args=item) for item in racers.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        self.cancel_max = max(self.cancel_max, took.get("cancel", 0.0))
        if took.get("cancel", 0.0) > CANCEL_BOUND_S:
            self.violation(f"cancel {job_id} took {took['cancel']:.1f} s (bound {CANCEL_BOUND_S} s)")

    def session_end(self, _pick):
        doc = {"session_id": self.env["CODEX_COMPANION_SESSION_ID"], "cwd": self.workspace,
               "hook_event_name": "SessionEnd", "reason": "clear",
               "transcript_path": os.path.join(self.root, "transcript.jsonl")}
        started = time.monotonic()
        self.checked(self.cli("hook", "session-end", input=json.dumps(doc), timeout=30),
                     "hook session-end")
        self.session_end_max = max(self.session_end_max, time.monotonic() - started)

    def fill_disk(self, seconds):
        path = os.path.join(self.state_home, "fill")
        try:
            with open(path, "wb") as f:
                chunk = b"\0" * 65536
                while True:
                    f.write(chunk)
                    f.flush()
        except OSError:
            pass  # full
        time.sleep(seconds)
        try:
            os.remove(path)
        except OSError:
            pass

    def run_faults(self):
        start = time.monotonic()
        for fault in self.plan["faults"]:
            time.sleep(max(0.0, start + fault["at"] - time.monotonic()))
            self.inject(fault)

    # The round ----------------------------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        self.setup()
        self.sampler.start()
        try:
            self.start_jobs()
            self.run_faults()
            for t in list(self.threads):
                t.join(120)
            self.stopper.release()
            results = chaos_checks.check_round(self)
        finally:
            self.stopper.release()
            self.sampler.stop()
        rss = max((b["rssKiB"] for b in self.sampler.brokers.values()), default=0)
        return {"index": self.plan["index"], "kind": self.plan["kind"],
                "runtime": self.plan["runtime"], "faults": dict(self.faults), "jobs": results,
                "violations": list(self.violations), "launchRefused": self.launch_refused,
                "orphanLocks": self.orphan_locks,
                "brokerMaxRssKiB": rss, "brokers": len(self.sampler.brokers),
                "cancelMaxS": round(self.cancel_max, 3),
                "sessionEndMaxS": round(self.session_end_max, 3),
                "seconds": round(time.monotonic() - started, 1)}
