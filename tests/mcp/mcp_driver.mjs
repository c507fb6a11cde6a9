// Drives `codex-companion mcp` with the official TypeScript MCP SDK client (the pinned
// @modelcontextprotocol/sdk in .deps/npm). A line protocol on stdin/stdout, so a Python test
// can start, restart and kill the server between steps: each input line is one JSON command
// {op, ...}; each output line is {ok: true, value} or {ok: false, error, code}.
//
//   connect {command, args, cwd, env, roots?}    spawn the server, initialize; value {pid, version, capabilities}
//   listTools                                   tools/list
//   callTool {name, arguments, progress?, timeoutMs?}
//                                               tools/call; value {result, progress: [notifications]}
//   callToolTask {name, arguments}              task-augmented tools/call through callToolStream:
//                                               value {taskId, messages: [types]} (stops at taskCreated
//                                               unless follow is true, then at the result)
//   getTask/taskResult/cancelTask {taskId}      tasks/get, tasks/result, tasks/cancel
//   listTasks                                   tasks/list
//   ping                                        ping
//   close                                       close the client (ends the server's stdin)
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const sdk = join(process.env.COMPANION_SOURCE_DIR, '.deps/npm/node_modules/@modelcontextprotocol/sdk/dist/esm');
const load = (p) => import(pathToFileURL(join(sdk, p)).href);
const { Client } = await load('client/index.js');
const { StdioClientTransport } = await load('client/stdio.js');
const types = await load('types.js');

let client = null;
let transport = null;
const logs = [];

async function connect(cmd) {
  const capabilities = cmd.roots ? { roots: { listChanged: true } } : {};
  client = new Client({ name: 'companion-mcp-test', version: '1.0.0' }, { capabilities });
  client.setNotificationHandler(types.LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  if (cmd.roots) {
    client.setRequestHandler(types.ListRootsRequestSchema, async () => ({
      roots: cmd.roots.map((uri) => ({ uri })),
    }));
  }
  transport = new StdioClientTransport({
    command: cmd.command, args: cmd.args, cwd: cmd.cwd, env: cmd.env, stderr: 'pipe',
  });
  await client.connect(transport);
  return {
    pid: transport.pid,
    version: client.getServerVersion(),
    capabilities: client.getServerCapabilities(),
    instructions: client.getInstructions(),
  };
}

async function callTool(cmd) {
  const progress = [];
  const options = { timeout: cmd.timeoutMs ?? 120000 };
  if (cmd.progress) options.onprogress = (p) => progress.push(p);
  const result = await client.callTool({ name: cmd.name, arguments: cmd.arguments }, undefined, options);
  return { result, progress };
}

async function callToolTask(cmd) {
  const stream = client.experimental.tasks.callToolStream(
    { name: cmd.name, arguments: cmd.arguments }, types.CallToolResultSchema,
    { task: { ttl: 600000 }, timeout: 120000 });
  const seen = [];
  let taskId = null;
  let result = null;
  for await (const message of stream) {
    seen.push(message.type);
    if (message.type === 'taskCreated') {
      taskId = message.task.taskId;
      if (!cmd.follow) break;
    }
    if (message.type === 'result') result = message.result;
    if (message.type === 'error') throw message.error;
  }
  return { taskId, messages: seen, result };
}

const ops = {
  connect,
  listTools: async () => client.listTools(),
  callTool,
  callToolTask,
  ping: async () => client.ping(),
  getTask: async (c) => client.experimental.tasks.getTask(c.taskId),
  taskResult: async (c) => client.experimental.tasks.getTaskResult(c.taskId, types.CallToolResultSchema, { timeout: 120000 }),
  cancelTask: async (c) => client.experimental.tasks.cancelTask(c.taskId),
  listTasks: async () => client.experimental.tasks.listTasks(),
  logs: async () => logs,
  close: async () => { await client.close(); return {}; },
};

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line);
  try {
    out({ ok: true, value: (await ops[cmd.op](cmd)) ?? {} });
  } catch (e) {
    out({ ok: false, error: String(e?.message ?? e), code: e?.code ?? null });
  }
}
