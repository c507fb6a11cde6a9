"""Finding and signalling the processes of a chaos round through /proc.

Every process the runner starts carries CHAOS_MARK=<run>-r<round> in its environment, and what
they start inherits it (workers, brokers, app-servers, shell commands). Nothing here signals a
process that does not carry the round's mark, so a recycled pid is never hit.
"""

import os
import signal
import threading
import time

from codex_env import codex_native

MARK_VAR = "CHAOS_MARK"


def _read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return b"" if "b" in mode else ""


def alive(pid):
    """True while pid exists and is not a zombie."""
    stat = _read(f"/proc/{pid}/stat")
    try:
        return bool(stat) and stat.rsplit(")", 1)[1].split()[0] != "Z"
    except IndexError:
        return False


def parent(pid):
    stat = _read(f"/proc/{pid}/stat")
    try:
        return int(stat.rsplit(")", 1)[1].split()[1]) if stat else 0
    except (IndexError, ValueError):
        return 0


def cmdline(pid):
    return [a.decode("utf-8", "replace") for a in _read(f"/proc/{pid}/cmdline", "rb").split(b"\0")
            if a]


def has_mark(pid, mark):
    return f"{MARK_VAR}={mark}".encode() in _read(f"/proc/{pid}/environ", "rb").split(b"\0")


def marked(mark):
    """Live pids (not zombies) that carry the mark, the runner itself excluded."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me and has_mark(int(entry), mark) and alive(int(entry)):
            found.append(int(entry))
    return found


def is_native_codex(pid):
    try:
        return os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(codex_native())
    except OSError:
        return False


def is_broker(pid):
    args = cmdline(pid)
    return len(args) >= 3 and args[1] == "broker" and args[2] == "serve"


def is_app_server(pid):
    """A real native codex app-server (not a child it forked for a command), or the fake one."""
    args = cmdline(pid)
    if any(a.endswith("fake_app_server.py") for a in args):
        return True
    return is_native_codex(pid) and not is_native_codex(parent(pid)) and "app-server" in args


def broker_files(pid):
    """(socket path, pid file) from a broker's command line."""
    args = cmdline(pid)
    sock = pid_file = None
    for i, a in enumerate(args[:-1]):
        if a == "--endpoint" and args[i + 1].startswith("unix:"):
            sock = args[i + 1][len("unix:"):]
        elif a == "--pid-file":
            pid_file = args[i + 1]
    return sock, pid_file


def vm_rss_kib(pid):
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def signal_marked(pid, mark, sig):
    """Sends sig to pid only when it still carries the mark; True when sent."""
    if not has_mark(pid, mark) or not alive(pid):
        return False
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


class Sampler:
    """A thread that, every `interval` seconds, notes the round's brokers (their socket and pid
    file) and the largest VmRSS each broker reached."""

    def __init__(self, mark, interval=0.1):
        self.mark = mark
        self.interval = interval
        self.brokers = {}  # pid -> {"socket", "pidFile", "rssKiB"}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)

    def sample(self):
        for pid in marked(self.mark):
            if not is_broker(pid):
                continue
            rss = vm_rss_kib(pid)
            with self._lock:
                seen = self.brokers.get(pid)
                if seen is None:
                    sock, pid_file = broker_files(pid)
                    seen = self.brokers[pid] = {"socket": sock, "pidFile": pid_file, "rssKiB": 0}
                seen["rssKiB"] = max(seen["rssKiB"], rss)

    def _loop(self):
        while not self._stop.wait(self.interval):
            self.sample()


class Stopper:
    """SIGSTOPs marked processes and SIGCONTs each after its delay (and every one at release)."""

    def __init__(self, mark):
        self.mark = mark
        self._timers = []
        self._stopped = set()
        self._lock = threading.Lock()

    def pause(self, pid, seconds):
        if not signal_marked(pid, self.mark, signal.SIGSTOP):
            return False
        with self._lock:
            self._stopped.add(pid)
        timer = threading.Timer(seconds, self._resume, args=(pid,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()
        return True

    def _resume(self, pid):
        with self._lock:
            self._stopped.discard(pid)
        signal_marked(pid, self.mark, signal.SIGCONT)

    def release(self):
        for timer in self._timers:
            timer.cancel()
        with self._lock:
            pids, self._stopped = list(self._stopped), set()
        for pid in pids:
            signal_marked(pid, self.mark, signal.SIGCONT)


def end_leftovers(mark, wait_s):
    """Waits up to wait_s for the round's processes to go; SIGKILLs (by pid) and returns those
    still there as [(pid, command line)]."""
    deadline = time.monotonic() + wait_s
    while True:
        left = marked(mark)
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    found = [(pid, " ".join(cmdline(pid))[:200]) for pid in left]
    for pid in left:
        signal_marked(pid, mark, signal.SIGCONT)
        signal_marked(pid, mark, signal.SIGKILL)
    return found
