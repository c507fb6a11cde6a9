"""A full disk: the state home is a 512 KiB tmpfs in a private mount namespace (needs root), filled
with zeros. Reads keep showing the stored jobs, writes fail with one line, nothing is lost."""

import json
import os
import shlex
import subprocess
import sys
import unittest

from companion_testlib import CompanionTestCase, read_text

FULL = "is full; free space and retry"

# Commands the steps share. $STATE is the state home (the tmpfs), $WS the workspace, $OUT a
# scratch directory outside the tmpfs, $TOOL the script below.
FILL = ('dd if=/dev/zero of="$STATE/fill" bs=4k 2>/dev/null; '
        'if printf x >>"$STATE/probe"; then echo "the disk still has room" >&2; exit 1; fi')
FREE = 'rm -f "$STATE/fill" "$STATE/probe"'
CLI = '"$COMPANION_BIN"'
HELPER = '"$COMPANION_STORE_HELPER"'
INSPECT = '"$PYTHON" "$TOOL" inspect'

# Reads the store directly: its integrity, rows and configuration, as JSON.
TOOL = r'''
import glob, json, os, sqlite3, sys
[db] = glob.glob(os.path.join(os.environ["STATE"], "codex-companion", "*", "state.db"))
con = sqlite3.connect(db)
print(json.dumps({
    "integrity": con.execute("PRAGMA integrity_check").fetchone()[0],
    "jobs": {r[0]: {"status": r[1], "errorMessage": r[2]}
             for r in con.execute("SELECT id, status, error_message FROM jobs")},
    "config": dict(con.execute("SELECT key, value FROM config").fetchall()),
    "locks": sorted(os.path.basename(p) for p in glob.glob(os.path.join(os.path.dirname(db), "jobs", "*.lock"))),
}))
'''


def wait_for_file(path, what):
    """A shell loop that waits up to 10 s for `path` to be non-empty."""
    return (f'i=0; while [ ! -s "{path}" ]; do i=$((i+1)); '
            f'if [ $i -gt 1000 ]; then echo "no {what}" >&2; exit 1; fi; sleep 0.01; done')


