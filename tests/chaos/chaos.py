#!/usr/bin/env python3
"""The chaos and soak runner: seeded random rounds of jobs and faults against the real Codex CLI
(offline, through the Responses API stand-in) and the fake app-server, through the shared broker
and direct, with the invariants of SPEC.md sections 3 and 4 checked after every round.

  chaos.py [--seconds N] [--faults N] [--seed S] [--round I] [--json-out F] [--keep]

Runs rounds until --seconds (default $CHAOS_SECONDS, else 240) have passed and at least --faults
faults were injected (default 0). Prints rounds, faults by kind, jobs by final state and
endReason, violations with their rounds and the seed; exits 1 on any violation. `--seed S
--round I` replays one round's plan. Needs COMPANION_BIN (the built codex-companion) and the
project-local Codex CLI (scripts/setup). Full-disk rounds need root (a tmpfs mounted in a private
mount namespace); without it they are skipped with the reason printed.
"""

import argparse
import collections
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time

import chaos_plan
import chaos_procs as procs
from chaos_round import Round
from codex_env import CodexEnv
from companion_testlib import BIN, SOURCE_DIR
from responses_stub import ResponsesStub
from scratch import scratch_dir

FAKE_CODEX = os.path.join(SOURCE_DIR, "tests", "fixtures", "fake_app_server.py")
DISK_SIZE = "2m"


def disk_rounds_unavailable():
    """Why full-disk rounds cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root (a tmpfs in a private mount namespace needs root)"
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"no private mount namespace here: {probe.stderr.strip()}"
    return None


def run_disk_round(plan, root, env, mark, rss_limit_kib, keep):
    """Runs the round in a private mount namespace whose state home is a small tmpfs: this script
    again, with --inner, under unshare; its last stdout line is the round's result."""
    os.makedirs(os.path.join(root, "state"))
    argv = ["unshare", "--mount", "--propagation", "private", sys.executable,
            os.path.abspath(__file__), "--inner", json.dumps(plan), "--root", root,
            "--mark", mark, "--rss-limit-kib", str(rss_limit_kib)] + (["--keep"] if keep else [])
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        return {"index": plan["index"], "kind": "disk", "runtime": plan["runtime"], "faults": {},
                "jobs": [], "launchRefused": 0, "orphanLocks": 0, "brokerMaxRssKiB": 0, "brokers": 0,
                "cancelMaxS": 0, "sessionEndMaxS": 0, "seconds": 0,
                "violations": [f"the full-disk round failed (exit {proc.returncode}): "
                               f"{proc.stderr.strip()[-500:]}"]}


