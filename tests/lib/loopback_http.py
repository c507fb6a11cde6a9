"""The base of the tests' loopback HTTP servers (a release host, a git host, an npm registry):
serves a handler class on 127.0.0.1 at a free port from a daemon thread, as a context manager."""

import http.server
import threading


class LoopbackHttpServer:
    """Subclasses build their handler class in start() and call listen(handler)."""

    def __init__(self):
        self.server = None
        self.url = None

    def listen(self, handler):
        """Serves `handler` (a BaseHTTPRequestHandler class); sets self.url. Returns self."""
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
