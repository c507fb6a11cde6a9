"""The invariants checked after every chaos round (SPEC.md sections 3 and 4):

  * every job reaches exactly one terminal state within its bound, and keeps it (read again after
    the broker is stopped): one winner line in its log, its log and stored result readable
  * every launched job is stored; `status JOB --json` reads every stored job
  * state.db passes `PRAGMA integrity_check`; no job lock or broker start lock is left
  * after `broker stop --force` no process of the round is left (the CHAOS_MARK scan), and no
    broker socket, socket directory or pid file remains
  * every broker's VmRSS stayed under the limit
"""

import fcntl
import glob
import json
import os
import re
import signal
import sqlite3
import time

import chaos_procs as procs
from background_support import _WINNER_LINE

TERMINAL = ("completed", "failed", "cancelled")
END_REASONS = ("completed", "turn-failed", "app-server-exited", "broker-lost", "stalled",
               "deadline", "cancelled", "worker-died", "no-final-message", "error")


def store_dirs(state_home):
    """The workspace stores (`<slug>-<16 hex>/`), not run/ (broker sockets) or typed-arguments/."""
    return sorted(d for d in glob.glob(os.path.join(state_home, "codex-companion", "*", ""))
                  if re.search(r"-[0-9a-f]{16}/$", d))


def _rows(state_home, sql, errors=None):
    """Rows of every workspace store under state_home; read errors are appended to `errors`
    (when given) and otherwise ignored."""
    rows = []
    for d in store_dirs(state_home):
        db = os.path.join(d, "state.db")
        if not os.path.exists(db):
            continue
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            try:
                # A command killed while creating the store leaves it without tables (its
                # migration rolled back): no job stored yet; the next command migrates it.
                if con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'jobs'").fetchone()[0]:
                    rows += con.execute(sql).fetchall()
            finally:
                con.close()
        except sqlite3.Error as e:
            if errors is not None:
                errors.append(f"{db}: {e}")  # else: being created, or the disk is full
    return rows


def stored_ids(state_home):
    return [r[0] for r in _rows(state_home, "SELECT id FROM jobs")]


def created_at(state_home):
    return dict(_rows(state_home, "SELECT id, created_at FROM jobs"))


def read_job(rnd, job_id):
    out = rnd.checked(rnd.cli("status", job_id, "--json", timeout=60), f"status {job_id}")
    if out.returncode != 0:
        return None
    try:
        return json.loads(out.stdout)["job"]
    except (ValueError, KeyError):
        rnd.violation(f"status {job_id} --json printed no job: {out.stdout[:200]!r}")
        return None


def wait_foreground(rnd, bound_s):
    for proc, launched in rnd.foreground:
        try:
            proc.wait(timeout=max(0.1, launched + bound_s - time.monotonic()))
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
            rnd.violation(f"foreground command {proc.args[1:3]} still running after {bound_s} s")
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        if proc.returncode not in (0, 1, -signal.SIGKILL):
            rnd.violation(f"foreground {proc.args[1]} exited {proc.returncode}")


def settle(rnd, bound_s):
    """Polls every job with a reconciling read until it is terminal; returns {id: first job}."""
    first = {}
    created = created_at(rnd.state_home)
    ids = rnd.job_ids()
    now_ms = time.time() * 1000
    deadlines = {}
    for job_id in ids:
        launched = rnd.launched.get(job_id)
        if launched is None:  # a foreground job: its row's creation time
            launched = time.monotonic() - max(0.0, now_ms - created.get(job_id, now_ms)) / 1000
        deadlines[job_id] = launched + bound_s
    pending = set(ids)
    while pending:
        for job_id in sorted(pending):
            job = read_job(rnd, job_id)
            if job and job.get("status") in TERMINAL:
                first[job_id] = job
                pending.discard(job_id)
            elif time.monotonic() > deadlines[job_id]:
                state = job and (job.get("status"), job.get("phase"))
                rnd.violation(f"{job_id} not terminal {bound_s} s after launch: {state}")
                pending.discard(job_id)
        time.sleep(0.3)
    errors = []
    stored = [r[0] for r in _rows(rnd.state_home, "SELECT id FROM jobs", errors)]
    for error in errors:
        rnd.violation(f"the store cannot be read: {error}")
    for job_id in sorted(set(rnd.launched) - set(stored)) if not errors else []:
        rnd.violation(f"launched job {job_id} is not stored")
    return first


