/** The language server over Node IPC (how vscode-languageclient's TransportKind.ipc starts it). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './support/fixtures';
import { LspTestClient } from './support/lspClient';

test('over --node-ipc the server indexes the example, publishes the seed finding and exits on request', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-ipc-'));
  fs.cpSync(path.join(ROOT, 'examples', 'dtrace-deadman'), dir, { recursive: true });
  const client = new LspTestClient('node-ipc');
  try {
    await client.initialize(dir);
    const d = await client.waitFor('seed diagnostic', () => client.diagnosticsOf(path.join(dir, 'common', 'dtrace_xcall.c')).find((x) => x.code === 'xcall-in-atomic'));
    assert.match(d.message, /^smp_call_function/);
    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    assert.equal(await client.exited(), 0);
  } finally {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the server runs with the native parser when asked, for benchmarks', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-native-'));
  fs.cpSync(path.join(ROOT, 'examples', 'dtrace-deadman'), dir, { recursive: true });
  const client = new LspTestClient('stdio', ['--parser', 'native']);
  try {
    await client.initialize(dir);
    await client.waitFor('seed diagnostic', () => client.diagnosticsOf(path.join(dir, 'common', 'dtrace_xcall.c')).find((x) => x.code === 'xcall-in-atomic'));
    assert.ok(client.logs.some((l) => l.includes('native parser')), client.logs.join('\n'));
  } finally {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
