"""Fault: the notify command showed in `ps`.

The notify command was handed to `notify-job` in the environment to keep it out of argv, and then
run as `/bin/sh -c CMD`, where every local user could read it (/proc/PID/cmdline) for up to 10 s:
a webhook URL with its token, say. The shell now reads the command from its environment with a
fixed argv, whatever the command, so its text is in no process's argv; only the programs it runs
have their own arguments there, as any program does.
"""

import os
import unittest

from companion_testlib import read_text, wait_until
from security_support import FakeCodexCase, hostile

SECRET = "hooks.example.com/T0KEN-5ECRET-77"


def argv_holding(needle):
    """Live processes whose command line holds `needle`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if needle in cmdline:
            found.append((int(entry), cmdline.replace("\0", " ")))
    return found


class NotifyCommandInPs(FakeCodexCase):
    def test_command_text_is_in_no_argv_while_it_runs(self):
        started = os.path.join(self.tmp, "notify-started")
        finished = os.path.join(self.tmp, "notify-finished")
        self.env.update({"STARTED": started, "FINISHED": finished})
        # The secret stands where a webhook's URL would, in a shell comment: it runs nothing
        # itself, so only an argv holding the command's text can show it.
        command = f'touch "$STARTED"; sleep 2; touch "$FINISHED" # curl -d @- https://{SECRET}'
        proc = self.run_cli("config", "set", "notify", command)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        launched = self.run_json("task", "--background", "hello")
        job = self.run_json("status", launched["jobId"], "--wait", "--timeout-ms", "30000")["job"]
        self.assertEqual(job["status"], "completed", job)
        with hostile("notify: the command's text visible in argv (ps) while it runs"):
            wait_until(lambda: os.path.exists(started), 20, what="the notify command to start")
            seen = []

            def scan():  # until the command ends, every process's argv
                seen.extend(argv_holding(SECRET))
                return os.path.exists(finished)
            wait_until(scan, 20, interval=0.02, what="the notify command to end")
            self.assertEqual(seen, [], "the notify command's text is in a process's argv")
            wait_until(lambda: "Notify command ran." in read_text(job["logFile"]), 20,
                       what="the notify command's line in the job's log")


if __name__ == "__main__":
    unittest.main()
