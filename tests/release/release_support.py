"""Where the `release` label's artefacts live, and how they are made (tests/release/).

build_artefacts.py (the fixture `release_artefacts`, run first) builds two targets with
scripts/release into <build>/release-artefacts/: linux-x64 (run here) and macos-arm64 (only
checked), and unpacks the linux-x64 tarball; the suites read them from there. Every build of the
label uses the same SOURCE_DATE_EPOCH, so two builds of one commit must give the same bytes.
"""

import os
import subprocess

SOURCE_DIR = os.environ["COMPANION_SOURCE_DIR"]
BUILD_DIR = os.environ["COMPANION_BUILD_DIR"]
ROOT = os.path.join(BUILD_DIR, "release-artefacts")
DIST = os.path.join(ROOT, "dist")
UNPACKED = os.path.join(ROOT, "unpacked")
# COMPANION_RELEASE_TARGETS (space-separated) narrows or widens the set; linux-x64 is always in it.
TARGETS = tuple(os.environ.get("COMPANION_RELEASE_TARGETS", "linux-x64 macos-arm64").split())
if "linux-x64" not in TARGETS:
    TARGETS = ("linux-x64",) + TARGETS
SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: any fixed time
BUILD_TIMEOUT = 3000  # seconds: a cold Zig cache builds libc++ and the C library per target


def version():
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("project(codex-companion VERSION "):
                return line.split()[2]
    raise AssertionError("no version in CMakeLists.txt")


def tarball(target):
    return os.path.join(DIST, f"codex-companion-{version()}-{target}.tar.gz")


def release(source_dir, out, build_dir, targets, zig_cache):
    """Runs <source_dir>/scripts/release for `targets` into `out`; fails with its output."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, RELEASE_BUILD_DIR=build_dir)
    if zig_cache:
        env["ZIG_GLOBAL_CACHE_DIR"] = zig_cache
    proc = subprocess.run([os.path.join(source_dir, "scripts", "release"), "--out", out, *targets],
                          cwd=source_dir, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=BUILD_TIMEOUT)
    if proc.returncode != 0:
        raise AssertionError(f"scripts/release {' '.join(targets)} exited {proc.returncode}:\n"
                             f"{proc.stdout[-6000:]}")
    return proc.stdout


def zig_cache():
    """The Zig cache to use: ZIG_GLOBAL_CACHE_DIR if set, else Zig's default (None)."""
    return os.environ.get("ZIG_GLOBAL_CACHE_DIR") or None
