/**
 * The language server end to end: `irqlens lsp --stdio` on a temporary copy of the DTrace
 * deadman example, driven by a real JSON-RPC client. The tests run in order and share one
 * server, as an editor session would.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type {
  CallHierarchyIncomingCall,
  CallHierarchyItem,
  CodeAction,
  CodeLens,
  Diagnostic,
  Hover,
  Location,
  MarkupContent,
  WorkDoneProgressReport,
} from 'vscode-languageserver-protocol';
import type { FindingInfo, SimulateResult } from '../server/src/lsp/protocol';
import { ROOT } from './support/fixtures';
import { LspTestClient, uriOf } from './support/lspClient';

const EXAMPLE = path.join(ROOT, 'examples', 'dtrace-deadman');
let dir: string;
let client: LspTestClient;
const file = (rel: string): string => path.join(dir, rel);

/** Zero-based line of the first line containing `text`. */
function lineOf(rel: string, text: string): { line: number; character: number } {
  const lines = fs.readFileSync(file(rel), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  assert.ok(line >= 0, `${text} not in ${rel}`);
  return { line, character: lines[line].indexOf(text) };
}

async function open(rel: string): Promise<void> {
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: uriOf(file(rel)), languageId: 'c', version: 1, text: fs.readFileSync(file(rel), 'utf8') },
  });
}

const seed = (): Diagnostic | undefined => client.diagnosticsOf(file('common/dtrace_xcall.c')).find((d) => d.message.startsWith('smp_call_function()'));

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-lsp-'));
  fs.cpSync(EXAMPLE, dir, { recursive: true });
  client = new LspTestClient();
});

after(() => {
  client.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('initialize advertises the features and the simulate command', async () => {
  const { capabilities } = await client.initialize(dir);
  for (const c of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'callHierarchyProvider', 'codeActionProvider', 'codeLensProvider']) assert.ok(capabilities[c], c);
  assert.deepEqual((capabilities.executeCommandProvider as { commands: string[] }).commands, ['irqlens.simulate']);
});

test('indexing reports work-done progress in files done / total, then ends', async () => {
  await client.waitFor('progress end', () => client.progress.some((p) => p.kind === 'end'));
  assert.equal(client.progress[0].kind, 'begin');
  const reports = client.progress.filter((p): p is WorkDoneProgressReport => p.kind === 'report');
  assert.ok(reports.some((r) => /^\d+\/\d+ files$/.test(r.message ?? '')), JSON.stringify(reports));
  assert.ok(client.registrations.includes('workspace/didChangeWatchedFiles'));
});

test('the seed finding is published at the smp_call_function() token with every witness hop', async () => {
  const d = await client.waitFor('seed diagnostic', seed);
  assert.equal(d.source, 'irqlens');
  assert.equal(d.code, 'xcall-in-atomic');
  assert.equal(d.severity, 1);
  assert.match(d.message, /smp_call_function\(\) may run in hardirq context \(hrtimer callback be_callback/);
  const at = lineOf('common/dtrace_xcall.c', 'smp_call_function(');
  assert.deepEqual(d.range, { start: at, end: { line: at.line, character: at.character + 'smp_call_function'.length } });
  const related = d.relatedInformation ?? [];
  const hops = related.map((r) => `${path.relative(dir, new URL(r.location.uri).pathname)}: ${r.message}`);
  assert.match(hops[0], /^common\/cyclic\.c: entry in be_callback\(\)/);
  assert.ok(hops.some((h) => /^common\/cyclic\.c: call through a function pointer in be_callback\(\)/.test(h)), hops.join('\n'));
  assert.ok(hops.some((h) => /^buggy\/dtrace_state\.c: call in dtrace_state_deadman\(\)/.test(h)), hops.join('\n'));
  assert.match(hops[hops.length - 1], /^common\/dtrace_xcall\.c: forbidden call in orig_dtrace_xcall\(\)/);
  // The indirect hop also points at the store that made it, on the stored function's name.
  const store = lineOf('buggy/dtrace_state.c', 'dtrace_state_deadman;');
  const stored = related.find((r) => r.message === 'the function pointer called in be_callback() was stored here');
  assert.ok(stored, hops.join('\n'));
  assert.equal(stored.location.uri, uriOf(file('buggy/dtrace_state.c')));
  assert.deepEqual(stored.location.range, { start: store, end: { line: store.line, character: store.character + 'dtrace_state_deadman'.length } });
  assert.deepEqual((d.data as { findingId: string }).findingId.split(':')[0], 'xcall-in-atomic');
});

test('hover on dtrace_sync names hardirq and the be_callback entry, and the state at the call', async () => {
  await open('buggy/dtrace_state.c');
  const at = lineOf('buggy/dtrace_state.c', 'dtrace_sync();');
  const h = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf(file('buggy/dtrace_state.c')) }, position: at });
  assert.ok(h);
  const text = (h.contents as MarkupContent).value;
  assert.match(text, /hardirq/);
  assert.match(text, /be\\_callback/);
  assert.match(text, /At this call to dtrace\\_sync\(\)\*\* in dtrace\\_state\\_deadman/);
  assert.match(text, /\*\*hardirq context\*\*: IRQs off, no locks taken in this function, not preemptible \\\(hardirq\\\)/);
  assert.match(text, /forbidden there: synchronous cross\\-CPU calls/);
  assert.match(text, /chain: be\\_callback → \(function pointer\) dtrace\\_state\\_deadman → dtrace\\_sync\n/);
});

