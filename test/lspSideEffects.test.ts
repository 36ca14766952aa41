/**
 * What the language server does to the machine during a whole editor session (index,
 * diagnostics, hover, code actions and lenses, call hierarchy, edits, simulate): it reaches
 * no network, starts no program and writes nothing in the workspace, and never asks the
 * editor to apply an edit on its own. A recorder preloaded into the server process
 * (test/support/sideEffectRecorder.ts) logs every call that could; a static scan of the
 * server and client sources backs it for paths a session does not take.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CodeAction, Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { SERVER_NODE_FLAGS } from '../server/src/lsp/nodeFlags';
import type { FindingInfo, SimulateResult } from '../server/src/lsp/protocol';
import { ROOT } from './support/fixtures';
import { LspTestClient, uriOf } from './support/lspClient';
import type { SideEffect } from './support/sideEffectRecorder';

let dir: string;
let scratch: string;
let recordFile: string;
let client: LspTestClient;
const editRequests: unknown[] = [];
const file = (rel: string): string => path.join(dir, rel);

function records(): SideEffect[] {
  return fs
    .readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SideEffect);
}

/** Every file under the workspace with its bytes, to compare before and after. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const p = path.join(entry.parentPath, entry.name);
      out.set(path.relative(root, p), fs.readFileSync(p, 'base64'));
    }
  }
  return out;
}

let before_: Map<string, string>;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-effects-'));
  dir = path.join(scratch, 'ws');
  fs.cpSync(path.join(ROOT, 'examples', 'dtrace-deadman'), dir, { recursive: true });
  recordFile = path.join(scratch, 'effects.jsonl');
  fs.writeFileSync(recordFile, '');
  before_ = snapshot(dir);
  const recorder = path.join(__dirname, 'support', 'sideEffectRecorder.js');
  // With the server's node flags given, as the VS Code client gives them, bin/irqlens.js runs
  // the server itself rather than in a child (test/lspLaunch.test.ts): the recorded process is the server.
  client = new LspTestClient('stdio', [], { ...process.env, NODE_OPTIONS: `--require ${recorder}`, IRQLENS_RECORD_FILE: recordFile }, SERVER_NODE_FLAGS);
  client.connection.onRequest('workspace/applyEdit', (p: unknown) => {
    editRequests.push(p);
    return { applied: false };
  });
});

after(() => {
  client.kill();
  fs.rmSync(scratch, { recursive: true, force: true });
});

test('a whole session: index, diagnostics, hover, actions, lenses, call hierarchy, edits, simulate', async () => {
  await client.initialize(dir);
  const xcallFile = file('common/dtrace_xcall.c');
  const seed = await client.waitFor('the seed finding', () => client.diagnosticsOf(xcallFile).find((d) => d.message.startsWith('smp_call_function()')));
  const state = file('buggy/dtrace_state.c');
  const stateText = fs.readFileSync(state, 'utf8');
  const uri = uriOf(state);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: stateText } });
  const lines = stateText.split('\n');
  const line = lines.findIndex((l) => l.includes('dtrace_sync();'));
  const h = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: lines[line].indexOf('dtrace_sync') } });
  assert.ok(h);
  const actions = await client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri: uriOf(xcallFile) },
    range: seed.range,
    context: { diagnostics: [seed] },
  });
  assert.ok(actions.length > 0);
  await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  const items = await client.connection.sendRequest<Array<{ name: string }>>('textDocument/prepareCallHierarchy', {
    textDocument: { uri },
    position: { line, character: lines[line].indexOf('dtrace_sync') },
  });
  for (const item of items) await client.connection.sendRequest('callHierarchy/incomingCalls', { item });
  // An edit that adds a finding and one that removes it, as typing would; never saved.
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${stateText}\nvoid x(void) { }\n` }] });
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: stateText }] });
  const findings = await client.connection.sendRequest<FindingInfo[]>('irqlens/findings', {});
  const r = await client.connection.sendRequest<SimulateResult>('workspace/executeCommand', { command: 'irqlens.simulate', arguments: [{ findingId: findings[0].id }] });
  assert.ok(r.ok, r.ok ? '' : r.error);
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  await client.waitFor('the seed finding after the edits', (): Diagnostic | undefined => client.diagnosticsOf(xcallFile).find((d) => d.message.startsWith('smp_call_function()')));
  await client.connection.sendRequest('shutdown');
  await client.connection.sendNotification('exit');
  assert.equal(await client.exited(), 0);
});

test('the recorder ran in the server and in the simulator worker', () => {
  const loaded = records().filter((r) => r.api === 'recorder.loaded');
  assert.ok(loaded.some((r) => r.thread === 0), JSON.stringify(loaded));
  assert.ok(loaded.some((r) => r.thread !== 0), `no worker thread loaded the recorder: ${JSON.stringify(loaded)}`);
  assert.ok(!records().some((r) => r.api.startsWith('unwrappable')), JSON.stringify(records().filter((r) => r.api.startsWith('unwrappable'))));
});

test('no network, no DNS, no other program: nothing but the recorder marks', () => {
  const outward = records().filter((r) => /^(net|tls|http|https|dns|dgram|child_process|globalThis)/.test(r.api));
  assert.deepEqual(outward, []);
});

test('nothing in the workspace was written, created, renamed or removed; no workspace/applyEdit was sent', () => {
  // Writes elsewhere are allowed (the fact cache lives outside every workspace); writes by file
  // descriptor follow an open that the recorder logged with its path, which is what is judged here.
  const writes = records().filter((r) => r.api !== 'recorder.loaded' && /^fs/.test(r.api));
  assert.deepEqual(
    writes.filter((w) => w.target !== undefined && path.resolve(w.target).startsWith(dir)),
    [],
    `writes: ${JSON.stringify(writes)}`,
  );
  assert.deepEqual(snapshot(dir), before_);
  assert.deepEqual(editRequests, []);
});

/** Lines of the TypeScript sources under `bases` that match `pattern`, as `file:line: text`. */
function sourceLinesMatching(bases: readonly string[], pattern: RegExp): string[] {
  const offenders: string[] = [];
  for (const base of bases) {
    for (const entry of fs.readdirSync(path.join(ROOT, base), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.ts$/.test(entry.name)) continue;
      const p = path.join(entry.parentPath, entry.name);
      fs.readFileSync(p, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (pattern.test(text)) offenders.push(`${path.relative(ROOT, p)}:${i + 1}: ${text.trim()}`);
        });
    }
  }
  return offenders;
}

test('no server or client source imports a network or process module, or calls fetch', () => {
  const network = /\bfrom '(node:)?(child_process|net|tls|http|https|http2|dns|dgram|undici)'|require\('(node:)?(child_process|net|tls|http|https|http2|dns|dgram)'\)|\bfetch\(|new WebSocket\b|XMLHttpRequest/;
  assert.deepEqual(sourceLinesMatching(['server/src', 'client/src', 'client/media'], network), []);
});

test('the extension has no code path that edits, saves or writes a file', () => {
  // Quick fixes would come from the server as code actions the user picks; the client itself never edits.
  const writes = /applyEdit|WorkspaceEdit|workspace\.fs\.|writeFile|\.save\(\)|from '(node:)?fs'/;
  assert.deepEqual(sourceLinesMatching(['client/src', 'client/media'], writes), []);
});
