#!/usr/bin/env python3
"""Project rules that clang-tidy cannot check (DESIGN.md "Rules"), over src/ (tests excluded):

1. No OS call outside src/sys/: the layers above reach the operating system through sys/ (the
   injectable Env or the sys functions behind it), so they can be tested against fakes and ported
   by changing sys/ alone.
2. No throwing JSON access: nlohmann's value(key, default), at(key) and an unchecked get<T>()
   throw on a field of the wrong type, and JSON from outside the process (the app-server, broker
   clients, hook input, stored rows, transcripts) can have any type. Read it through
   sys/json_read.h; a get<T>() is allowed right after an is_<type>() check (same line or the
   five lines before).
3. No tracked file names the checkout's own absolute path (computed when the check runs): nothing
   may depend on where the checkout lives, and a path that only exists on one machine breaks every
   other clone (a test library once fell back to one machine's checkout, so the demo worked only
   there). Paths are derived from a file's own location instead.
4. The OS through sys::Env: sys::default_env() (the real OS) is called only in main
   (src/cli/main.cc), which hands the one Env down; outside src/sys/ no code calls a free function
   of sys/ that has an Env method (ENV_FUNCTIONS), so every effect a unit test may want to fake or
   fail goes through the seam. Test support (fakes, *_test.cc, test_*.h) may use both.

Prints one line per violation (file:line: rule: text) and exits 1 when there is any.
"""

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OS_CALL = re.compile(
    r"((?<![\w>])::(open|close|read|write|pread|kill|usleep|sleep|nanosleep|getenv|setenv|unsetenv|flock|"
    r"fcntl|fstat|stat|lstat|statfs|mkdir|rmdir|unlink|rename|opendir|readdir|poll|waitpid|fork|"
    r"execve|execvp|getpid|getppid|getsid|setsid|chdir|getcwd|umask|signal|sigaction|access|"
    r"pipe|pipe2|dup2|prctl|socket|bind|connect|accept|chmod|chown|symlink|readlink|realpath|"
    r"system|popen)\s*\()|(std::(i|o)?fstream\b)|(\bgetenv\s*\()")
# The free functions of sys/ that sys::Env has a method for (src/sys/env.h): called as
# sys::NAME( outside src/sys/, they bypass the seam.
ENV_FUNCTIONS = (
    "now_ms", "monotonic_ms", "sleep_ms", "read_file", "read_tail", "append_file",
    "write_file_atomic", "rewrite_file", "remove_file", "ensure_private_dir", "check_private_dir",
    "make_socket_dir", "path_exists",
    "list_dir", "open_append", "read_file_range", "real_path", "path_kind", "is_directory",
    "regular_or_missing", "file_size", "file_stamp", "remove_dir_if_empty", "read_link",
    "resolve_existing_prefix", "owner_of", "effective_uid", "pseudo_filesystem_of",
    "sha256_file_hex", "data_fd", "create_locked_file", "probe_lock",
    "process_start_time", "process_matches", "read_proc_stat", "spawn", "signal_process",
    "signal_group", "end_session", "run_command", "find_executable",
)
ENV_BYPASS = re.compile(r"\bsys::(" + "|".join(ENV_FUNCTIONS) + r")\s*\(")
DEFAULT_ENV = re.compile(r"\bdefault_env\s*\(")
DEFAULT_ENV_FILES = ("src/cli/main.cc", "src/sys/env.h", "src/sys/env.cc")
THROWING_JSON = re.compile(r"\.value\(\s*\"[^\"]*\"\s*,|\.at\(\s*\"")
UNCHECKED_GET = re.compile(r"\.get<")


def sources():
    for path in sorted((ROOT / "src").rglob("*")):
        if path.suffix in (".cc", ".h") and not path.name.endswith("_test.cc"):
            if "test" in path.stem or path.stem.startswith("fake_"):
                continue  # test support: tests may use the OS directly
            yield path


def check(path):
    rel = path.relative_to(ROOT).as_posix()
    yield from check_text(rel, path.read_text(encoding="utf-8"))


def check_text(rel, text):
    """The violations in the source `text` of the file `rel` (a path relative to the checkout)."""
    lines = text.splitlines()
    in_sys = rel.startswith("src/sys/")
    for number, line in enumerate(lines, 1):
        code = line.split("//", 1)[0]
        if not in_sys and OS_CALL.search(code):
            yield f"{rel}:{number}: OS call outside src/sys/: {line.strip()}"
        if not in_sys and ENV_BYPASS.search(code):
            yield (f"{rel}:{number}: sys:: function that sys::Env has (call it on the Env "
                   f"handed down): {line.strip()}")
        if rel not in DEFAULT_ENV_FILES and DEFAULT_ENV.search(code):
            yield (f"{rel}:{number}: default_env() outside main (take the Env& from the "
                   f"caller): {line.strip()}")
        if rel != "src/sys/json_read.cc" and THROWING_JSON.search(code):
            yield f"{rel}:{number}: throwing JSON access (use sys/json_read.h): {line.strip()}"
        if UNCHECKED_GET.search(code):
            window = " ".join(lines[max(0, number - 6):number])
            if "is_" not in window and rel != "src/sys/json_read.cc":
                yield f"{rel}:{number}: get<T>() without an is_<type>() check: {line.strip()}"


def checkout_path_pattern():
    """The checkout's absolute path, as a whole path (not a prefix of a longer name, not the tail of
    a longer path), in every spelling it can be reached by."""
    spellings = {str(ROOT), os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))}
    alternatives = b"|".join(re.escape(s.encode()) for s in sorted(spellings, key=len, reverse=True))
    return re.compile(rb"(?<![\w.$}/-])(?:" + alternatives + rb")(?![\w.-])")


def tracked_files():
    """The files git tracks in this checkout; None outside a git checkout (a source archive)."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in out.decode().split("\0") if name]


def checkout_path_problems():
    files = tracked_files()
    if files is None:
        print("lint_rules: not a git checkout; the checkout-path rule was skipped", file=sys.stderr)
        return
    pattern = checkout_path_pattern()
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.is_symlink():
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            if pattern.search(line):
                yield (f"{name}:{number}: names this checkout's absolute path ({ROOT}); derive it "
                       "from the file's own location")


def main():
    problems = [p for path in sources() for p in check(path)]
    problems += list(checkout_path_problems())
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
