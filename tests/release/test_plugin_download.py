"""The plugin's launcher installs the runtime by itself (README "Install"): in a clean clone of
HEAD whose plugin pins the artefacts the `release` fixture built, with no build tree and no
compiler on PATH, its first use downloads the tarball of its exact version for this platform from
a loopback server (CODEX_COMPANION_RELEASE_URL), checks it against the pinned checksum, unpacks
it, runs it once and renames it into ${XDG_DATA_HOME:-~/.local/share}/codex-companion/<version>/.
Every fault gives one line, exit status 1 (0 for a hook) and leaves nothing installed.

    ctest --preset default -R release.test_plugin_download
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import install_support as isup
import release_support as rs
from scratch import scratch_dir

VERSION = rs.version()
LINUX = "linux-x64"
HOOKS = ("session-start", "user-prompt-submit", "user-prompt-expansion", "stop")


class LauncherCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = scratch_dir("plugin-download-")
        cls.clone = isup.pinned_clone(os.path.join(cls.root, "clone"))
        cls.tools, cls.tripwire = isup.tool_dir(cls.root)

    @classmethod
    def tearDownClass(cls):
        isup.remove(cls.root)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="case-", dir=self.root)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.data = os.path.join(self.home, ".local", "share", "codex-companion")
        self.installed = os.path.join(self.data, VERSION, "codex-companion")
        self.server = isup.ReleaseServer().start()
        self.addCleanup(self.server.stop)
        self.launcher = os.path.join(self.clone, "plugin", "bin", "codex-companion")
        self.path = self.tools
        self.extra = {}

    def tearDown(self):
        if os.path.exists(self.tripwire):
            with open(self.tripwire, encoding="utf-8") as f:
                self.fail("a build tool was called: " + f.read())
        isup.remove(self.tmp)

    def env(self, **extra):
        env = {"PATH": self.path, "HOME": self.home, "LANG": "C.UTF-8",
               "XDG_STATE_HOME": os.path.join(self.tmp, "state"),
               "CODEX_COMPANION_RELEASE_URL": self.server.url,
               "CODEX_COMPANION_RUNTIME": "direct"}
        env.update(self.extra)
        env.update(extra)
        return env

    def launch(self, *args, stdin="", timeout=60, **extra):
        return subprocess.run([self.launcher, *args], env=self.env(**extra), input=stdin,
                              cwd=self.tmp, capture_output=True, text=True, timeout=timeout)

    def assert_one_line(self, result, fragment, status=1):
        self.assertEqual(result.returncode, status, result)
        self.assertEqual(result.stdout, "", result)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("codex-companion: "), lines[0])
        self.assertIn(fragment, lines[0])
        return lines[0]

    def assert_nothing_installed(self):
        self.assertEqual(isup.leftovers(self.data), [], "something was left installed")

    def assert_installed(self):
        self.assertTrue(os.access(self.installed, os.X_OK))
        with open(self.installed, "rb") as f:
            self.assertEqual(f.read(), self.artefact_binary())
        names = isup.leftovers(self.data)
        self.assertEqual([n for n in names if ".install." in n], [], names)
        self.assertIn(os.path.join(VERSION, "README"), names)
        self.assertIn(os.path.join(VERSION, "licenses", "musl"), names)

    def artefact_binary(self):
        import tarfile
        with tarfile.open(rs.tarball(LINUX)) as tar:
            return tar.extractfile(
                f"codex-companion-{VERSION}-{LINUX}/codex-companion").read()

    def fake_uname(self, kernel, machine):
        folder = os.path.join(self.tmp, "uname")
        os.makedirs(folder)
        with open(os.path.join(folder, "uname"), "w", encoding="utf-8") as f:
            f.write(f'#!/bin/sh\ncase "$1" in -s) echo {kernel} ;; -m) echo {machine} ;; '
                    f'*) echo {kernel} ;; esac\n')
        os.chmod(os.path.join(folder, "uname"), 0o755)
        self.path = folder + os.pathsep + self.tools


class FirstUse(LauncherCase):
    def test_no_compiler_is_reachable_on_the_tests_path(self):
        for name in ("cc", "gcc", "g++", "c++", "clang", "cmake", "make", "ninja", "zig"):
            found = subprocess.run(["sh", "-c", f"command -v {name}"], env=self.env(),
                                   capture_output=True, text=True).stdout.strip()
            self.assertIn(found, ("", os.path.join(self.tools, name)), name)
        self.assertFalse(os.path.exists(os.path.join(self.clone, "build")))
        self.assertFalse(os.path.exists(os.path.join(self.clone, "plugin", "native")))

    def test_first_use_downloads_checks_and_installs_the_pinned_release(self):
        result = self.launch("--version")
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (0, f"codex-companion {VERSION}\n", ""))
        self.assertEqual(self.server.tarball_requests(), [isup.artefact_name(LINUX)])
        self.assert_installed()
        # The installed runtime runs every later command, with nothing downloaded again.
        status = self.launch("status", "--json")
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertEqual(json.loads(status.stdout)["running"], [])
        self.assertEqual(len(self.server.tarball_requests()), 1)

    def test_xdg_data_home_is_where_it_goes(self):
        data_home = os.path.join(self.tmp, "xdg-data")
        result = self.launch("--version", XDG_DATA_HOME=data_home)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(os.access(os.path.join(data_home, "codex-companion", VERSION,
                                               "codex-companion"), os.X_OK))
        self.assert_nothing_installed()  # nothing under ~/.local/share

    def test_a_hook_installs_it_too_and_says_nothing(self):
        result = self.launch("hook", "user-prompt-submit", stdin="{}")
        self.assertEqual((result.returncode, result.stdout), (0, ""), result)
        self.assert_installed()

    def test_session_end_never_downloads(self):
        result = self.launch("hook", "session-end", stdin="{}")
        self.assert_one_line(result, "the session-end hook did nothing: the native runtime is "
                                     "not installed; it is downloaded at the next", status=0)
        self.assertEqual(self.server.requests, [])
        self.assert_nothing_installed()

    def test_a_broken_install_is_replaced(self):
        os.makedirs(os.path.dirname(self.installed))
        with open(self.installed, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\nexit 3\n")
        os.chmod(self.installed, 0o755)
        result = self.launch("--version")
        self.assertEqual(result.stdout, f"codex-companion {VERSION}\n", result.stderr)
        self.assert_installed()

    def test_a_runtime_on_path_is_used_and_a_launcher_on_path_is_not(self):
        # A copy of this launcher on PATH (another plugin copy) is skipped: it would look again.
        launchers = os.path.join(self.tmp, "launchers")
        os.makedirs(launchers)
        os.symlink(self.launcher, os.path.join(launchers, "codex-companion"))
        self.path = launchers + os.pathsep + self.tools
        self.assertEqual(self.launch("--version").returncode, 0)
        self.assertEqual(len(self.server.tarball_requests()), 1)
        # A runtime on PATH (the npm package's, a package manager's) is run without a download.
        isup.remove(self.data)
        runtimes = os.path.join(self.tmp, "runtimes")
        os.makedirs(runtimes)
        with open(os.path.join(runtimes, "codex-companion"), "wb") as f:
            f.write(self.artefact_binary())
        os.chmod(os.path.join(runtimes, "codex-companion"), 0o755)
        self.path = runtimes + os.pathsep + self.tools
        result = self.launch("--version")
        self.assertEqual(result.stdout, f"codex-companion {VERSION}\n", result.stderr)
        self.assertEqual(len(self.server.tarball_requests()), 1)
        self.assert_nothing_installed()

    def test_two_first_uses_at_once_end_with_one_good_install(self):
        # Every racer downloads (the server holds each answer for a second, so they overlap),
        # checks and renames a whole file into place; the last rename wins with the same bytes.
        self.server.fault = "delay"
        self.server.delay_s = 1.5
        commands = [("--version",), ("status", "--json"), ("hook", "user-prompt-submit"),
                    ("hook", "session-start"), ("--version",)]
        procs = [subprocess.Popen([self.launcher, *args], env=self.env(), cwd=self.tmp,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, start_new_session=True)
                 for args in commands]
        results = [(p.args, p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
        for proc in procs:
            proc.stdout.close()
            proc.stderr.close()
        for args, code, out, err in results:
            self.assertEqual(code, 0, (args, out, err))
            self.assertNotIn("codex-companion:", err, args)
        self.assertEqual(results[0][2], f"codex-companion {VERSION}\n")
        self.assertGreater(len(self.server.tarball_requests()), 1, "the starts did not race")
        self.assert_installed()


class Faults(LauncherCase):
    def test_checksum_mismatch_is_refused_and_nothing_installed(self):
        other = os.path.join(self.tmp, isup.artefact_name(LINUX))
        with open(rs.tarball(LINUX), "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 2] ^= 0xFF
        with open(other, "wb") as f:
            f.write(data)
        self.server.serve(isup.artefact_name(LINUX), other)
        line = self.assert_one_line(self.launch("status"), "is not the pinned release")
        self.assertIn(isup.sha256(rs.tarball(LINUX)), line)
        self.assert_nothing_installed()

    def test_truncated_download_is_refused_and_nothing_installed(self):
        for fault, fragment in (("truncate", "could not download"),
                                ("short", "is not the pinned release")):
            with self.subTest(fault=fault):
                self.server.fault = fault
                self.assert_one_line(self.launch("status"), fragment)
                self.assert_nothing_installed()

    def test_wrong_platform_artefact_is_refused_and_nothing_installed(self):
        # A release whose linux-x64 tarball holds the macOS binary, pinned as it is: the checksum
        # passes, the binary does not run here.
        mislabelled = isup.repack("macos-arm64", LINUX, self.tmp)
        self.server.serve(isup.artefact_name(LINUX), mislabelled)
        plugin = os.path.join(self.tmp, "plugin")
        shutil.copytree(os.path.join(self.clone, "plugin"), plugin, symlinks=True)
        sums = os.path.join(plugin, "SHA256SUMS")
        with open(sums, encoding="utf-8") as f:
            pinned = f.read().replace(isup.sha256(rs.tarball(LINUX)), isup.sha256(mislabelled))
        with open(sums, "w", encoding="utf-8") as f:
            f.write(pinned)
        self.launcher = os.path.join(plugin, "bin", "codex-companion")
        self.assert_one_line(self.launch("status"), "does not run on this machine")
        self.assert_nothing_installed()

    def test_server_down_gives_one_line_and_a_hook_still_succeeds(self):
        url = f"http://127.0.0.1:{isup.closed_port()}"
        line = self.assert_one_line(self.launch("status", CODEX_COMPANION_RELEASE_URL=url),
                                    "could not download")
        self.assertIn("CODEX_COMPANION_RELEASE_URL", line)
        self.assertIn("scripts/install", line)
        for hook in HOOKS:
            with self.subTest(hook=hook):
                result = self.launch("hook", hook, stdin="{}", CODEX_COMPANION_RELEASE_URL=url)
                self.assert_one_line(result, f"the {hook} hook did nothing: the native runtime "
                                             "is not installed and was not downloaded", status=0)
        self.assert_nothing_installed()

    def test_missing_platform_gives_one_line_before_any_download(self):
        cases = (("Linux", "aarch64", "pins no release of codex-companion"),
                 ("FreeBSD", "amd64", "released for Linux and macOS, not FreeBSD"),
                 ("Linux", "riscv64", "x86-64 and arm64 machines, not riscv64"))
        for kernel, machine, fragment in cases:
            with self.subTest(platform=f"{kernel} {machine}"):
                if kernel == "Linux" and machine == "aarch64" and "linux-arm64" in rs.TARGETS:
                    continue  # pinned when it was built
                self.path = self.tools
                isup.remove(os.path.join(self.tmp, "uname"))
                self.fake_uname(kernel, machine)
                self.assert_one_line(self.launch("status"), fragment)
        self.assertEqual(self.server.requests, [])
        self.assert_nothing_installed()

    def test_a_stalled_download_ends_within_the_hooks_time(self):
        self.server.fault = "stall"
        started = time.monotonic()
        result = self.launch("hook", "session-start", stdin="{}")
        elapsed = time.monotonic() - started
        self.assert_one_line(result, "could not download", status=0)
        self.assertLess(elapsed, 5, "a SessionStart hook has 5 s")
        self.assert_nothing_installed()

    def test_an_interrupted_install_leaves_nothing_and_a_killed_one_is_swept(self):
        self.server.fault = "stall"
        proc = self.start_launch("status")
        isup.wait_for(lambda: self.server.tarball_requests(), 30, "the download to start")
        os.killpg(proc.pid, signal.SIGTERM)  # the installer cleans up after itself
        proc.wait(timeout=30)
        isup.wait_for(lambda: not isup.leftovers(self.data), 10, "the installer's clean-up")

        # SIGKILL runs no clean-up: its temporary folder stays, with no binary installed, until a
        # later install removes it once it is 30 minutes old.
        proc = self.start_launch("status")
        isup.wait_for(lambda: len(self.server.tarball_requests()) == 2, 30, "the second download")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        folder = os.path.join(self.data, VERSION)
        stale = [os.path.join(folder, n) for n in os.listdir(folder) if n.startswith(".install.")]
        self.assertEqual(len(stale), 1, isup.leftovers(self.data))
        self.assertFalse(os.path.exists(self.installed))
        self.server.fault = None
        self.assertEqual(self.launch("--version").returncode, 0)
        self.assertTrue(os.path.exists(stale[0]), "a folder of a running install was removed")
        os.unlink(self.installed)
        old = time.time() - 31 * 60
        os.utime(stale[0], (old, old))
        self.assertEqual(self.launch("--version").returncode, 0)
        self.assertFalse(os.path.exists(stale[0]))
        self.assert_installed()

    def start_launch(self, *args):
        proc = subprocess.Popen([self.launcher, *args], env=self.env(), cwd=self.tmp,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.addCleanup(lambda: proc.poll() is None and os.killpg(proc.pid, signal.SIGKILL))
        return proc


class Tools(LauncherCase):
    """What a machine may lack: curl (wget then), sha256sum (shasum, then openssl), all of them."""

    def without(self, *names):
        folder = os.path.join(self.tmp, "tools-without")
        os.makedirs(folder)
        for name in os.listdir(self.tools):
            if name not in names:
                os.symlink(os.path.join(self.tools, name), os.path.join(folder, name))
        self.path = folder

    def test_wget_when_curl_is_missing(self):
        self.without("curl")
        self.assertEqual(self.launch("--version").returncode, 0)
        self.assert_installed()

    def test_shasum_then_openssl_when_sha256sum_is_missing(self):
        for missing in (("sha256sum",), ("sha256sum", "shasum")):
            with self.subTest(missing=missing):
                isup.remove(self.data)
                isup.remove(os.path.join(self.tmp, "tools-without"))
                self.without(*missing)
                self.assertEqual(self.launch("--version").returncode, 0)
                self.assert_installed()

    def test_no_downloader_or_no_hash_tool_gives_one_line(self):
        self.without("curl", "wget")
        self.assert_one_line(self.launch("status"), "neither curl nor wget is installed")
        isup.remove(os.path.join(self.tmp, "tools-without"))
        self.without("sha256sum", "shasum", "openssl")
        self.assert_one_line(self.launch("status"), "none of sha256sum, shasum or openssl")
        self.assertEqual(self.server.requests, [])
        self.assert_nothing_installed()


if __name__ == "__main__":
    unittest.main()
