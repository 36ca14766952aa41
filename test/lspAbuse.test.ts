/**
 * The language server under abuse, over real stdio: malformed frames, unknown methods,
 * wrong parameter types, files that do not exist or lie outside the workspace, 1,000 rapid
 * edits, 500 open/close cycles, cancellation of every long request, and a simulation whose
 * state space explodes. After each, the server still answers, and the diagnostics it
 * publishes are those of the final text. Order matters (one session, as in an editor);
 * nothing is timed: waits end on a notification, with a guard only against a hang.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { CallHierarchyItem, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { analyze } from '../server/src/analysis';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../server/src/kernel';
import { FrameSplitter, MAX_FRAME_BYTES } from '../server/src/lsp/frames';
import { runSimJob } from '../server/src/lsp/simJob';
import { Symbols } from '../server/src/analysis/symbols';
import { buildScenario, simulate, type FactsLookup } from '../server/src/sim';
import { factsFromText } from '../server/src/syntax';
import { parser } from './support/fixtures';
import type { FindingInfo, SimulateResult } from '../server/src/lsp/protocol';
import { LspTestClient, uriOf } from './support/lspClient';

const REQUEST_CANCELLED = -32800;
const METHOD_NOT_FOUND = -32601;
const GENERATED = 300;

/** The edited driver: line 3 is the one the edits rewrite. */
const DRV = (line3: string): string =>
  ['#include <linux/interrupt.h>', 'static irqreturn_t drv_irq(int irq, void *dev)', '{', line3, '\treturn IRQ_HANDLED;', '}', 'int drv_probe(void) { return request_irq(1, drv_irq, 0, "drv", 0); }', ''].join('\n');

/** A hardirq path to smp_call_function that may fire on every CPU, with branches and locks on the way: on 8 CPUs no search finishes. */
const EXPLODE = [
  '#include <linux/hrtimer.h>',
  'struct dev { spinlock_t a, b; int x, y; struct hrtimer timer; };',
  'static void sync_func(void *info) { struct dev *dev = info; if (dev->x) dev->y = 1; if (dev->y) dev->x = 0; }',
  'static enum hrtimer_restart dev_timer(struct hrtimer *t)',
  '{',
  '\tstruct dev *dev = container_of(t, struct dev, timer);',
  '\tif (dev->x) { spin_lock(&dev->a); dev->y = 2; spin_unlock(&dev->a); }',
  '\tif (dev->y) { spin_lock(&dev->b); dev->x = 2; spin_unlock(&dev->b); }',
  '\tif (dev->x) { spin_lock(&dev->a); dev->y = 3; spin_unlock(&dev->a); }',
  '\tsmp_call_function(sync_func, dev, 1);',
  '\treturn HRTIMER_NORESTART;',
  '}',
  'void dev_init(struct dev *dev) { hrtimer_init(&dev->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL); dev->timer.function = dev_timer; }',
  '',
].join('\n');

let dir: string;
let client: LspTestClient;
const file = (rel: string): string => path.join(dir, rel);
const rpc = () => client.connection;

async function hoverAt(rel: string, line: number, character: number): Promise<Hover | null> {
  return rpc().sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf(file(rel)) }, position: { line, character } });
}

/** The hover on drv_irq's name: proof the server still answers, with analysis behind it. */
async function assertStillServing(): Promise<void> {
  const h = await hoverAt('drv.c', 1, 20);
  assert.ok(h, 'hover on drv_irq answered');
  assert.match((h.contents as MarkupContent).value, /hardirq/);
}

/** Sends a request and cancels it at once; resolves to 'cancelled' or the result. */
async function sendAndCancel<R>(method: string, params: unknown): Promise<'cancelled' | R> {
  const source = new CancellationTokenSource();
  const pending = rpc().sendRequest<R>(method, params, source.token);
  source.cancel();
  try {
    return await pending;
  } catch (err) {
    assert.ok(err instanceof ResponseError, String(err));
    assert.equal(err.code, REQUEST_CANCELLED, err.message);
    return 'cancelled';
  }
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-abuse-'));
  fs.writeFileSync(file('drv.c'), DRV('\tudelay(1);'));
  fs.writeFileSync(file('explode.c'), EXPLODE);
  fs.mkdirSync(file('gen'));
  // Enough files that requests sent at once arrive while the index is still being built.
  for (let i = 0; i < GENERATED; i++) fs.writeFileSync(file(`gen/g${i}.c`), `int g${i}(int x)\n{\n\treturn x + ${i};\n}\n`);
  client = new LspTestClient();
  client.settings = { simulation: { cpus: 8, timeLimitSeconds: 2 } };
});

