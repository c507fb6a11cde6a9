#!/usr/bin/env python3
"""The `release` label's fixture: builds linux-x64 and macos-arm64 with scripts/release into
<build>/release-artefacts/dist and unpacks linux-x64 into <build>/release-artefacts/unpacked
(release_support.py). Prints how long each target took."""

import os
import re
import shutil
import subprocess
import sys
import time

import release_support as rs


def main():
    shutil.rmtree(rs.DIST, ignore_errors=True)
    shutil.rmtree(rs.UNPACKED, ignore_errors=True)
    os.makedirs(rs.UNPACKED)
    started = time.monotonic()
    log = rs.release(rs.SOURCE_DIR, rs.DIST, os.path.join(rs.ROOT, "build"), rs.TARGETS,
                     rs.zig_cache())
    for line in log.splitlines():
        if re.search(r": built in \d+ s", line):
            print(line)
    print(f"release artefacts built in {time.monotonic() - started:.0f} s")
    subprocess.run(["tar", "-xzf", rs.tarball("linux-x64"), "-C", rs.UNPACKED], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
