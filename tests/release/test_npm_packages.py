"""The npm packages (README "Install"), made by scripts/npm_packages from the `release` fixture's
artefacts and packed with `npm pack`: installed offline, through a loopback stand-in for the npm
registry that serves the packed tarballs (npm chooses the platform package by its `os` and `cpu`
as it does from the registry), globally into a private prefix and locally into a project, and
from the tarballs alone; then `codex-companion --version` and `status` run from the installed bin
with no Node.js on PATH.

    ctest --preset default -R release.test_npm_packages
"""

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

import install_support as isup
import release_support as rs
from scratch import scratch_dir
from companion_testlib import SOURCE_DIR
from npm_registry_stub import NpmRegistryStub, read_manifest

VERSION = rs.version()
NPM_PLATFORM = {"linux-x64": "linux-x64", "linux-arm64": "linux-arm64",
                "macos-x64": "darwin-x64", "macos-arm64": "darwin-arm64"}
NPM_TIMEOUT = 180


class NpmPackages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = scratch_dir("npm-packages-")
        cls.out = os.path.join(cls.root, "packed")
        made = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "npm_packages"), "--dist",
                               rs.DIST, "--out", cls.out], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=NPM_TIMEOUT)
        if made.returncode != 0:
            raise AssertionError(f"scripts/npm_packages failed:\n{made.stderr}")
        cls.main = os.path.join(cls.out, f"codex-companion-{VERSION}.tgz")
        cls.platforms = {t: os.path.join(cls.out, f"codex-companion-{NPM_PLATFORM[t]}-{VERSION}.tgz")
                         for t in rs.TARGETS}
        # No node on the PATH the installed command runs with: the bin is sh and a native binary.
        cls.tools, _ = isup.tool_dir(cls.root)
        for name in ("node", "nodejs", "npm", "npx"):
            if os.path.lexists(os.path.join(cls.tools, name)):
                os.unlink(os.path.join(cls.tools, name))

    @classmethod
    def tearDownClass(cls):
        isup.remove(cls.root)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="case-", dir=self.root)
        self.addCleanup(isup.remove, self.tmp)

    def npm(self, *args, cwd=None, registry=None):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": os.path.join(self.tmp, "home"),
               "npm_config_cache": os.path.join(self.tmp, "npm-cache"),
               "npm_config_registry": registry or f"http://127.0.0.1:{isup.closed_port()}/",
               "npm_config_fetch_retries": "0", "npm_config_audit": "false",
               "npm_config_fund": "false", "npm_config_update_notifier": "false"}
        proc = subprocess.run(["npm", *args], cwd=cwd or self.tmp, env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=NPM_TIMEOUT)
        self.assertEqual(proc.returncode, 0, f"npm {' '.join(args)}:\n{proc.stdout}{proc.stderr}")
        return proc

    def run_bin(self, path, *args):
        env = {"PATH": self.tools, "HOME": os.path.join(self.tmp, "home"),
               "XDG_STATE_HOME": os.path.join(self.tmp, "state"), "CODEX_COMPANION_RUNTIME": "direct"}
        return subprocess.run([path, *args], cwd=self.tmp, env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=60)

    def assert_runs(self, path):
        version = self.run_bin(path, "--version")
        self.assertEqual((version.returncode, version.stdout), (0, f"codex-companion {VERSION}\n"),
                         version.stderr)
        status = self.run_bin(path, "status", "--json")
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertEqual(json.loads(status.stdout)["running"], [])

    def test_packages_hold_the_release_binaries_with_os_and_cpu(self):
        main = read_manifest(self.main)
        self.assertEqual(main["name"], "codex-companion")
        self.assertEqual(main["version"], VERSION)
        self.assertEqual(main["bin"], {"codex-companion": "bin/codex-companion"})
        self.assertEqual(main["optionalDependencies"],
                         {f"@codex-companion/{NPM_PLATFORM[t]}": VERSION for t in rs.TARGETS})
        self.assertNotIn("scripts", main)  # nothing runs at install time
        with tarfile.open(self.main) as tar:
            launcher = tar.getmember("package/bin/codex-companion")
            self.assertEqual(launcher.mode & 0o111, 0o111)
            self.assertTrue(tar.extractfile(launcher).read().startswith(b"#!/bin/sh\n"))
        for target, path in self.platforms.items():
            manifest = read_manifest(path)
            os_name, cpu = NPM_PLATFORM[target].split("-")
            self.assertEqual((manifest["name"], manifest["os"], manifest["cpu"]),
                             (f"@codex-companion/{os_name}-{cpu}", [os_name], [cpu]))
            self.assertNotIn("bin", manifest)
            with tarfile.open(path) as tar, tarfile.open(rs.tarball(target)) as release:
                binary = tar.getmember("package/bin/codex-companion")
                self.assertEqual(binary.mode & 0o111, 0o111)
                self.assertEqual(tar.extractfile(binary).read(), release.extractfile(
                    f"codex-companion-{VERSION}-{target}/codex-companion").read())

    def test_global_install_from_the_registry_chooses_this_platform(self):
        prefix = os.path.join(self.tmp, "prefix")
        with NpmRegistryStub([self.main, *self.platforms.values()]) as registry:
            self.npm("install", "-g", "--prefix", prefix, "codex-companion",
                     registry=registry.url)
            fetched = registry.tarball_requests()
        self.assertEqual(sorted(fetched), sorted([
            f"/tarballs/codex-companion-{VERSION}.tgz",
            f"/tarballs/codex-companion-linux-x64-{VERSION}.tgz"]), "npm fetched another platform")
        self.assert_runs(os.path.join(prefix, "bin", "codex-companion"))

    def test_local_install_from_the_registry(self):
        project = os.path.join(self.tmp, "project")
        os.makedirs(project)
        with open(os.path.join(project, "package.json"), "w", encoding="utf-8") as f:
            json.dump({"name": "project", "version": "1.0.0", "private": True}, f)
        with NpmRegistryStub([self.main, *self.platforms.values()]) as registry:
            self.npm("install", "codex-companion", cwd=project, registry=registry.url)
        self.assert_runs(os.path.join(project, "node_modules", ".bin", "codex-companion"))

    def test_global_install_from_the_packed_tarballs_alone(self):
        prefix = os.path.join(self.tmp, "prefix")
        self.npm("install", "-g", "--prefix", prefix, self.main, self.platforms["linux-x64"])
        self.assert_runs(os.path.join(prefix, "bin", "codex-companion"))

    def test_without_the_platform_package_one_line(self):
        # A local install: npm 11.19.1 installs optional dependencies of a global install even
        # with --omit=optional (npm/cli#8284), so only a local one can leave the package out.
        project = os.path.join(self.tmp, "project")
        os.makedirs(project)
        with open(os.path.join(project, "package.json"), "w", encoding="utf-8") as f:
            json.dump({"name": "project", "version": "1.0.0", "private": True}, f)
        with NpmRegistryStub([self.main, *self.platforms.values()]) as registry:
            self.npm("install", "--omit=optional", "codex-companion", cwd=project,
                     registry=registry.url)
        self.assertFalse(os.path.exists(os.path.join(project, "node_modules", "@codex-companion")))
        result = self.run_bin(os.path.join(project, "node_modules", ".bin", "codex-companion"),
                              "status")
        self.assertEqual((result.returncode, result.stdout), (1, ""), result)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("the package @codex-companion/linux-x64 that holds the runtime for this "
                      "machine is not installed", lines[0])


if __name__ == "__main__":
    unittest.main()