after(() => {
  client.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the frame splitter drops malformed headers and oversized lengths, and reads the frames after them', () => {
  const ok = (s: string): string => `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`;
  const cases: Array<[string, string[], boolean]> = [
    [ok('{"a":1}') + ok('{"b":2}'), ['{"a":1}', '{"b":2}'], false],
    ['Content-Length: abc\r\n\r\n{"x":0}' + ok('{"a":1}'), ['{"a":1}'], true],
    ['X-Foo: 1\r\n\r\n' + ok('{"a":1}'), ['{"a":1}'], true],
    [`Content-Length: ${MAX_FRAME_BYTES + 1}\r\n\r\n{}` + ok('{"a":1}'), ['{"a":1}'], true],
    ['garbage without a header end' + ok('{"a":1}'), ['{"a":1}'], true],
    ['content-length: 7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{"a":1}', ['{"a":1}'], false],
  ];
  for (const [input, frames, drops] of cases) {
    // Byte by byte as well as whole: a header or body split across chunks must not matter.
    for (const chunks of [[Buffer.from(input)], [...Buffer.from(input)].map((b) => Buffer.from([b]))]) {
      const splitter = new FrameSplitter();
      const out = chunks.map((c) => splitter.push(c));
      const dropped = out.flatMap((o) => o.dropped);
      assert.deepEqual(
        out.flatMap((o) => o.frames.map((f) => f.toString())),
        frames,
        JSON.stringify(input),
      );
      assert.equal(dropped.length > 0, drops, `${JSON.stringify(input)}: ${dropped.join('; ')}`);
    }
  }
});

test('the same exploding job stops at its memory estimate, with a verdict that says so', () => {
  const files = [factsFromText(parser(), '/ws/explode.c', EXPLODE)];
  const finding = analyze(files, new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG)).findings.find((f) => f.callee === 'smp_call_function');
  assert.ok(finding);
  const r = runSimJob({ finding, files, config: EMPTY_CONFIG, cpus: 8, timeLimitMs: 600_000, maxMemoryBytes: 4 * 1024 * 1024 });
  assert.ok(r.ok, r.ok ? '' : r.error);
  const after = r.whatIf?.after;
  assert.ok(after);
  assert.equal(after.verdict.kind, 'no-deadlock');
  assert.equal(after.verdict.exhaustive, false);
  assert.equal(after.verdict.limit, 'memory');
});

test('the memory estimate the explorer stops at is within 3x of the live heap it really grew', () => {
  // The exploding job's deferred variant, searched with a clock that, every 1,024 states
  // (when the explorer checks its limits), collects garbage and reads the live heap.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const files = [factsFromText(parser(), '/ws/explode.c', EXPLODE)];
  const finding = analyze(files, new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG)).findings.find((f) => f.callee === 'smp_call_function');
  assert.ok(finding);
  const symbols = new Symbols(files);
  const lookup: FactsLookup = (name, fromFile) => symbols.resolve(name, fromFile).map((d) => ({ file: d.file, fn: d.facts }));
  const built = buildScenario(finding, lookup, { kernel: new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG), cpus: 8, whatIf: 'workqueue' });
  assert.ok(built.ok, built.ok ? '' : built.error);
  const limit = 16 * 1024 * 1024;
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  const sampled = (): number => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    return 0;
  };
  const r = simulate(built.scenario, { maxMemoryBytes: limit, now: sampled });
  assert.equal(r.verdict.limit, 'memory');
  assert.equal(r.verdict.exhaustive, false);
  // Measured 0.93–1.18x; counting the visited set alone gave 5x, so a 10x error fails either bound.
  assert.ok(peak > limit / 3 && peak < limit * 3, `live heap grew ${(peak / 1048576).toFixed(1)} MiB against a ${limit / 1048576} MiB estimate`);
});

