"""The reference plugin (openai/codex-plugin-cc, a checkout given with `bench/run --peer DIR`) on
the same rows where it can run them: its `codex-companion.mjs` under the same Node.js, the same
workspace kind and the same Codex stand-in.

Its store keeps at most 50 jobs (plugins/codex/scripts/lib/state.mjs, MAX_JOBS), so the 10,000-job
rows have no reference figure. Its jobs are seeded through its own state module (upsertJob,
writeJobFile), never by writing its files here.
"""

import os
import shutil
import signal
import subprocess
import tempfile

from benchlib import BenchError, Stat, peak_rss_mib, time_command
from companion_testlib import processes_with_env

SEED = r"""
const [dir, cwd, count, deadPid] = process.argv.slice(1);
const state = await import(`file://${dir}/plugins/codex/scripts/lib/state.mjs`);
const base = Date.parse("2026-01-01T00:00:00.000Z");
for (let i = 0; i < Number(count); i++) {
  const at = new Date(base + i * 1000).toISOString();
  const id = `task-bench-${i}`;
  const job = {id, kind: "task", jobClass: "task", kindLabel: "rescue", title: `bench ${i}`,
               summary: `bench ${i}`, status: "completed", phase: "done", threadId: `thr-${i}`,
               createdAt: at, startedAt: at, completedAt: at, updatedAt: at};
  state.upsertJob(cwd, job);
  state.writeJobFile(cwd, id, {...job, result: {rawOutput: "ok"}, rendered: "ok\n"});
}
if (deadPid) {
  const id = `task-dead-${Date.now()}`;
  const at = new Date().toISOString();
  state.upsertJob(cwd, {id, kind: "task", jobClass: "task", title: "dead", status: "running",
                        phase: "running", pid: Number(deadPid), createdAt: at, startedAt: at});
  state.writeJobFile(cwd, id, {id, status: "running"});
  console.log(id);
}
"""


STOP = r"""
const [dir, cwd] = process.argv.slice(1);
const lifecycle = await import(`file://${dir}/plugins/codex/scripts/lib/broker-lifecycle.mjs`);
const session = lifecycle.loadBrokerSession(cwd);
if (session) {
  await lifecycle.sendBrokerShutdown(session.endpoint);
  lifecycle.teardownBrokerSession({...session, killProcess: (pid) => process.kill(pid)});
  lifecycle.clearBrokerSession(cwd);
}
"""


class Peer:
    def __init__(self, peer_dir):
        self.dir = os.path.abspath(peer_dir)
        self.script = os.path.join(self.dir, "plugins/codex/scripts/codex-companion.mjs")
        if not os.path.isfile(self.script):
            raise BenchError(f"{peer_dir} holds no plugins/codex/scripts/codex-companion.mjs")
        self.node = shutil.which("node")
        if not self.node:
            raise BenchError("--peer needs node on PATH")
        self.argv = [self.node, self.script]

    def env_for(self, base_env, tmp):
        env = dict(base_env, CLAUDE_PLUGIN_DATA=os.path.join(tmp, "peer-data"))
        env.pop("CODEX_COMPANION_SESSION_ID", None)
        return env

    def seed(self, cwd, env, count, dead_pid=""):
        out = subprocess.run([self.node, "--input-type=module", "-e", SEED, self.dir, cwd,
                              str(count), str(dead_pid)], env=env, capture_output=True,
                             text=True, timeout=60)
        if out.returncode != 0:
            raise BenchError(f"seeding the reference's store failed: {out.stderr.strip()[:300]}")
        return out.stdout.strip()

    def store_rows(self, runs):
        rows = {}
        tmp = tempfile.mkdtemp(prefix="companion-bench-peer-")
        try:
            ws = os.path.join(tmp, "ws")
            os.makedirs(ws)
            env = self.env_for(os.environ, tmp)
            self.seed(ws, env, 50)
            rows[("status", 50)] = time_command(self.argv + ["status"], ws, env, runs)
            rows[("status --json", 50)] = time_command(self.argv + ["status", "--json"], ws, env,
                                                       runs)
            rows[("result", 50)] = time_command(self.argv + ["result", "task-bench-49"], ws, env,
                                                runs)

            def dead(_i):
                owner = subprocess.Popen(["sleep", "60"])
                owner.kill()
                owner.wait()
                return [self.seed(ws, env, 0, owner.pid)]

            rows[("cancel of a dead job", 50)] = time_command(self.argv + ["cancel"], ws, env,
                                                              runs, check=False, prepare=dead)
            rss = [peak_rss_mib(self.argv + ["status", "--json"], ws, env)
                   for _ in range(max(3, runs // 5))]
            rows[("cli-rss", 50)] = Stat(rss, "MiB")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return rows

    def codex_rows(self, stub, runs):
        """`setup --json` before any broker runs, then a foreground task and `setup --json` on
        the warm broker its first task started (the reference runs every task through its
        broker: plugins/codex/scripts/lib/app-server.mjs, CodexAppServerClient.connect)."""
        from rows_jobs import CodexSpace
        tmp = tempfile.mkdtemp(prefix="companion-bench-peer-codex-")
        space = CodexSpace(self.argv, stub, tmp, "peer", None)
        space.env = self.env_for(space.env, tmp)
        try:
            setup = space.timed("setup", "--json", runs=runs)
            space.cli("task", "Warm up. ECHO:warm")
            task = space.timed("task", "Bench task. ECHO:fg", runs=runs)
            warm_setup = space.timed("setup", "--json", runs=runs)
            return {"setup": setup, "task": task, "warm setup": warm_setup}
        finally:
            self.stop_broker(space.ws, space.env)
            for pid in processes_with_env("CODEX_HOME", space.cenv.home):
                os.kill(pid, signal.SIGKILL)
            space.cenv.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)

    def stop_broker(self, cwd, env):
        """Asks the broker the reference started for `cwd` to exit, with its own module."""
        subprocess.run([self.node, "--input-type=module", "-e", STOP, self.dir, cwd], env=env,
                       capture_output=True, timeout=30)
