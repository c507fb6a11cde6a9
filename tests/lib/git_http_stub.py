"""Serves bare git repositories over git's smart HTTP protocol on loopback (`git http-backend`
behind Python's HTTP server), so a client that only takes http(s) URLs — `claude plugin
marketplace add URL`, which clones shallowly — clones a local repository the way it clones one
from a repository host.

    with GitHttpStub(root) as server:          # root holds NAME.git bare repositories
        server.url_of("NAME.git")              # http://127.0.0.1:PORT/NAME.git

Only 127.0.0.1 is listened on; every request runs one `git http-backend` (bounded to 60 s).
"""

import http.server
import os
import subprocess

from loopback_http import LoopbackHttpServer

BACKEND_TIMEOUT = 60  # seconds


class GitHttpStub(LoopbackHttpServer):
    def __init__(self, root):
        super().__init__()
        self.root = os.path.realpath(root)
        self.requests = []

    def start(self):
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._backend()

            def do_POST(self):
                self._backend()

            def _backend(self):
                path, _, query = self.path.partition("?")
                stub.requests.append((self.command, path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = {"GIT_PROJECT_ROOT": stub.root, "GIT_HTTP_EXPORT_ALL": "1",
                       "PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": self.command,
                       "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                       "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
                       "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                       "HTTP_GIT_PROTOCOL": self.headers.get("Git-Protocol", "")}
                if self.headers.get("Content-Encoding"):
                    env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
                try:
                    out = subprocess.run(["git", "http-backend"], input=body, env=env,
                                         capture_output=True, timeout=BACKEND_TIMEOUT).stdout
                except subprocess.TimeoutExpired:
                    self.send_error(504)
                    return
                head, _, rest = out.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.split(b"\r\n"):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(rest)))
                self.end_headers()
                self.wfile.write(rest)

        return self.listen(Handler)

    def url_of(self, name):
        return f"{self.url}/{name}"