test('requests during indexing, cancelled at once, get RequestCancelled or a result', async () => {
  await client.initialize(dir);
  // Sent before the index of the generated files can have finished.
  const hover = await sendAndCancel<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf(file('drv.c')) }, position: { line: 1, character: 20 } });
  assert.ok(hover === 'cancelled' || hover === null || typeof hover === 'object');
  const findings = await sendAndCancel<FindingInfo[]>('irqlens/findings', {});
  assert.ok(findings === 'cancelled' || Array.isArray(findings));
  await client.waitFor('index end', () => client.progress.some((p) => p.kind === 'end'));
  await assertStillServing();
});

test('malformed frames on stdin are dropped and the server reads on', async () => {
  await client.writeRaw(Buffer.from('Content-Length: abc\r\n\r\n{"jsonrpc":"2.0","id":900,"method":"shutdown"}'));
  await client.writeRaw(Buffer.from('X-Nonsense: 1\r\n\r\n'));
  await client.writeRaw(Buffer.from('Content-Length: 10\r\n\r\n{not json}'));
  await client.writeRaw(Buffer.from('Content-Length: 99999999999\r\n\r\n{}'));
  await client.writeRaw(Buffer.from('\u0000\u0001 binary noise \r\n'));
  // Cancellations without params, queued behind a notification in one write: vscode-jsonrpc
  // throws on them as it takes them, which must not end the process.
  const frame = (m: object): string => {
    const body = JSON.stringify(m);
    return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const held = { jsonrpc: '2.0', method: 'textDocument/didClose', params: { textDocument: { uri: uriOf(file('never-opened.c')) } } };
  await client.writeRaw(Buffer.from(frame(held) + frame({ jsonrpc: '2.0', method: '$/cancelRequest' }) + frame({ jsonrpc: '2.0', method: '$/cancelRequest', params: null })));
  await assertStillServing();
  assert.match(client.stderrText, /malformed input: a message the connection could not take was dropped/);
  // A huge but well-formed frame: a 17 MB buffer, over the syntax layer's 16 MiB cap, is skipped, not parsed.
  const big = uriOf(file('big.c'));
  const text = DRV('\tmsleep(1);') + `/*${'x'.repeat(17 * 1024 * 1024)}*/\n`;
  await rpc().sendNotification('textDocument/didOpen', { textDocument: { uri: big, languageId: 'c', version: 1, text } });
  await assertStillServing();
  assert.deepEqual(await rpc().sendRequest('irqlens/findings', { uri: big }), []);
  await rpc().sendNotification('textDocument/didClose', { textDocument: { uri: big } });
  assert.match(client.stderrText, /malformed input: Content-Length "abc" is not a number/);
  assert.match(client.stderrText, /malformed input: Content-Length 99999999999 exceeds/);
});

test('valid JSON with wrong parameter types gets an answer, never a hang or a crash', async () => {
  const requests: Array<[string, unknown]> = [
    ['textDocument/hover', { textDocument: 7, position: 'x' }],
    ['textDocument/hover', { textDocument: { uri: 42 }, position: { line: -1, character: 1e12 } }],
    ['textDocument/definition', { textDocument: { uri: 'file:///%E0%A4%A' }, position: { line: 0, character: 0 } }],
    ['textDocument/references', { textDocument: { uri: uriOf(file('drv.c')) }, position: { line: 1, character: 20 } }],
    ['textDocument/codeAction', { textDocument: { uri: uriOf(file('drv.c')) }, range: null, context: { diagnostics: 'none' } }],
    ['textDocument/prepareCallHierarchy', { textDocument: { uri: uriOf(file('drv.c')) }, position: null }],
    ['callHierarchy/outgoingCalls', { item: { name: 5, uri: [], range: 'r' } }],
    ['irqlens/simulate', { findingId: { not: 'a string' }, cpus: 'many' }],
    ['irqlens/findings', { uri: 12 }],
    ['workspace/executeCommand', { command: 'rm -rf /', arguments: ['x'] }],
  ];
  for (const [method, params] of requests) {
    // An answer of any kind, result or error, is what is asked: the server must not hang or die.
    await rpc().sendRequest(method, params).catch((err: unknown) => assert.ok(err instanceof ResponseError, `${method}: ${String(err)}`));
  }
  await rpc().sendNotification('textDocument/didOpen', { textDocument: { uri: 42 } });
  await rpc().sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(file('never-opened.c')), version: 2 }, contentChanges: [{ range: 5, text: 3 }] });
  await rpc().sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(file('never-opened.c')) } });
  await rpc().sendNotification('workspace/didChangeWatchedFiles', { changes: 'all of them' });
  await assertStillServing();
});

