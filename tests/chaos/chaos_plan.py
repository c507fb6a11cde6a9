"""A round's plan, drawn from a seeded generator: its kind, runtime, jobs and fault schedule.

The same (seed, round index) always gives the same plan, so `chaos.py --seed S --round N`
replays the schedule of a round that found a violation (the outcome still depends on timing).
"""

import random

# Round kinds: the shared broker (the default runtime), direct app-servers, the fake app-server
# (faults the real one cannot produce), and a full disk under the state home.
KINDS = ("broker", "direct", "fake", "disk")
KIND_WEIGHTS = (4, 3, 2, 1.5)

TASK_BEHAVIOURS = ("normal", "normal", "slow", "slow", "hang", "500", "empty", "say")
ADVERSARIAL_BEHAVIOURS = ("adversarial-json", "adversarial-json", "adversarial-bad", "slow",
                          "hang", "500", "empty")
REVIEW_BEHAVIOURS = ("review", "review", "slow", "hang", "500", "empty")
# The fake app-server: one mode per direct job (FAKE_APP_SERVER_MODE) ...
FAKE_MODES = ("normal", "garbage", "exit-mid-turn", "hang", "error-no-complete", "turn-failed",
              "subagents", "no-initialize")
# ... or, through the broker, the "multi" mode with a marker per turn.
FAKE_MARKERS = ("", "[[fake:steps:6]]", "[[fake:hang]]", "[[fake:flood:300]]",
                "[[fake:approval]]", "[[fake:subagent]]", "[[fake:ticks]]")

COMMON_FAULTS = ("kill-worker", "stop-worker", "kill-app-server", "stop-app-server",
                 "kill-foreground", "stop-foreground", "cancel-race", "session-end")
BROKER_FAULTS = ("kill-broker", "stop-broker")
MAX_IN_FLIGHT = 4  # jobs per round: the machine is shared


def _behaviour(rng, kind, choices):
    name = rng.choice(choices)
    if name == "slow":
        return f"slow:{rng.randint(200, 4000)}"
    if name == "say":
        return f"say:Stub says {rng.randint(0, 999)}"
    return name


def _job(rng, kind, runtime):
    """One job: {kind, background, behaviour} (behaviour: a stub marker, a fake mode or marker)."""
    if kind == "fake":
        job_kind = "task"
        behaviour = rng.choice(FAKE_MODES if runtime == "direct" else FAKE_MARKERS)
    else:
        job_kind = rng.choice(("task", "task", "review", "adversarial-review"))
        choices = {"task": TASK_BEHAVIOURS, "review": REVIEW_BEHAVIOURS,
                   "adversarial-review": ADVERSARIAL_BEHAVIOURS}[job_kind]
        behaviour = _behaviour(rng, job_kind, choices)
    return {"kind": job_kind, "background": rng.random() < 0.6, "behaviour": behaviour,
            "at": 0.0}


def plan(seed, index):
    """The plan of round `index` of the run with `seed`."""
    rng = random.Random(f"{seed}:{index}")
    kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    if kind == "broker":
        runtime = "shared"
    elif kind == "direct":
        runtime = "direct"
    else:
        runtime = rng.choice(("shared", "direct"))
    burst = rng.random() < 0.25  # many jobs at once
    count = MAX_IN_FLIGHT if burst else rng.randint(1, MAX_IN_FLIGHT)
    jobs = [_job(rng, kind, runtime) for _ in range(count)]
    for job in jobs:
        job["at"] = 0.0 if burst else round(rng.uniform(0, 2.5), 3)
    kinds = list(COMMON_FAULTS)
    if runtime == "shared":
        kinds += BROKER_FAULTS * 2
    faults = []
    for _ in range(rng.randint(3, 7)):
        faults.append({"kind": rng.choice(kinds), "at": round(rng.uniform(0.2, 6.0), 3),
                       "pause": round(rng.uniform(0.2, 3.0), 3), "pick": rng.random()})
    if kind == "disk":
        faults.append({"kind": "disk-full", "at": round(rng.uniform(0.0, 4.0), 3),
                       "pause": round(rng.uniform(0.5, 3.0), 3), "pick": 0.0})
    faults.sort(key=lambda f: f["at"])
    return {"index": index, "kind": kind, "runtime": runtime, "burst": burst, "jobs": jobs,
            "faults": faults}
