#!/usr/bin/env python3
"""Sums the hostile inputs the security suites tried (security_support.hostile) and prints them
by kind. Run by ctest as security.tally after every security suite:
    tally.py TALLY_DIR MIN_KINDS SUITE...
Fails when a suite that ran reported nothing, or when every suite ran and fewer than MIN_KINDS
distinct kinds were tried. A partial run (ctest -R) prints its table and checks no target.
The table is also left in TALLY_DIR/tally.txt (ctest shows a passing test's output only with -V)."""

import json
import os
import sys

LINES = []


def say(text):
    LINES.append(text)
    print(text)


def main():
    code = tally()
    directory = sys.argv[1]
    if os.path.isdir(directory):
        with open(os.path.join(directory, "tally.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(LINES) + "\n")
    return code


def tally():
    directory, min_kinds, suites = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    reports = {}
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            if name.endswith(".json"):
                with open(os.path.join(directory, name), encoding="utf-8") as f:
                    report = json.load(f)
                reports[report["suite"]] = report["kinds"]
    kinds = {}
    for suite, counts in reports.items():
        for kind, count in counts.items():
            kinds[kind] = kinds.get(kind, 0) + count
    width = max([len(k) for k in kinds] + [10])
    say(f"{'hostile input kind':<{width}}  tried")
    for kind in sorted(kinds):
        say(f"{kind:<{width}}  {kinds[kind]:5d}")
    say(f"{len(kinds)} kinds, {sum(kinds.values())} hostile inputs, from {len(reports)} of "
          f"{len(suites)} suites")
    missing = [s for s in suites if s not in reports]
    if missing and len(missing) < len(suites):
        say("suites that reported nothing (not run, skipped, or crashed): " + ", ".join(missing))
    if missing:
        say(f"partial run: the target of {min_kinds} kinds is checked on a full run only")
        return 0
    if len(kinds) < min_kinds:
        say(f"FAIL: {len(kinds)} kinds tried, the target is {min_kinds}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
