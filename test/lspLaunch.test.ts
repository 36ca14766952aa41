/**
 * How bin/irqlens.js launches: which node flags it re-runs itself with
 * (server/src/cli/relaunch.ts), and the language server that `irqlens lsp --stdio` starts
 * running with the server's node flags, its exit status and termination passing through the
 * launcher.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { relaunchFlags, type LaunchContext } from '../server/src/cli/relaunch';
import { SERVER_NODE_FLAGS } from '../server/src/lsp/nodeFlags';
import { ROOT } from './support/fixtures';
import { GUARD_MS, LspTestClient } from './support/lspClient';

const GIB = 1024 ** 3;
const launch = (args: string[], execArgv: string[] = [], nodeOptions = ''): LaunchContext => ({ args, execArgv, nodeOptions, totalMemBytes: 16 * GIB });

const CASES: Array<{ name: string; ctx: LaunchContext; flags: string[] | undefined }> = [
  { name: 'lsp over stdio gets the server flags', ctx: launch(['lsp', '--stdio']), flags: [...SERVER_NODE_FLAGS] },
  { name: 'lsp over stdio with the parser chosen too', ctx: launch(['lsp', '--parser', 'native', '--stdio']), flags: [...SERVER_NODE_FLAGS] },
  { name: 'the re-run child, which has them, runs as it is', ctx: launch(['lsp', '--stdio'], [...SERVER_NODE_FLAGS]), flags: undefined },
  { name: "a user's semi-space size on node's command line is kept", ctx: launch(['lsp', '--stdio'], ['--max-semi-space-size=4']), flags: undefined },
  { name: "a user's semi-space size in NODE_OPTIONS is kept", ctx: launch(['lsp', '--stdio'], [], '--max-semi-space-size=32'), flags: undefined },
  { name: 'lsp over node IPC: the forking parent owns the channel and the flags', ctx: launch(['lsp', '--node-ipc']), flags: undefined },
  { name: 'check gets three quarters of the memory as its heap limit', ctx: launch(['check', 'drivers/']), flags: ['--max-old-space-size=12288'] },
  { name: 'simulate too', ctx: launch(['simulate', 'a.c', '--finding', 'x']), flags: ['--max-old-space-size=12288'] },
  { name: "check keeps a user's heap limit from NODE_OPTIONS", ctx: launch(['check', 'a.c'], [], '--max-old-space-size=2048'), flags: undefined },
  { name: 'an unknown command runs as it is, to be told so', ctx: launch(['frobnicate']), flags: undefined },
];

for (const c of CASES) {
  test(`relaunch flags: ${c.name}`, () => {
    assert.deepEqual(relaunchFlags(c.ctx), c.flags);
  });
}

function example(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-launch-'));
  fs.cpSync(path.join(ROOT, 'examples', 'dtrace-deadman'), dir, { recursive: true });
  return dir;
}

/** The server's start-up log line, which names the node flags its process runs with. */
async function startupLine(client: LspTestClient, dir: string): Promise<string> {
  await client.initialize(dir);
  return client.waitFor('the start-up log line', () => client.logs.find((l) => l.startsWith('irqlens language server')));
}

/** The launcher's exit status, or a failure if it never exits (a child it failed to end). */
function exitStatus(client: LspTestClient): Promise<number | null> {
  return Promise.race([client.exited(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the launcher did not exit')), GUARD_MS).unref())]);
}

test('irqlens lsp --stdio runs the server with the server node flags, and its exit status is the server’s', async () => {
  const dir = example();
  const client = new LspTestClient('stdio');
  try {
    const line = await startupLine(client, dir);
    assert.ok(line.includes(`node ${process.version} ${SERVER_NODE_FLAGS.join(' ')}`), line);
    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    assert.equal(await exitStatus(client), 0);
  } finally {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a semi-space size the user set in NODE_OPTIONS is left alone: the server runs without the launcher's flags", async () => {
  const dir = example();
  const client = new LspTestClient('stdio', [], { ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' });
  try {
    const line = await startupLine(client, dir);
    assert.ok(line.includes(`(wasm parser, node ${process.version})`), line);
  } finally {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM to the launcher ends the server, and the launcher exits as a shell reports a SIGTERM', async () => {
  const dir = example();
  const client = new LspTestClient('stdio');
  try {
    await startupLine(client, dir);
    client.kill();
    // The launcher handles SIGTERM itself: it exits only once the server it passed it to has.
    assert.equal(await exitStatus(client), 128 + os.constants.signals.SIGTERM);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the server's own refusal of a bad option reaches the caller through the launcher", () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'irqlens.js'), 'lsp', '--stdio', '--bogus'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown lsp option '--bogus'/);
});

test('a client that closes stdin without a shutdown request ends the server with status 1, as LSP asks', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'irqlens.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.end();
  const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  assert.equal(status, 1);
});
