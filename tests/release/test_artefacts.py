"""The release artefacts (README "Release"), as built by build_artefacts.py: their checksums, their
layout, each binary's format and platform, and the linux-x64 binary run from its unpacked
tarball (COMPANION_BIN points there): --version, status, and a real background task through the
pinned Codex CLI against the Responses stand-in.

    ctest --preset default -L release
"""

import hashlib
import os
import struct
import subprocess
import tarfile
import unittest

import release_support as rs
from background_support import BackgroundCase
from companion_testlib import BIN

# Mach-O: 64-bit magic (little-endian) and CPU types (mach/machine.h).
MH_MAGIC_64 = 0xFEEDFACF
CPU_TYPE = {"macos-x64": 0x01000007, "macos-arm64": 0x0100000C}
# ELF e_machine values.
EM = {"linux-x64": 62, "linux-arm64": 183}
PT_INTERP = 3
# Functions only the macOS sources of src/sys/ call: imported from libSystem, they stay named in
# the stripped binary.
MACOS_IMPORTS = (b"_proc_pidinfo", b"_proc_listallpids", b"_proc_pidpath", b"_kevent",
                 b"_getpeereid", b"__NSGetExecutablePath")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def member(target, name):
    """Bytes of one file of a target's tarball."""
    with tarfile.open(rs.tarball(target)) as tar:
        return tar.extractfile(f"codex-companion-{rs.version()}-{target}/{name}").read()


def elf_program_types(data):
    """The p_type of every program header of a 64-bit little-endian ELF file."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]


class Checksums(unittest.TestCase):
    def test_sha256sums_lists_every_tarball_with_its_hash(self):
        with open(os.path.join(rs.DIST, "SHA256SUMS"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        listed = {}
        for line in lines:
            digest, name = line.split("  ", 1)
            listed[name] = digest
        names = sorted(os.path.basename(rs.tarball(t)) for t in rs.TARGETS)
        self.assertEqual(sorted(listed), names)
        self.assertEqual([line.split("  ", 1)[1] for line in lines], names, "not sorted")
        for name, digest in listed.items():
            self.assertEqual(sha256(os.path.join(rs.DIST, name)), digest, name)


class Layout(unittest.TestCase):
    def test_one_folder_with_the_binary_a_readme_and_licences_fixed_owner_and_time(self):
        for target in rs.TARGETS:
            top = f"codex-companion-{rs.version()}-{target}"
            with tarfile.open(rs.tarball(target)) as tar:
                members = tar.getmembers()
            names = [m.name for m in members]
            self.assertEqual(names, sorted(names), target)
            self.assertIn(f"{top}/codex-companion", names)
            self.assertIn(f"{top}/README", names)
            self.assertIn(f"{top}/licenses/libc++", names)
            self.assertTrue(all(n == top or n.startswith(top + "/") for n in names), names)
            self.assertEqual(f"{top}/licenses/musl" in names, target.startswith("linux"))
            for m in members:
                self.assertEqual((m.uid, m.gid, m.uname, m.gname), (0, 0, "", ""), m.name)
                self.assertEqual(m.mtime, int(rs.SOURCE_DATE_EPOCH), m.name)
                expected = 0o755 if m.isdir() or m.name.endswith("/codex-companion") else 0o644
                self.assertEqual(m.mode, expected, m.name)
            self.assertIn(target, member(target, "README").decode())


class Binaries(unittest.TestCase):
    def test_linux_x64_is_a_static_x86_64_elf(self):
        data = member("linux-x64", "codex-companion")
        self.assertEqual(data[:5], b"\x7fELF\x02")
        self.assertEqual(struct.unpack_from("<H", data, 0x12)[0], EM["linux-x64"])
        self.assertNotIn(PT_INTERP, elf_program_types(data), "it asks for a dynamic loader")

    def test_linux_arm64_is_a_static_aarch64_elf(self):
        if "linux-arm64" not in rs.TARGETS:
            self.skipTest("linux-arm64 is not in COMPANION_RELEASE_TARGETS")
        data = member("linux-arm64", "codex-companion")
        self.assertEqual(data[:5], b"\x7fELF\x02")
        self.assertEqual(struct.unpack_from("<H", data, 0x12)[0], EM["linux-arm64"])
        self.assertNotIn(PT_INTERP, elf_program_types(data), "it asks for a dynamic loader")

    def test_macos_is_mach_o_of_its_architecture_with_the_macos_mechanisms(self):
        targets = [t for t in rs.TARGETS if t.startswith("macos-")]
        if not targets:
            self.skipTest("no macOS target in COMPANION_RELEASE_TARGETS")
        for target in targets:
            data = member(target, "codex-companion")
            magic, cputype = struct.unpack_from("<II", data, 0)
            self.assertEqual(magic, MH_MAGIC_64, target)
            self.assertEqual(cputype, CPU_TYPE[target], target)
            for name in MACOS_IMPORTS:
                self.assertIn(name, data, f"{target}: {name.decode()}: the macOS code is missing")
            self.assertNotIn(b"/proc/self/exe", data, f"{target}: the Linux code is compiled in")


class Build(unittest.TestCase):
    def test_release_build_runs_the_compiler_without_ccache(self):
        # scripts/release's drivers are new in every build folder: ccache could never hit.
        with open(os.path.join(rs.ROOT, "build", "linux-x64", "cmake", "CMakeFiles",
                               "rules.ninja"), encoding="utf-8") as f:
            rules = f.read()
        self.assertIn("toolchain/c++", rules)
        self.assertNotIn("ccache", rules)


class Runs(BackgroundCase):
    """The unpacked linux-x64 binary, as a user runs it."""

    def test_the_unpacked_binary_is_the_one_under_test(self):
        self.assertEqual(os.path.realpath(BIN), os.path.realpath(
            os.path.join(rs.UNPACKED, f"codex-companion-{rs.version()}-linux-x64",
                         "codex-companion")))
        out = subprocess.run(["ldd", BIN], capture_output=True, text=True)
        self.assertNotIn("=>", out.stdout, "it links shared libraries")

    def test_version(self):
        out = self.run_cli("--version")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, f"codex-companion {rs.version()}\n")

    def test_status_of_an_empty_workspace(self):
        snapshot = self.run_json("status")
        self.assertEqual(snapshot["running"], [])
        self.assertIsNone(snapshot["latestFinished"])

    def test_a_background_task_through_the_real_codex_completes(self):
        job_id, token = self.launch()
        job = self.wait_job(job_id, timeout_s=60)
        self.assert_terminal(job, "completed", "completed")
        self.assertIn(token, job["result"]["rawOutput"])
        self.assert_no_processes_left()


if __name__ == "__main__":
    unittest.main()