def check_job(rnd, job):
    job_id = job["id"]
    if not job.get("completedAt"):
        rnd.violation(f"{job_id} is {job['status']} without completedAt")
    if job.get("endReason") not in END_REASONS:
        rnd.violation(f"{job_id} ended with endReason {job.get('endReason')!r}")
    log = job.get("logFile") or ""
    deadline = time.monotonic() + 5
    while True:
        try:
            with open(log, encoding="utf-8", errors="replace") as f:
                winners = [ln for ln in f.read().splitlines() if _WINNER_LINE.match(ln)]
        except OSError as e:
            rnd.violation(f"{job_id}: log {log} unreadable: {e}")
            return
        if winners or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if len(winners) != 1:
        rnd.violation(f"{job_id}: {len(winners)} terminal transitions logged: {winners[:3]}")
    if job["status"] == "completed":
        out = rnd.checked(rnd.cli("result", job_id, "--json"), f"result {job_id}")
        if out.returncode != 0:
            rnd.violation(f"result {job_id} of a completed job failed: {out.stderr.strip()}")


def lock_held(path):
    """True when some process holds the flock on path (a shared, non-blocking probe)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def check_locks(rnd, store):
    """No lock is held once the round is over, the broker's start lock is gone, and a stored
    job has no lock file (its end removed it). A free lock file of a job that was never stored
    (its command was SIGKILLed between taking the lock and storing the row) is counted."""
    stored = set(r[0] for r in _rows(rnd.state_home, "SELECT id FROM jobs"))
    if [n for n in os.listdir(store) if n.startswith("broker") and n.endswith(".lock")]:
        rnd.violation("the broker's start lock is left")
    for path in glob.glob(os.path.join(store, "jobs", "*.lock")):
        job_id = os.path.basename(path)[:-len(".lock")]
        if lock_held(path):
            rnd.violation(f"the lock of {job_id} is still held")
        elif job_id in stored:
            rnd.violation(f"the lock file of {job_id} is left after its end")
        else:
            rnd.orphan_locks += 1


def check_store(rnd):
    for d in store_dirs(rnd.state_home):
        check_locks(rnd, d)
        db = os.path.join(d, "state.db")
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            try:
                verdict = con.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error as e:
            verdict = str(e)
        if verdict != "ok":
            rnd.violation(f"integrity_check of {db}: {verdict}")


def check_shutdown(rnd):
    out = rnd.checked(rnd.cli("broker", "stop", "--force", "--json", timeout=60), "broker stop")
    if out.returncode != 0:
        rnd.violation(f"broker stop --force failed: {out.stderr.strip()}")
    for pid, args in procs.end_leftovers(rnd.mark, 10):
        rnd.violation(f"process left: {pid} {args}")
    rnd.sampler.sample()
    seen = set()
    for pid, broker in rnd.sampler.brokers.items():
        if rnd.rss_limit_kib and broker["rssKiB"] > rnd.rss_limit_kib:
            rnd.violation(f"broker {pid} reached VmRSS {broker['rssKiB']} KiB "
                          f"(limit {rnd.rss_limit_kib} KiB)")
        if broker["socket"] in seen:
            continue  # the `broker serve --detach` launcher and the broker it forked
        seen.add(broker["socket"])
        for path in (broker["socket"], broker["pidFile"]):
            if path and os.path.exists(path):
                rnd.violation(f"broker {pid} left {path}")
        if broker["socket"] and os.path.exists(os.path.dirname(broker["socket"])):
            rnd.violation(f"broker {pid} left its socket directory")


def check_round(rnd):
    """Runs every check; returns [{id, status, endReason}] of the round's jobs."""
    from chaos_round import BOUND_S  # the bound lives with the timeouts it derives from
    wait_foreground(rnd, BOUND_S)
    first = settle(rnd, BOUND_S)
    for job in first.values():
        check_job(rnd, job)
    check_shutdown(rnd)
    check_store(rnd)
    for job_id, job in sorted(first.items()):
        again = read_job(rnd, job_id)
        keys = ("status", "endReason", "completedAt", "errorMessage")
        if again and any(again.get(k) != job.get(k) for k in keys):
            rnd.violation(f"{job_id} changed after its terminal state: "
                          f"{[job.get(k) for k in keys]} -> {[again.get(k) for k in keys]}")
    return [{"id": j["id"], "kind": j.get("kind"), "status": j["status"],
             "endReason": j.get("endReason")} for j in first.values()]