test('hover escapes Markdown and HTML from C names and configuration notes', async () => {
  const rel = 'common/evil.c';
  const config = file('.irqlens.json');
  fs.writeFileSync(config, JSON.stringify({ entryPoints: [{ function: 'evil_entry', context: 'hardirq', note: '<img src=x onerror=alert(1)> [x](y) *b*' }] }));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(config), type: 1 }] });
  const text = 'static void a_b(void) { }\nvoid evil_entry(void) { a_b(); }\n';
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(file(rel)), languageId: 'c', version: 1, text } });
  const h = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf(file(rel)) }, position: { line: 1, character: 25 } });
  assert.ok(h);
  const value = (h.contents as MarkupContent).value;
  assert.match(value, /a\\_b/);
  assert.match(value, /&lt;img src=x onerror=alert\\\(1\\\)&gt; \\\[x\\\]\\\(y\\\) \\\*b\\\*/);
  assert.doesNotMatch(value, /<img|[^\\]a_b/);
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(file(rel)) } });
  fs.rmSync(config);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(config), type: 3 }] });
});

test('code action on the finding: "Simulate this path", running irqlens.simulate with the finding id', async () => {
  const d = await client.waitFor('seed diagnostic', seed);
  const actions = await client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri: uriOf(file('common/dtrace_xcall.c')) },
    range: d.range,
    context: { diagnostics: [d] },
  });
  assert.deepEqual(
    actions.map((a) => a.title),
    ['Simulate this path'],
  );
  assert.equal(actions[0].command?.command, 'irqlens.simulate');
  assert.deepEqual(actions[0].command?.arguments, [{ findingId: (d.data as { findingId: string }).findingId }]);
});

test('executeCommand irqlens.simulate returns the simulator verdict for the finding', async () => {
  const d = await client.waitFor('seed diagnostic', seed);
  const findingId = (d.data as { findingId: string }).findingId;
  const r = await client.connection.sendRequest<SimulateResult>('workspace/executeCommand', { command: 'irqlens.simulate', arguments: [{ findingId }] });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.findingId, findingId);
  assert.equal(r.finding.callee, 'smp_call_function');
  assert.equal(r.cpus, 2);
  assert.equal(r.simulation.verdict.kind, 'deadlock', r.simulation.verdict.summary);
  assert.ok(r.simulation.trace && r.simulation.trace.steps.length > 0);
  const unknown = await client.connection.sendRequest<SimulateResult>('workspace/executeCommand', { command: 'irqlens.simulate', arguments: [{ findingId: 'nope' }] });
  assert.equal(unknown.ok, false);
});

test('incoming calls of dtrace_state_deadman include be_callback, marked as through a function pointer', async () => {
  const at = lineOf('buggy/dtrace_state.c', 'dtrace_state_deadman(dtrace_state_t');
  const items = await client.connection.sendRequest<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', {
    textDocument: { uri: uriOf(file('buggy/dtrace_state.c')) },
    position: at,
  });
  assert.equal(items.length, 1);
  assert.equal(items[0].name, 'dtrace_state_deadman');
  const incoming = await client.connection.sendRequest<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item: items[0] });
  const be = incoming.find((c) => c.from.name === 'be_callback');
  assert.ok(be, JSON.stringify(incoming));
  assert.match(be.from.detail ?? '', /^via function pointer: hdlr\.cyh_func = \(cyc_func_t\)dtrace_state_deadman, dtrace_state\.c:\d+$/);
  const outgoing = await client.connection.sendRequest<Array<{ to: CallHierarchyItem }>>('callHierarchy/outgoingCalls', { item: items[0] });
  assert.ok(outgoing.some((c) => c.to.name === 'dtrace_sync'));
});

