"""Fault: `task --resume` and `task-resume-candidate` picked a thread whatever the Codex home.

A Codex thread is stored in the Codex home it was started under (CODEX_HOME, else ~/.codex);
another home cannot resume it (`codex resume` does not find it there, and the run would go to
another account). The latest task of the workspace was offered and resumed even when it ran under
another home. Now a job records the home (Codex's initialize answer in `resolved.codexHome`, and
the run's own in `request.codexHome`), and only a thread of this run's home is offered or resumed:
`task --resume`, `task-resume-candidate`, `retry --resume` and `task --resume-thread ID` (of a
thread a job ran under another home) say so in one line and send Codex nothing. Through both
runtimes.
"""

import os
import unittest

from companion_testlib import wait_until
from fake_codex_case import FakeCodexCase


class ResumeCase(FakeCodexCase):
    def setUp(self):
        super().setUp()
        self.env["FAKE_APP_SERVER_MODE"] = "multi"
        self.homes = {}
        for name in ("a", "b"):
            self.homes[name] = os.path.join(self.tmp, f"codex-home-{name}")
            os.makedirs(self.homes[name])

    def tearDown(self):
        if self.runtime is None and self.state_dirs():
            for home in self.homes.values():
                self.run_cli("broker", "stop", "--force", env={"CODEX_HOME": home}, timeout=30)
        super().tearDown()

    def under(self, name):
        return {"CODEX_HOME": self.homes[name]}

    def task(self, name, *args):
        proc = self.run_cli("task", *args, env=self.under(name), timeout=60)
        return proc

    def resumes_sent(self):
        return [p.get("threadId") for p in self.app_server_messages("thread/resume")]

    def check(self):
        first = self.task("a", "first in home a")
        self.assertEqual(first.returncode, 0, first.stderr)
        job_a = self.latest_job(env=self.under("a"))
        self.assertEqual(job_a["resolved"]["codexHome"], os.path.realpath(self.homes["a"]))
        self.assertEqual(job_a["request"]["codexHome"], os.path.realpath(self.homes["a"]))

        # Under another home: nothing to resume, said in one line; Codex is sent nothing.
        refused = self.task("b", "--resume", "follow up")
        line = self.assert_one_line_error(refused, "can be resumed here")
        self.assertIn(job_a["id"], line)
        self.assertIn(os.path.realpath(self.homes["a"]), line)
        self.assertEqual(self.resumes_sent(), [])
        got = self.run_json("task-resume-candidate", env=self.under("b"))
        self.assertFalse(got["available"])
        self.assertIsNone(got["candidate"])
        self.assertIn(job_a["id"], got["passedOver"])
        text = self.run_cli("task-resume-candidate", env=self.under("b")).stdout
        self.assertEqual(len(text.splitlines()), 1, text)
        self.assertIn("Codex home", text)
        named = self.task("b", "--resume-thread", job_a["threadId"], "follow up")
        self.assert_one_line_error(named, "cannot resume thread")
        self.assertEqual(self.resumes_sent(), [])

        # A task in home b: from b it is b's thread, from a still a's (the newer one is b's).
        self.assertEqual(self.task("b", "second in home b").returncode, 0)
        job_b = self.latest_job(env=self.under("b"))
        self.assertEqual(self.run_json("task-resume-candidate", env=self.under("a"))
                         ["candidate"]["id"], job_a["id"])
        self.assertEqual(self.run_json("task-resume-candidate", env=self.under("b"))
                         ["candidate"]["id"], job_b["id"])
        resumed = self.task("a", "--resume", "follow up in a")
        self.assertEqual(resumed.returncode, 0, resumed.stderr)
        self.assertEqual(self.resumes_sent(), [job_a["threadId"]])

        # retry --resume of a job of home a (cancelled mid-turn), from home b.
        hung = self.run_json("task", "--background", "[[fake:hang]] in a", env=self.under("a"))
        wait_until(lambda: self.run_json("status", hung["jobId"], env=self.under("a"))["job"]
                   ["threadId"], 30, what="the hung job's thread")
        self.assertEqual(self.run_cli("cancel", hung["jobId"], env=self.under("a")).returncode, 0)
        retry = self.run_cli("retry", hung["jobId"], "--resume", env=self.under("b"))
        self.assert_one_line_error(retry, "Codex home")
        self.assertEqual(self.resumes_sent(), [job_a["threadId"]])

        # A job of an earlier version recorded no home: not offered, said so.
        self.db_write("UPDATE jobs SET resolved = NULL, request = json_remove(request, "
                      "'$.codexHome')")
        old = self.task("a", "--resume", "after an upgrade")
        self.assert_one_line_error(old, "recorded no Codex home")


class Direct(ResumeCase):
    runtime = "direct"

    def test_resume_picks_a_thread_of_another_codex_home_direct(self):
        self.check()


class Shared(ResumeCase):
    runtime = None

    def test_resume_picks_a_thread_of_another_codex_home_shared(self):
        self.check()


if __name__ == "__main__":
    unittest.main()