test('unknown requests get MethodNotFound; unknown notifications are ignored', async () => {
  await assert.rejects(rpc().sendRequest('irqlens/doesNotExist', {}), (err: unknown) => err instanceof ResponseError && err.code === METHOD_NOT_FOUND);
  await assert.rejects(rpc().sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: uriOf(file('drv.c')) } }), (err: unknown) => err instanceof ResponseError && err.code === METHOD_NOT_FOUND);
  await rpc().sendNotification('irqlens/doesNotExist', { a: 1 });
  await rpc().sendNotification('$/somethingOptional', {});
  await assertStillServing();
});

test('missing files and files outside the workspace get empty answers and no diagnostics', async () => {
  const outsideDir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-outside-'));
  try {
    const outside = path.join(outsideDir, 'evil.c');
    // Outside the workspace, also spelled with `..` from inside it.
    const escaped = `${uriOf(dir)}/../${path.basename(outsideDir)}/evil.c`;
    const text = DRV('\tmsleep(1);');
    await rpc().sendNotification('textDocument/didOpen', { textDocument: { uri: escaped, languageId: 'c', version: 1, text } });
    assert.equal(await rpc().sendRequest('textDocument/hover', { textDocument: { uri: uriOf(outside) }, position: { line: 1, character: 20 } }), null);
    assert.equal(await rpc().sendRequest('textDocument/hover', { textDocument: { uri: escaped }, position: { line: 1, character: 20 } }), null);
    assert.deepEqual(await rpc().sendRequest('textDocument/definition', { textDocument: { uri: uriOf(file('missing.c')) }, position: { line: 0, character: 0 } }), []);
    assert.deepEqual(await rpc().sendRequest('irqlens/findings', { uri: uriOf(file('missing.c')) }), []);
    assert.deepEqual(await rpc().sendRequest('irqlens/findings', { uri: escaped }), []);
    await rpc().sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(outside), type: 1 }, { uri: uriOf(file('missing.c')), type: 3 }] });
    await assertStillServing();
    // A publish after the outside file was opened: none of it is about that file.
    const findings = await rpc().sendRequest<FindingInfo[]>('irqlens/findings', {});
    assert.ok(findings.every((f) => new URL(f.uri).pathname.startsWith(dir)), JSON.stringify(findings.map((f) => f.uri)));
    assert.equal(client.diagnosticsOf(outside).length, 0);
  } finally {
    fs.rmSync(outsideDir, { recursive: true, force: true });
  }
});

test('1,000 rapid edits: the diagnostics are those of the final text', async () => {
  const uri = uriOf(file('drv.c'));
  await rpc().sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: DRV('\tudelay(1);') } });
  let version = 1;
  const setLine3 = (text: string): Promise<void> => {
    version++;
    const line = 3;
    return rpc().sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 10_000 } }, text }],
    });
  };
  // No intermediate text has a finding; the last one sleeps in the handler.
  for (let i = 0; i < 999; i++) await setLine3(`\tudelay(${i});`);
  await setLine3('\tmsleep(1000);');
  const d = await client.waitFor('the final text\'s msleep finding', () => client.diagnosticsOf(file('drv.c')).find((x) => x.code === 'sleep-in-atomic'));
  assert.match(d.message, /^msleep\(\) may run in hardirq context/);
  assert.equal(d.range.start.line, 3);
  // Now every intermediate text has a finding (on a line that moves), and the last has none.
  for (let i = 0; i < 999; i++) await setLine3(`${'\t'.repeat(1 + (i % 5))}mutex_lock(&m${i});`);
  await setLine3('\treturn IRQ_HANDLED; /* done */');
  await client.waitFor('no findings for the final text', () => client.diagnosticsOf(file('drv.c')).length === 0);
  const h = await hoverAt('drv.c', 1, 20);
  assert.ok(h);
});

