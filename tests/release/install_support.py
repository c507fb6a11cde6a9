"""What the install tests share (tests/release/test_plugin_download.py, test_claude_install.py,
test_npm_packages.py): the release folder served on loopback with faults on demand, a PATH with
no compiler or build tool on it (tripwires log any call), and a clean clone of HEAD whose plugin
pins the artefacts the `release` fixture built (what `scripts/release --pin` writes at release
time).
"""

import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time

import release_support as rs
from companion_testlib import clone_head
from loopback_http import LoopbackHttpServer

# Anything that compiles, links or builds: reachable under none of these names.
BUILD_TOOLS = ("cc", "c++", "gcc", "g++", "cpp", "clang", "clang++", "c89", "c99", "ld", "ld.bfd",
               "ld.gold", "lld", "as", "cmake", "ninja", "make", "gmake", "zig", "ccache",
               "rustc", "cargo", "go", "node-gyp")
BUILD_TOOL_PREFIXES = ("gcc-", "g++-", "cpp-", "clang-", "clang++-", "x86_64-linux-gnu-", "llvm-",
                       "aarch64-linux-gnu-", "cmake-", "ld.")


def is_build_tool(name):
    return name in BUILD_TOOLS or name.startswith(BUILD_TOOL_PREFIXES)


def tool_dir(root, without=()):
    """A folder of links to every program of /usr/bin and /bin except the build tools and the
    names in `without`; each build tool is a tripwire that appends its argv to root/tripwire.log
    and fails. Returns (folder, log)."""
    folder = os.path.join(root, "tools")
    os.makedirs(folder)
    log = os.path.join(root, "tripwire.log")
    for source in ("/usr/bin", "/bin"):
        for name in sorted(os.listdir(source)):
            target = os.path.join(folder, name)
            path = os.path.join(source, name)
            if os.path.lexists(target) or name in without or is_build_tool(name):
                continue
            if os.path.isfile(path) and os.access(path, os.X_OK):
                os.symlink(path, target)
    for name in BUILD_TOOLS:
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f'#!/bin/sh\necho "{name} $*" >>"{log}"\nexit 127\n')
        os.chmod(path, 0o755)
    return folder, log


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def artefact_name(target):
    return os.path.basename(rs.tarball(target))


def pinned_clone(dest):
    """A clean clone of HEAD at `dest` whose plugin/SHA256SUMS pins the fixture's artefacts, as
    `scripts/release --pin --no-build` writes it, committed like a release's last commit."""
    clone_head(dest)
    subprocess.run([os.path.join(dest, "scripts", "release"), "--pin", "--no-build", "--out",
                    rs.DIST], cwd=dest, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    subprocess.run(["git", "commit", "-q", "-m", "Pin the release", "plugin/SHA256SUMS"],
                   cwd=dest, check=True, capture_output=True, env=env)
    return dest


def repack(source_target, as_target, out):
    """The binary of `source_target`'s tarball in a tarball named and laid out as `as_target`'s
    (a mislabelled release: the wrong platform under the right name). Returns its path."""
    version = rs.version()
    folder = f"codex-companion-{version}-{as_target}"
    path = os.path.join(out, f"{folder}.tar.gz")
    with tarfile.open(rs.tarball(source_target)) as src, tarfile.open(path, "w:gz") as dst:
        member = src.getmember(f"codex-companion-{version}-{source_target}/codex-companion")
        data = src.extractfile(member)
        member.name = f"{folder}/codex-companion"
        dst.addfile(member, data)
    return path


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ReleaseServer(LoopbackHttpServer):
    """Serves files by name on 127.0.0.1, recording every request path.

    serve(name, path): answer GET /name with that file (default: the fixture's dist/ files).
    fault: None, "truncate" (full Content-Length, half the body, then close), "short" (half the
    body with its own length: a silently short file), "stall" (headers, then nothing until
    stopped), "delay" (the whole answer after `delay_s`)."""

    def __init__(self):
        super().__init__()
        self.files = {}
        for name in os.listdir(rs.DIST):
            if os.path.isfile(os.path.join(rs.DIST, name)):
                self.files[name] = os.path.join(rs.DIST, name)
        self.fault = None
        self.delay_s = 1.0
        self.requests = []
        self._stopping = threading.Event()

    def serve(self, name, path):
        self.files[name] = path

    def start(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip("/")
                owner.requests.append(name)
                path = owner.files.get(name)
                if path is None:
                    self.send_error(404)
                    return
                with open(path, "rb") as f:
                    data = f.read()
                if owner.fault == "delay":
                    owner._stopping.wait(owner.delay_s)
                body = data[:len(data) // 2] if owner.fault in ("truncate", "short") else data
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                length = len(data) if owner.fault == "truncate" else len(body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                if owner.fault == "stall":
                    self.wfile.flush()
                    owner._stopping.wait(120)
                    return
                self.wfile.write(body)
                self.close_connection = True

        return self.listen(Handler)

    def tarball_requests(self):
        return [r for r in self.requests if r.endswith(".tar.gz")]

    def stop(self):
        self._stopping.set()  # a stalled answer lets go first
        super().stop()


def leftovers(data_root):
    """Everything under data_root (relative paths), [] when it does not exist."""
    found = []
    for top, dirs, files in os.walk(data_root):
        for name in dirs + files:
            found.append(os.path.relpath(os.path.join(top, name), data_root))
    return sorted(found)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def remove(path):
    shutil.rmtree(path, ignore_errors=True)
