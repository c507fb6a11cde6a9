"""A test client of the codex-companion broker: JSON-RPC lines over its unix socket.

    client = BrokerClient(socket_path)
    client.request("initialize", {...})          # waits for the answer (bounded)
    client.send({"id": 5, "method": "turn/start", "params": {...}})
    note = client.next(lambda m: m.get("method") == "turn/completed", timeout=5)
    client.close()

A reader thread keeps every message received, in order, in `client.received`; waits are polls
with deadlines. `closed` is set once the broker closed the connection.
"""

import json
import socket
import threading
import time

from companion_testlib import TIME_SCALE

MAX_LINE = 16 * 1024 * 1024


class BrokerClient:
    def __init__(self, path, connect_timeout=5.0):
        deadline = time.monotonic() + connect_timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)
        self.received = []
        self.closed = False
        self._paused = threading.Event()
        self._lock = threading.Lock()
        self._next_id = 1000
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def _read_loop(self):
        buffer = b""
        try:
            while True:
                while self._paused.is_set():
                    time.sleep(0.01)
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if len(line) > MAX_LINE:
                        continue
                    try:
                        message = json.loads(line)
                    except ValueError:
                        message = {"_unparsed": line.decode("utf-8", "replace")}
                    with self._lock:
                        self.received.append(message)
        except OSError:
            pass
        self.closed = True

    def pause_reading(self):
        """Stops taking data off the socket (a client that does not read)."""
        self._paused.set()

    def send(self, message):
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def next(self, predicate, timeout=5.0, start=0):
        """The first received message (from index `start`) matching predicate; waits for it."""
        deadline = time.monotonic() + timeout * TIME_SCALE
        while True:
            with self._lock:
                for message in self.received[start:]:
                    if predicate(message):
                        return message
            if time.monotonic() >= deadline:
                raise AssertionError(f"no matching message within {timeout}s; got "
                                     f"{json.dumps(self.received[-5:])[:2000]}")
            time.sleep(0.005)

    def request(self, method, params=None, timeout=5.0):
        """Sends a request and returns its whole response ({id, result} or {id, error})."""
        with self._lock:
            self._next_id += 1
            rid = f"req-{self._next_id}"
        self.send({"id": rid, "method": method, "params": params or {}})
        return self.next(lambda m: m.get("id") == rid and "method" not in m, timeout)

    def result(self, method, params=None, timeout=5.0):
        response = self.request(method, params, timeout)
        if "error" in response:
            raise AssertionError(f"{method} failed: {response['error']}")
        return response["result"]

    def wait_closed(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not self.closed:
            if time.monotonic() >= deadline:
                raise AssertionError(f"the broker did not close the connection within {timeout}s")
            time.sleep(0.005)

    def messages(self):
        with self._lock:
            return list(self.received)

    def close(self):
        self._paused.clear()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._reader.join(timeout=5)