test('a burst of edits read in one chunk is parsed once, for its last text', async () => {
  const uri = uriOf(file('drv.c'));
  const frame = (message: unknown): string => {
    const body = JSON.stringify(message);
    return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const texts = [...Array.from({ length: 19 }, (_, i) => `\tudelay(${i});`), '\tmsleep(7);'];
  const burst = texts.map((text, i) =>
    frame({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri, version: 5000 + i }, contentChanges: [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 10_000 } }, text }] } }),
  );
  const logsBefore = client.logs.length;
  await client.writeRaw(Buffer.from(burst.join('')));
  const d = await client.waitFor('the burst\'s last finding', () => client.diagnosticsOf(file('drv.c')).find((x) => x.code === 'sleep-in-atomic' && /^msleep/.test(x.message) && x.range.end.character === 7));
  assert.equal(d.range.start.line, 3);
  const parsed = client.logs
    .slice(logsBefore)
    .map((l) => /re-parsed (\d+) files/.exec(l)?.[1])
    .filter((n) => n !== undefined)
    .map(Number);
  // Without the coalescing every one of the 20 texts was parsed.
  assert.ok(parsed.length > 0 && parsed.reduce((a, b) => a + b, 0) <= 2, `re-parsed per analysis: ${parsed.join(', ')}`);
});

test('500 files opened and closed: none keeps diagnostics, and the server still serves', async () => {
  const rels = Array.from({ length: 500 }, (_, i) => `cycle/c${i}.c`);
  for (const rel of rels) {
    const uri = uriOf(file(rel));
    await rpc().sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: DRV('\tmsleep(5);') } });
    await rpc().sendNotification('textDocument/didClose', { textDocument: { uri } });
  }
  // One more open keeps a finding, so a publish that includes the 500 closes must come.
  const kept = 'cycle/kept.c';
  await rpc().sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(file(kept)), languageId: 'c', version: 1, text: DRV('\tmsleep(6);') } });
  await client.waitFor('the kept file\'s finding', () => client.diagnosticsOf(file(kept)).find((x) => x.code === 'sleep-in-atomic'));
  // A publication sends its new findings before its clears: wait for the clears of the same one.
  await client.waitFor('none of the 500 keeps diagnostics', () => rels.every((rel) => client.diagnosticsOf(file(rel)).length === 0));
  await rpc().sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(file(kept)) } });
  await client.waitFor('the kept file cleared', () => client.diagnostics.has(uriOf(file(kept))) && client.diagnosticsOf(file(kept)).length === 0);
  await assertStillServing();
});

