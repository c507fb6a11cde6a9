"""A local stand-in for the npm registry, serving packed packages (.tgz files from `npm pack`) on
loopback, so npm installs them offline the way it installs from the registry: it reads each
package's metadata (the packument) first, chooses optional dependencies by their `os` and `cpu`,
then downloads only the tarballs it chose.

    with NpmRegistryStub([".../codex-companion-0.1.0.tgz", ...]) as registry:
        npm install --registry registry.url ...
        registry.requests   # [(method, path)] in order

GET /<name> (a scoped name as /@scope%2fname or /@scope/name) answers the packument of every
version given for that name; GET /tarballs/<file> answers the file; anything else is a 404 (npm
treats an unknown package as missing). Only 127.0.0.1 is listened on.
"""

import base64
import hashlib
import http.server
import json
import tarfile
import threading
import urllib.parse

from loopback_http import LoopbackHttpServer


def read_manifest(tgz):
    """The package.json inside a packed package."""
    with tarfile.open(tgz) as tar:
        return json.load(tar.extractfile("package/package.json"))


class NpmRegistryStub(LoopbackHttpServer):
    def __init__(self, tarballs):
        super().__init__()
        self.files = {}  # file name -> bytes
        self.packuments = {}  # package name -> packument
        self.requests = []
        self._lock = threading.Lock()
        self._tarballs = list(tarballs)

    def _add(self, path):
        with open(path, "rb") as f:
            data = f.read()
        manifest = read_manifest(path)
        file_name = path.rsplit("/", 1)[-1]
        self.files[file_name] = data
        version = dict(manifest)
        version["_id"] = f"{manifest['name']}@{manifest['version']}"
        version["dist"] = {
            "tarball": f"{self.url}/tarballs/{urllib.parse.quote(file_name)}",
            "shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
        }
        doc = self.packuments.setdefault(manifest["name"], {
            "name": manifest["name"], "versions": {}, "dist-tags": {}})
        doc["versions"][manifest["version"]] = version
        doc["dist-tags"]["latest"] = manifest["version"]

    def start(self):
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                with stub._lock:
                    stub.requests.append(("GET", path))
                body, kind = stub._answer(urllib.parse.unquote(path))
                if body is None:
                    self.send_response(404)
                    body, kind = b'{"error":"Not found"}', "application/json"
                else:
                    self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.listen(Handler)
        for path in self._tarballs:  # their packuments name the server's URL
            self._add(path)
        return self

    def _answer(self, path):
        if path.startswith("/tarballs/"):
            data = self.files.get(path[len("/tarballs/"):])
            return data, "application/octet-stream"
        doc = self.packuments.get(path.lstrip("/"))
        if doc is None:
            return None, None
        return json.dumps(doc).encode(), "application/json"

    def tarball_requests(self):
        return [p for m, p in self.requests if p.startswith("/tarballs/")]