def inner(args):
    """Inside the mount namespace: the tmpfs over the state home, then the round."""
    plan = json.loads(args.inner)
    state = os.path.join(args.root, "state")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE},mode=0700", "tmpfs",
                              state], capture_output=True, text=True)
    if mounted.returncode != 0:
        raise SystemExit(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    result = Round(plan, args.root, dict(os.environ), args.mark, FAKE_CODEX,
                   rss_limit_kib=args.rss_limit_kib).run()
    if result["violations"] or args.keep:  # the tmpfs goes with the namespace: keep a copy
        shutil.copytree(state, os.path.join(args.root, "state-copy"), dirs_exist_ok=True)
    print(json.dumps(result), flush=True)
    return 0


class Totals:
    def __init__(self):
        self.rounds = 0
        self.kinds = collections.Counter()
        self.faults = collections.Counter()
        self.states = collections.Counter()
        self.reasons = collections.Counter()
        self.violations = []  # (round index, text)
        self.refused = 0
        self.orphan_locks = 0
        self.rss = 0
        self.cancel_max = 0.0
        self.session_end_max = 0.0

    def add(self, r):
        self.rounds += 1
        self.kinds[f"{r['kind']}/{r['runtime']}"] += 1
        self.faults.update(r["faults"])
        for job in r["jobs"]:
            self.states[job["status"]] += 1
            self.reasons[f"{job['status']}/{job['endReason']}"] += 1
        self.violations += [(r["index"], v) for v in r["violations"]]
        self.refused += r["launchRefused"]
        self.orphan_locks += r.get("orphanLocks", 0)
        self.rss = max(self.rss, r["brokerMaxRssKiB"])
        self.cancel_max = max(self.cancel_max, r["cancelMaxS"])
        self.session_end_max = max(self.session_end_max, r["sessionEndMaxS"])


def report(t, seed, wall, skipped):
    def counts(c):
        return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"

    print(f"chaos: seed {seed}, {t.rounds} rounds in {wall:.0f} s on {platform.node()} "
          f"({os.cpu_count()} cores, {platform.release()})")
    print(f"chaos: rounds by kind: {counts(t.kinds)}")
    if skipped:
        print(f"chaos: full-disk rounds skipped: {skipped}")
    print(f"chaos: faults injected {sum(t.faults.values())}: {counts(t.faults)}")
    print(f"chaos: jobs {sum(t.states.values())} by state: {counts(t.states)}")
    print(f"chaos: jobs by state/endReason: {counts(t.reasons)}")
    print(f"chaos: launches refused with one error line: {t.refused}; broker max VmRSS "
          f"{t.rss // 1024} MiB; slowest cancel {t.cancel_max:.2f} s; slowest session-end hook "
          f"{t.session_end_max:.2f} s")
    print(f"chaos: free lock files of jobs never stored (a command SIGKILLed between taking "
          f"its job's lock and storing the row): {t.orphan_locks}")
    print(f"chaos: violations {len(t.violations)}")
    for index, text in t.violations:
        print(f"chaos: VIOLATION round {index} (replay: --seed {seed} --round {index}): {text}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("CHAOS_SECONDS", "240")))
    parser.add_argument("--faults", type=int, default=int(os.environ.get("CHAOS_FAULTS", "0")))
    parser.add_argument("--seed", default=os.environ.get("CHAOS_SEED") or secrets.token_hex(4))
    parser.add_argument("--round", type=int, help="replay only this round of the seed")
    parser.add_argument("--rss-limit-mib", type=int, default=64)
    parser.add_argument("--json-out", help="write every round's result here (JSON lines)")
    parser.add_argument("--keep", action="store_true", help="keep the rounds' directories")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--mark", help=argparse.SUPPRESS)
    parser.add_argument("--rss-limit-kib", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        return inner(args)
    if not BIN or not os.path.exists(BIN):
        print("chaos: COMPANION_BIN is not set to the built codex-companion", file=sys.stderr)
        return 2
    return soak(args)


def soak(args):
    skipped = disk_rounds_unavailable()
    if skipped:
        print(f"chaos: skipping full-disk rounds: {skipped}", flush=True)
    top = scratch_dir("chaos-")
    totals = Totals()
    started = time.monotonic()
    stub = ResponsesStub(default="normal", hang_limit_s=20).start()
    codex = CodexEnv(stub.port)
    out = open(args.json_out, "a") if args.json_out else None
    try:
        index = args.round if args.round is not None else 0
        while True:
            plan = chaos_plan.plan(args.seed, index)
            if plan["kind"] == "disk" and skipped:
                plan["kind"] = "broker" if plan["runtime"] == "shared" else "direct"
                plan["faults"] = [f for f in plan["faults"] if f["kind"] != "disk-full"]
            root = os.path.join(top, f"r{index:05d}")
            mark = f"chaos-{args.seed}-{os.getpid()}-r{index}"
            if plan["kind"] == "disk":
                result = run_disk_round(plan, root, codex.env, mark, args.rss_limit_mib * 1024,
                                        args.keep)
            else:
                os.makedirs(root)
                result = Round(plan, root, codex.env, mark, FAKE_CODEX, stub.queue_review,
                               args.rss_limit_mib * 1024).run()
            # Whatever the round left (a failed disk round included) goes by pid.
            for pid, cmd in procs.end_leftovers(mark, 0):
                result["violations"].append(f"process left after the round: {pid} {cmd}")
            totals.add(result)
            if out:
                out.write(json.dumps(result) + "\n")
                out.flush()
            print(f"chaos: round {index} {plan['kind']}/{plan['runtime']} {result['seconds']} s "
                  f"faults {sum(result['faults'].values())} jobs {len(result['jobs'])} "
                  f"violations {len(result['violations'])}", flush=True)
            if not result["violations"] and not args.keep:
                shutil.rmtree(root, ignore_errors=True)
            index += 1
            elapsed = time.monotonic() - started
            if args.round is not None or (elapsed >= args.seconds
                                          and sum(totals.faults.values()) >= args.faults):
                break
    finally:
        stub.stop()
        codex.cleanup()
        if out:
            out.close()
    report(totals, args.seed, time.monotonic() - started, skipped)
    if not totals.violations and not args.keep:
        shutil.rmtree(top, ignore_errors=True)
    else:
        print(f"chaos: rounds kept in {top}")
    return 1 if totals.violations else 0


if __name__ == "__main__":
    sys.exit(main())
