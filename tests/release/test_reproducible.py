"""The same commit gives the same bytes wherever the checkout lives: the source files (tracked and
untracked-but-not-ignored, as the fixture built them) are copied to another directory, at another
depth, and linux-x64 is built there with the same SOURCE_DATE_EPOCH and Zig cache; its tarball must
be byte for byte the fixture's.

    ctest --preset default -R release.test_reproducible
"""

import hashlib
import os
import shutil
import subprocess
import unittest

import release_support as rs


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Reproducible(unittest.TestCase):
    def test_another_checkout_directory_gives_the_same_tarball(self):
        other = os.path.join(rs.ROOT, "elsewhere", "a", "deeper", "checkout")
        shutil.rmtree(os.path.join(rs.ROOT, "elsewhere"), ignore_errors=True)
        os.makedirs(other)
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                "--exclude-standard"], cwd=rs.SOURCE_DIR, check=True,
                               capture_output=True).stdout.split(b"\0")
        for name in filter(None, (f.decode() for f in files)):
            source = os.path.join(rs.SOURCE_DIR, name)
            if not os.path.isfile(source):
                continue  # deleted in the work tree
            os.makedirs(os.path.dirname(os.path.join(other, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(other, name))
        os.symlink(os.path.realpath(os.path.join(rs.SOURCE_DIR, ".deps")),
                   os.path.join(other, ".deps"))
        out = os.path.join(rs.ROOT, "elsewhere", "dist")
        rs.release(other, out, os.path.join(other, "build", "dist"), ["linux-x64"], rs.zig_cache())
        name = os.path.basename(rs.tarball("linux-x64"))
        self.assertEqual(sha256(os.path.join(out, name)), sha256(rs.tarball("linux-x64")),
                         f"{name} differs when built in {other}")
        shutil.rmtree(os.path.join(rs.ROOT, "elsewhere"))


if __name__ == "__main__":
    unittest.main()
