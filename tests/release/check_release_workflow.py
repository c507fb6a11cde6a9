#!/usr/bin/env python3
"""Lint of the release workflow (.github/workflows/release.yml), which runs on the repository host
only: it must make the release with the same scripts the tests run, the same way (ctest
lint.release_workflow, label unit).

Checked: it runs on a version tag; it builds every target with `scripts/release` (no target
named: all four) on the Debian release this machine runs (the pin is made on it, and the Debian
packages' headers are compiled in); it then checks the plugin's pins with `scripts/release
--no-build --check-pin` on the same folder; it makes the npm packages from that folder with
`scripts/npm_packages`; it uploads exactly the tarballs and SHA256SUMS of that folder, and
publishes the platform packages before the main one. Every script it calls exists and is
executable, and every option it passes is one the script accepts (a pattern of the script's
option `case`). Exit status 1 with one line per problem.

    python3 tests/release/check_release_workflow.py [WORKFLOW]
"""

import os
import re
import shlex
import sys

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = os.path.join(SOURCE_DIR, ".github", "workflows", "release.yml")
TARGETS = ("linux-x64", "linux-arm64", "macos-x64", "macos-arm64")


def run_commands(text):
    """The shell lines of every `run:` step, in order (a block `run: |` gives each of its lines)."""
    commands = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = re.match(r"^(\s*)(?:- )?run:\s*(.*)$", lines[i])
        i += 1
        if not match:
            continue
        value = match.group(2).strip()
        if value not in ("|", ">"):
            commands.append(value)
            continue
        indent = len(match.group(1))
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > indent):
            if lines[i].strip():
                commands.append(lines[i].strip())
            i += 1
    return commands


def words_after(command, script):
    """The words following `script` in a shell line (None when the line does not call it)."""
    for part in re.split(r"&&|\|\||;|\|", command):
        try:
            words = shlex.split(part)
        except ValueError:
            continue
        words = [w for w in words if "=" not in w or w.startswith("-")]  # drop VAR=value prefixes
        if words and words[0] == script:
            return words[1:]
    return None


def accepted_options(script):
    """The --options a script's option `case` names."""
    with open(os.path.join(SOURCE_DIR, script), encoding="utf-8") as f:
        text = f.read()
    options = set()
    for line in text.splitlines():
        match = re.match(r"^\s*((?:--[a-z-]+)(?:\s*\|\s*--[a-z-]+)*)\)", line)
        if match:
            options.update(o.strip() for o in match.group(1).split("|"))
    return options


def check(text, os_release):
    problems = []
    if not re.search(r"^on:\s*\n\s+push:\s*\n\s+tags:\s*\[\s*[\"']v\*[\"']\s*\]", text, re.M):
        problems.append("it does not run on a pushed version tag (on: push: tags: [\"v*\"])")
    debian = re.search(r'^VERSION_ID="?(\d+)"?', os_release, re.M)
    container = re.search(r"^\s*container:\s*debian:(\S+)\s*$", text, re.M)
    if not debian or not container or container.group(1).split(".")[0] != debian.group(1):
        problems.append(f"its container is not this machine's Debian "
                        f"({debian.group(1) if debian else 'unknown'}): the pin would not match")
    commands = run_commands(text)
    calls = []  # (index, script, words)
    for index, command in enumerate(commands):
        for script in ("scripts/release", "scripts/npm_packages", "scripts/setup"):
            words = words_after(command, script)
            if words is not None:
                calls.append((index, script, words))
    for _, script, words in calls:
        path = os.path.join(SOURCE_DIR, script)
        if not os.access(path, os.X_OK):
            problems.append(f"{script} is not an executable script of the repository")
            continue
        if script == "scripts/setup":
            continue
        unknown = [w for w in words if w.startswith("--") and w not in accepted_options(script)]
        if unknown:
            problems.append(f"{script} does not accept {' '.join(unknown)}")

    def option(words, name):
        return words[words.index(name) + 1] if name in words[:-1] else None

    builds = [(i, w) for i, s, w in calls if s == "scripts/release" and "--no-build" not in w]
    checks = [(i, w) for i, s, w in calls if s == "scripts/release" and "--check-pin" in w]
    if len(builds) != 1:
        problems.append("it does not build the release with one call of scripts/release")
        return problems
    build_index, build = builds[0]
    if any(w in TARGETS for w in build) or "--pin" in build:
        problems.append("its scripts/release call names targets or pins: it must build all four")
    out = option(build, "--out") or "dist"
    if not checks or checks[0][0] < build_index or (option(checks[0][1], "--out") or "dist") != out:
        problems.append(f"it does not run scripts/release --no-build --check-pin on {out} after "
                        "the build")
    npm = [(i, w) for i, s, w in calls if s == "scripts/npm_packages"]
    if not npm or (option(npm[0][1], "--dist") or "dist") != out:
        problems.append(f"it does not make the npm packages from {out} with scripts/npm_packages")
    uploads = [c for c in commands if c.startswith("gh release create")]
    if len(uploads) != 1 or not {f"{out}/codex-companion-*.tar.gz", f"{out}/SHA256SUMS"} <= set(
            shlex.split(uploads[0])):
        problems.append(f"it does not upload {out}/codex-companion-*.tar.gz and {out}/SHA256SUMS")
    elif checks and commands.index(uploads[0]) < max(i for i, _ in checks):
        problems.append("it uploads before checking the pins")
    publishes = [c for c in commands if "npm publish" in c]
    platform_first = (len(publishes) == 2 and "codex-companion-*-*.tgz" in publishes[0]
                      and "codex-companion-[0-9]*.tgz" in publishes[1])
    if not platform_first:
        problems.append("it does not publish the platform packages, then the main package")
    return problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else WORKFLOW
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open("/etc/os-release", encoding="utf-8") as f:
            os_release = f.read()
    except OSError as e:
        print(f"check_release_workflow: {e}", file=sys.stderr)
        return 1
    problems = check(text, os_release)
    for problem in problems:
        print(f"{os.path.relpath(path, SOURCE_DIR)}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{os.path.relpath(path, SOURCE_DIR)}: calls scripts/release, --check-pin, "
              "scripts/npm_packages and uploads as the tests do")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