test('go to definition and references of dtrace_sync', async () => {
  const at = lineOf('buggy/dtrace_state.c', 'dtrace_sync();');
  const defs = await client.connection.sendRequest<Location[]>('textDocument/definition', { textDocument: { uri: uriOf(file('buggy/dtrace_state.c')) }, position: at });
  assert.deepEqual(
    defs.map((l) => [new URL(l.uri).pathname, l.range.start.line]),
    [[file('common/dtrace_xcall.c'), lineOf('common/dtrace_xcall.c', 'dtrace_sync(void)').line]],
  );
  const refs = await client.connection.sendRequest<Location[]>('textDocument/references', {
    textDocument: { uri: uriOf(file('buggy/dtrace_state.c')) },
    position: at,
    context: { includeDeclaration: false },
  });
  assert.ok(refs.some((l) => new URL(l.uri).pathname === file('buggy/dtrace_state.c') && l.range.start.line === at.line));
});

test('code lens marks the hrtimer entry point and the function with findings', async () => {
  await open('common/cyclic.c');
  const lenses = await client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uriOf(file('common/cyclic.c')) } });
  const titles = lenses.map((l) => l.command?.title ?? '');
  assert.ok(titles.some((t) => /^hardirq entry: hrtimer callback be_callback, .* at cyclic\.c:\d+$/.test(t)), titles.join('\n'));
  const xcall = await client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uriOf(file('common/dtrace_xcall.c')) } });
  // dtrace_sync() passes DTRACE_CPUALL: the smp_call_function_single() branch is not taken.
  assert.ok(xcall.some((l) => /^irqlens: 1 finding: smp_call_function\(\) in hardirq/.test(l.command?.title ?? '')));
});

test('didChange: adding msleep() to be_callback raises a finding, undoing the edit clears it', async () => {
  const uri = uriOf(file('common/cyclic.c'));
  const at = lineOf('common/cyclic.c', 'hrtimer_forward_now(timer');
  const start = { line: at.line, character: 0 };
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start, end: start }, text: '\tmsleep(1);\n' }],
  });
  const sleep = await client.waitFor('msleep finding', () => client.diagnosticsOf(file('common/cyclic.c')).find((d) => d.code === 'sleep-in-atomic'));
  assert.match(sleep.message, /^msleep\(\) may run in hardirq context/);
  assert.equal(sleep.range.start.line, at.line);
  // The seed finding elsewhere is unaffected by the edit.
  assert.ok(seed());
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 3 },
    contentChanges: [{ range: { start, end: { line: at.line + 1, character: 0 } }, text: '' }],
  });
  await client.waitFor('msleep finding cleared', () => client.diagnosticsOf(file('common/cyclic.c')).length === 0);
  assert.ok(seed());
});

test('didChange: new lines above the entry move its finding and the witness hops in another file, republished with the version', async () => {
  const uri = uriOf(file('common/cyclic.c'));
  const hopInCyclic = (): number | undefined => seed()?.relatedInformation?.find((r) => r.location.uri === uri)?.location.range.start.line;
  const before = hopInCyclic();
  assert.ok(before !== undefined, 'the seed witness passes through cyclic.c');
  const top = { line: 0, character: 0 };
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 4 },
    contentChanges: [{ range: { start: top, end: top }, text: '/* two new\n   lines */\n' }],
  });
  // The edited file has no findings of its own, yet it is answered for its new version.
  await client.waitFor('cyclic.c answered for version 4', () => client.diagnosticVersions.get(uri) === 4);
  assert.deepEqual(client.diagnosticsOf(file('common/cyclic.c')), []);
  await client.waitFor('seed witness moved', () => hopInCyclic() === before + 2);
  // Only positions moved: the server moved the previous analysis instead of redoing it.
  assert.ok(client.logs.some((l) => l.includes('positions moved, analysis reused')), client.logs.join('\n'));
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 5 },
    contentChanges: [{ range: { start: top, end: { line: 2, character: 0 } }, text: '' }],
  });
  await client.waitFor('cyclic.c answered for version 5', () => client.diagnosticVersions.get(uri) === 5);
  await client.waitFor('seed witness back', () => hopInCyclic() === before);
});