class FullDisk(CompanionTestCase):
    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to mount a small tmpfs in a private mount namespace")
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                               capture_output=True, text=True, timeout=30)
        if probe.returncode != 0:
            self.skipTest(f"mount namespaces are not available here: {probe.stderr.strip()}")
        os.makedirs(self.state_home)
        self.tool = os.path.join(self.tmp, "inspect_store.py")
        with open(self.tool, "w") as f:
            f.write(TOOL)
        self.env["CODEX_COMPANION_CODEX"] = os.path.join(self.tmp, "no-codex")  # setup stays fast

    def on_small_disk(self, steps):
        """Runs the shell commands `steps` ([(name, command)]) in order in a private mount namespace
        whose state home is a small tmpfs; returns {name: CompletedProcess}. The tmpfs, and so the
        store, is gone afterwards: everything to check is captured by a step."""
        out = os.path.join(self.tmp, "steps")
        os.makedirs(out)
        script = ['mount -t tmpfs -o size=512k,mode=0700 tmpfs "$STATE" || exit 97']
        for name, command in steps:
            base = shlex.quote(os.path.join(out, name))
            script.append(f"( {command} ) >{base}.out 2>{base}.err; echo $? >{base}.rc")
        env = dict(self.env, STATE=self.state_home, WS=self.workspace, OUT=out, TOOL=self.tool,
                   PYTHON=sys.executable)
        proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                               "\n".join(script)], cwd=self.workspace, env=env,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode == 97:
            self.skipTest(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        results = {}
        for name, _ in steps:
            base = os.path.join(out, name)
            results[name] = subprocess.CompletedProcess(
                name, int(read_text(base + ".rc")), read_text(base + ".out"), read_text(base + ".err"))
        return results

    def ok_json(self, step):
        self.assertEqual(step.returncode, 0, f"{step.args}: {step.stderr}")
        self.assertEqual(step.stderr, "", step.args)
        return json.loads(step.stdout)

    def test_stored_jobs_stay_readable_and_writes_fail_with_one_line(self):
        r = self.on_small_disk([
            ("jobs", f'{HELPER} hammer "$WS" 12 t'),
            ("gate", f"{CLI} setup --enable-review-gate --json"),
            ("before", f'{INSPECT} >"$OUT/before.json"'),
            ("fill", FILL),
            ("status", f"{CLI} status --json --all"),
            ("status_text", f"{CLI} status"),
            ("status_job", f'{CLI} status "$("$PYTHON" -c "import json,sys; '
                           f'print(min(json.load(open(sys.argv[1]))[\'jobs\']))" "$OUT/before.json")" --json'),
            ("result", f"{CLI} result --json"),
            ("candidate", f"{CLI} task-resume-candidate --json"),
            ("setup", f"{CLI} setup --disable-review-gate"),
            # An executable stand-in for codex: the command gets as far as creating the job.
            ("task", f"CODEX_COMPANION_CODEX=/bin/true {CLI} task --background hello"),
            ("free", FREE),
            ("status_after", f"{CLI} status --json --all"),
            ("setup_after", f"{CLI} setup --disable-review-gate --json"),
            ("after", INSPECT),
        ])
        for name in ("jobs", "gate", "before", "fill", "free"):
            self.assertEqual(r[name].returncode, 0, f"{name}: {r[name].stderr}")
        before = json.loads(read_text(os.path.join(self.tmp, "steps", "before.json")))
        self.assertEqual(len(before["jobs"]), 3)

        status = self.ok_json(r["status"])
        shown = [status["latestFinished"]["id"]] + [j["id"] for j in status["recent"]]
        self.assertEqual(sorted(shown), sorted(before["jobs"]))
        self.assertTrue(status["config"]["stopReviewGate"])
        self.assertEqual(r["status_text"].returncode, 0, r["status_text"].stderr)
        self.assertIn("# Codex Status", r["status_text"].stdout)
        self.assertEqual(self.ok_json(r["status_job"])["job"]["id"], min(before["jobs"]))
        self.assertEqual(self.ok_json(r["result"])["job"]["status"], "completed")
        # Readable on a full disk. The helper's jobs record no Codex home (as an earlier
        # version's), so their threads are passed over, with why (test_resume_codex_home).
        candidate = self.ok_json(r["candidate"])
        self.assertFalse(candidate["available"])
        self.assertIn("recorded no Codex home", candidate["passedOver"])

        self.assert_one_line_error(r["setup"], FULL)
        self.assertIn(os.path.join(self.state_home, "codex-companion"), r["setup"].stderr)
        self.assert_one_line_error(r["task"], FULL)

        self.assertEqual(len(self.ok_json(r["status_after"])["recent"]), 2)
        self.assertFalse(self.ok_json(r["setup_after"])["reviewGateEnabled"])
        after = json.loads(r["after"].stdout)
        self.assertEqual(after["integrity"], "ok")
        self.assertEqual(after["jobs"], before["jobs"])
        self.assertEqual(after["config"], {"stopReviewGate": "false"})

    def test_dead_owner_is_shown_failed_and_recorded_once_there_is_room(self):
        r = self.on_small_disk([
            ("jobs", f'{HELPER} hammer "$WS" 4 t'),
            # A running job owned by this shell, whose lock nobody holds: its owner is gone.
            ("orphan", f'{HELPER} orphan "$WS" $$ >"$OUT/orphan_id"'),
            ("fill", FILL),
            ("status", f"{CLI} status --json"),
            ("status_job", f'{CLI} status "$(cat "$OUT/orphan_id")" --json'),
            ("free", FREE),
            ("status_after", f"{CLI} status --json"),
            ("after", INSPECT),
        ])
        for name in ("jobs", "orphan", "fill", "free"):
            self.assertEqual(r[name].returncode, 0, f"{name}: {r[name].stderr}")
        orphan = read_text(os.path.join(self.tmp, "steps", "orphan_id")).strip()

        status = self.ok_json(r["status"])
        self.assertEqual(status["running"], [])
        job = status["latestFinished"]
        self.assertEqual((job["id"], job["status"], job["endReason"]), (orphan, "failed", "worker-died"))
        self.assertIn("Not recorded yet", job["errorMessage"])
        self.assertIn(FULL, job["errorMessage"])
        self.assertEqual(self.ok_json(r["status_job"])["job"]["status"], "failed")

        job = self.ok_json(r["status_after"])["latestFinished"]
        self.assertEqual((job["id"], job["status"]), (orphan, "failed"))
        self.assertNotIn("Not recorded", job["errorMessage"])
        after = json.loads(r["after"].stdout)
        self.assertEqual(after["integrity"], "ok")
        self.assertEqual(after["jobs"][orphan]["status"], "failed")
        self.assertEqual(after["locks"], [])
        self.assertEqual(len(after["jobs"]), 2)

    def test_crashed_and_live_owners_on_a_full_disk(self):
        hold = (f'{HELPER} hold "$WS" "$OUT/{{0}}" & echo $! >"$OUT/{{0}}_pid"; '
                + wait_for_file("$OUT/{0}", "job from the holder"))
        r = self.on_small_disk([
            ("jobs", f'{HELPER} hammer "$WS" 4 t'),
            ("crashed", hold.format("crashed") + '; kill -9 "$(cat "$OUT/crashed_pid")"'),
            ("live", hold.format("live")),
            ("fill", FILL),
            ("status", f"{CLI} status --json"),
            ("cancel", f'{CLI} cancel "$(cat "$OUT/live")"'),
            ("free", FREE),
            ("status_after", f"{CLI} status --json"),
            ("stop_live", 'kill -9 "$(cat "$OUT/live_pid")"'),
            ("after", INSPECT),
        ])
        for name in ("jobs", "crashed", "live", "fill", "free", "stop_live"):
            self.assertEqual(r[name].returncode, 0, f"{name}: {r[name].stderr}")
        crashed = read_text(os.path.join(self.tmp, "steps", "crashed")).strip()
        live = read_text(os.path.join(self.tmp, "steps", "live")).strip()

        # The holder kept the store open, so it is writable, but ending the crashed job finds no room.
        status = self.ok_json(r["status"])
        self.assertEqual([j["id"] for j in status["running"]], [live])
        job = status["latestFinished"]
        self.assertEqual((job["id"], job["status"]), (crashed, "failed"))
        self.assertIn("Not recorded yet", job["errorMessage"])
        self.assert_one_line_error(r["cancel"], FULL)

        status = self.ok_json(r["status_after"])
        self.assertEqual([j["id"] for j in status["running"]], [live])
        self.assertNotIn("Not recorded", status["latestFinished"]["errorMessage"])
        after = json.loads(r["after"].stdout)
        self.assertEqual(after["integrity"], "ok")
        self.assertEqual(after["jobs"][crashed]["status"], "failed")
        self.assertEqual(after["jobs"][live]["status"], "running")


if __name__ == "__main__":
    unittest.main()