test('HTML, script and javascript: links in a file name, strings and comments stay escaped text in every hover', async () => {
  const rel = '<img src=x onerror=alert(1)> [x](javascript:alert(2)).c';
  const text = [
    '/* </script><script>alert(3)</script> [click](javascript:alert(4)) <img src=x onerror=alert(5)> */',
    '#include <linux/interrupt.h>',
    'static irqreturn_t evil_irq(int irq, void *dev)',
    '{',
    '\tpr_info("<img src=x onerror=alert(6)> [y](javascript:alert(7)) </script>");',
    '\tmsleep(1); // <b>bold</b> [z](javascript:alert(8))',
    '\treturn IRQ_HANDLED;',
    '}',
    'int evil_probe(void) { return request_irq(1, evil_irq, 0, "<script>alert(9)</script>", 0); }',
    '',
  ].join('\n');
  const uri = uriOf(file(rel));
  await rpc().sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
  const d = await client.waitFor('the finding in the oddly named file', () => client.diagnosticsOf(file(rel)).find((x) => x.code === 'sleep-in-atomic'));
  assert.match(d.message, /^msleep\(\) may run in hardirq context \(IRQ handler evil_irq/);
  const values: string[] = [];
  const lines = text.split('\n');
  for (let line = 0; line < lines.length; line++) {
    for (const m of lines[line].matchAll(/\w+/g)) {
      const h = await hoverAt(rel, line, m.index ?? 0);
      if (h) values.push((h.contents as MarkupContent).value);
    }
  }
  assert.ok(values.some((v) => /evil\\_irq/.test(v)), 'hovers were answered');
  for (const v of values) {
    assert.doesNotMatch(v, /<[a-z/!]/i, v);
    // A Markdown link or image needs an unescaped `](`.
    assert.doesNotMatch(v, /(^|[^\\])\]\(/, v);
  }
  await rpc().sendNotification('textDocument/didClose', { textDocument: { uri } });
});

test('every long request cancelled at once is answered with RequestCancelled or a result', async () => {
  const all = await rpc().sendRequest<FindingInfo[]>('irqlens/findings', {});
  const xcall = all.find((f) => f.callee === 'smp_call_function');
  assert.ok(xcall, JSON.stringify(all.map((f) => f.id)));
  const simulate = await sendAndCancel<SimulateResult>('irqlens/simulate', { findingId: xcall.id });
  assert.ok(simulate === 'cancelled' || typeof simulate.ok === 'boolean');
  const command = await sendAndCancel<SimulateResult>('workspace/executeCommand', { command: 'irqlens.simulate', arguments: [{ findingId: xcall.id }] });
  assert.ok(command === 'cancelled' || typeof command.ok === 'boolean');
  const findings = await sendAndCancel<FindingInfo[]>('irqlens/findings', {});
  assert.ok(findings === 'cancelled' || Array.isArray(findings));
  const at = { textDocument: { uri: uriOf(file('explode.c')) }, position: { line: 3, character: 30 } };
  const prepared = await sendAndCancel<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', at);
  assert.ok(prepared === 'cancelled' || Array.isArray(prepared));
  const items = await rpc().sendRequest<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', at);
  assert.equal(items[0]?.name, 'dev_timer');
  for (const method of ['callHierarchy/incomingCalls', 'callHierarchy/outgoingCalls']) {
    const calls = await sendAndCancel<unknown[]>(method, { item: items[0] });
    assert.ok(calls === 'cancelled' || Array.isArray(calls), method);
  }
  await assertStillServing();
});

test('an exploding simulation stops at its time limit with a non-exhaustive verdict, and a hover is answered first', async () => {
  const all = await rpc().sendRequest<FindingInfo[]>('irqlens/findings', {});
  const xcall = all.find((f) => f.callee === 'smp_call_function');
  assert.ok(xcall);
  const order: string[] = [];
  const simulation = rpc()
    .sendRequest<SimulateResult>('irqlens/simulate', { findingId: xcall.id })
    .then((r) => (order.push('simulate'), r));
  const hover = hoverAt('drv.c', 1, 20).then((h) => (order.push('hover'), h));
  const [r, h] = await Promise.all([simulation, hover]);
  assert.ok(h);
  assert.deepEqual(order, ['hover', 'simulate'], 'the hover did not wait for the simulation');
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.cpus, 8);
  for (const [label, run] of [['as written', r.simulation], ['deferred', r.whatIf?.after]] as const) {
    assert.ok(run, label);
    // A deadlock or warning may be found before the limit; "no deadlock" must not claim to be exhaustive.
    if (run.verdict.kind === 'no-deadlock' || run.verdict.limit !== null) {
      assert.equal(run.verdict.exhaustive, false, `${label}: ${run.verdict.summary}`);
      assert.equal(run.verdict.limit, 'time', `${label}: ${run.verdict.summary}`);
    }
  }
  assert.equal(r.whatIf?.after.verdict.kind, 'no-deadlock');
  assert.equal(r.whatIf?.after.verdict.limit, 'time');
});

test('cancelling a running simulation stops its worker', async () => {
  const all = await rpc().sendRequest<FindingInfo[]>('irqlens/findings', {});
  const xcall = all.find((f) => f.callee === 'smp_call_function');
  assert.ok(xcall);
  client.settings = { simulation: { cpus: 8, timeLimitSeconds: 300 } };
  const asked = client.configurationRequests;
  await rpc().sendNotification('workspace/didChangeConfiguration', { settings: null });
  await client.waitFor('the new settings to be read', () => client.configurationRequests > asked);
  const started = client.logs.length;
  const source = new CancellationTokenSource();
  const pending = rpc().sendRequest<SimulateResult>('irqlens/simulate', { findingId: xcall.id }, source.token);
  await client.waitFor('the simulation to start', () => client.logs.slice(started).some((l) => l.startsWith(`simulating ${xcall.id} on 8 CPUs for at most 300 s`)));
  source.cancel();
  await assert.rejects(pending, (err: unknown) => err instanceof ResponseError && err.code === REQUEST_CANCELLED);
  await client.waitFor('the worker to stop', () => client.logs.slice(started).some((l) => l === `simulation of ${xcall.id} stopped: cancelled`));
  await assertStillServing();
});

test('after all of that, shutdown and exit end the process cleanly', async () => {
  await rpc().sendRequest('shutdown');
  await rpc().sendNotification('exit');
  assert.equal(await client.exited(), 0);
});