test('didChangeWatchedFiles: a new file on disk is analysed, and its diagnostics go when it is deleted', async () => {
  const rel = 'common/newirq.c';
  fs.writeFileSync(
    file(rel),
    [
      '#include <linux/interrupt.h>',
      'static irqreturn_t new_handler(int irq, void *dev)',
      '{',
      '\tmsleep(10);',
      '\treturn IRQ_HANDLED;',
      '}',
      'int new_init(void)',
      '{',
      '\treturn request_irq(1, new_handler, 0, "new", NULL);',
      '}',
      '',
    ].join('\n'),
  );
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(file(rel)), type: 1 }] });
  const d = await client.waitFor('new file finding', () => client.diagnosticsOf(file(rel)).find((x) => x.code === 'sleep-in-atomic'));
  assert.match(d.message, /^msleep\(\) may run in hardirq context/);
  fs.rmSync(file(rel));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(file(rel)), type: 3 }] });
  await client.waitFor('new file diagnostics cleared', () => client.diagnostics.has(uriOf(file(rel))) && client.diagnosticsOf(file(rel)).length === 0);
});

test('an invalid .irqlens.json is reported at its JSON path and the analysis goes on with defaults', async () => {
  const config = file('.irqlens.json');
  fs.writeFileSync(config, '{\n  "entryPoints": [\n    { "function": "be_callback", "context": "interrupt" }\n  ]\n}\n');
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(config), type: 1 }] });
  const d = await client.waitFor('config diagnostic', () => client.diagnosticsOf(config)[0]);
  assert.match(d.message, /^\$\.entryPoints\[0\]\.context: expected one of/);
  assert.equal(d.range.start.line, 2);
  assert.ok(seed());
  fs.rmSync(config);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(config), type: 3 }] });
  await client.waitFor('config diagnostic cleared', () => client.diagnosticsOf(config).length === 0);
});

test('settings: turning a rule off clears its findings; turning it back on restores them', async () => {
  client.settings = { rules: { 'xcall-in-atomic': false } };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  await client.waitFor('xcall findings cleared', () => seed() === undefined);
  client.settings = {};
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  await client.waitFor('xcall findings back', seed);
});

test('the findings request lists the workspace findings with their witness paths', async () => {
  const all = await client.connection.sendRequest<FindingInfo[]>('irqlens/findings', {});
  const f = all.find((x) => x.callee === 'smp_call_function');
  assert.ok(f);
  assert.equal(f.path[0].kind, 'entry');
  assert.equal(f.uri, uriOf(file('common/dtrace_xcall.c')));
});

test('bad input gets empty answers and the server keeps serving', async () => {
  const outside = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf('/etc/hosts.c') }, position: { line: 0, character: 0 } });
  assert.equal(outside, null);
  const notFile = await client.connection.sendRequest<Location[]>('textDocument/definition', { textDocument: { uri: 'untitled:Untitled-1' }, position: { line: 0, character: 0 } });
  assert.deepEqual(notFile, []);
  const past = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf(file('buggy/dtrace_state.c')) }, position: { line: 9999, character: 3 } });
  assert.equal(past, null);
  const badItem = await client.connection.sendRequest<unknown[]>('callHierarchy/incomingCalls', { item: { name: 'x', uri: 'file:///nowhere.c', data: 42 } });
  assert.deepEqual(badItem, []);
  const badArgs = await client.connection.sendRequest<SimulateResult>('workspace/executeCommand', { command: 'irqlens.simulate', arguments: [7] });
  assert.equal(badArgs.ok, false);
  assert.ok(seed());
});

test('a workspace folder added later is indexed, and its diagnostics go when it is removed', async () => {
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-lsp-folder-'));
  try {
    const c = path.join(other, 'drv.c');
    fs.writeFileSync(c, 'static irqreturn_t h(int irq, void *d)\n{\n\tmsleep(1);\n\treturn IRQ_HANDLED;\n}\nint probe(void) { return request_irq(3, h, 0, "d", 0); }\n');
    const folder = { uri: uriOf(other), name: 'other' };
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [folder], removed: [] } });
    await client.waitFor('finding in the added folder', () => client.diagnosticsOf(c).find((d) => d.code === 'sleep-in-atomic'));
    assert.ok(seed());
    await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [folder] } });
    await client.waitFor('added folder cleared', () => client.diagnostics.has(uriOf(c)) && client.diagnosticsOf(c).length === 0);
    assert.ok(seed());
  } finally {
    fs.rmSync(other, { recursive: true, force: true });
  }
});

test('shutdown and exit end the process cleanly', async () => {
  await client.connection.sendRequest('shutdown');
  await client.connection.sendNotification('exit');
  assert.equal(await client.exited(), 0);
});
