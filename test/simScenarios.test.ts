/**
 * The simulator on C fixtures: every case in test/fixtures/sim/cases.json reaches its
 * expected verdict, and the seed's stories come out as the write-up tells them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadSimCases, ROOT, kernel } from '../bench/sim';
import { createNativeParser, factsFromText } from '../server/src/syntax';
import { Analysis } from '../server/src/analysis';
import { buildScenario, renderTimelineText, simulate, simulateWhatIf, type FactsLookup, type SimResult } from '../server/src/sim';

const cases = loadSimCases();

for (const c of cases) {
  test(`fixture: ${c.spec.name} -> ${c.spec.expect}`, () => {
    const r = simulate(c.scenario);
    assert.equal(r.verdict.kind, c.spec.expect, r.verdict.summary);
    if (c.spec.expect !== 'deadlock') assert.equal(r.verdict.exhaustive, true, 'a verdict without deadlock must come from an exhaustive search');
    if (c.spec.maxPreemptions !== undefined) assert.ok((r.verdict.preemptions ?? Infinity) <= c.spec.maxPreemptions, `needs ${r.verdict.preemptions} preemptions`);
    if (c.spec.warns) assert.ok(r.verdict.warnings?.some((w) => w.reason === c.spec.warns), `expected a ${c.spec.warns} warning, got ${JSON.stringify(r.verdict.warnings)}`);
  });
}

function byName(name: string): (typeof cases)[number] {
  const c = cases.find((x) => x.spec.name.startsWith(name));
  assert.ok(c, `no case ${name}`);
  return c;
}

/** The example driver through the real analysis: its finding, and the analysis's lookup. */
function analyseExample(dirs: string[]): { analysis: Analysis; lookup: FactsLookup } {
  const parser = createNativeParser();
  const facts = dirs.flatMap((d) =>
    fs
      .readdirSync(path.join(ROOT, d))
      .filter((f) => f.endsWith('.c'))
      .map((f) => factsFromText(parser, path.join(d, f), fs.readFileSync(path.join(ROOT, d, f), 'utf8'))),
  );
  const analysis = new Analysis(facts, kernel);
  return { analysis, lookup: (name, from) => analysis.symbols.resolve(name, from).map((d) => ({ file: d.file, fn: d.facts })) };
}

const example = analyseExample(['examples/dtrace-deadman/buggy', 'examples/dtrace-deadman/common']);
const seedFinding = example.analysis.findings.find((f) => f.callee === 'smp_call_function' && f.entryKind === 'hrtimer');

test('seed on the example driver: the analysis finding simulates to a deadlock with at most 2 preemptions', () => {
  assert.ok(seedFinding, 'the analysis reports smp_call_function from the hrtimer');
  assert.ok(seedFinding.path.some((s) => s.kind === 'indirect'), 'the witness goes through the function-pointer hop');
  const built = buildScenario(seedFinding, example.lookup, { kernel });
  assert.ok(built.ok);
  const r = simulate(built.scenario);
  assert.equal(r.verdict.kind, 'deadlock');
  assert.ok((r.verdict.preemptions ?? 99) <= 2);
  assert.ok(r.trace);
  // The trace points at the driver's own lines: the hrtimer firing, the hop, and the call.
  const files = new Set(r.trace.steps.map((s) => path.basename(s.file)));
  for (const f of ['cyclic.c', 'dtrace_state.c', 'dtrace_xcall.c']) assert.ok(files.has(f), `trace shows ${f}`);
  const call = r.trace.steps.find((s) => s.instruction.startsWith('smp_call_function(') && s.file.endsWith('dtrace_xcall.c'));
  assert.ok(call);
  assert.equal(call.line, seedFinding.location.pos.line + 1);
  assert.equal(call.cpus[call.cpu].context, 'hardirq');
  assert.equal(call.cpus[call.cpu].irqs, 'off');
  // Both CPUs end stuck, each waiting for the other to take its IPI.
  assert.equal(r.trace.blocked.length, 2);
  assert.ok(r.trace.blocked.every((b) => /IRQs off/.test(b.waitingFor)), JSON.stringify(r.trace.blocked));
});

test('seed: the Promela export of the example scenario names both CPUs and the watchdog', async () => {
  assert.ok(seedFinding);
  const built = buildScenario(seedFinding, example.lookup, { kernel });
  assert.ok(built.ok);
  const { toPromela } = await import('../server/src/sim');
  const model = toPromela(built.scenario);
  assert.match(model.text, /proctype cpu0\(byte me\)/);
  assert.match(model.text, /timeout -> assert\(sp\[0\] == 0 && sp\[1\] == 0\)/);
  assert.match(model.text, /smp_call_function\(func, arg, 1\)/);
});

for (const mode of ['workqueue', 'async', 'irq-work'] as const) {
  test(`what-if ${mode}: deferring the seed's call comes out no-deadlock, exhaustive`, () => {
    assert.ok(seedFinding);
    const w = simulateWhatIf(seedFinding, example.lookup, { kernel, whatIf: mode });
    assert.ok(w.ok);
    assert.equal(w.result.before.verdict.kind, 'deadlock');
    assert.equal(w.result.after.verdict.kind, 'no-deadlock', w.result.after.verdict.summary);
    assert.equal(w.result.after.verdict.exhaustive, true);
  });
}

test('corrected example (work item) is no-deadlock and exhaustive', () => {
  const r = simulate(byName('seed fixed').scenario);
  assert.equal(r.verdict.kind, 'no-deadlock');
  assert.equal(r.verdict.exhaustive, true);
  assert.equal(r.verdict.limit, null);
});

test('seed at 4 CPUs is decided in under a second', () => {
  assert.ok(seedFinding);
  const built = buildScenario(seedFinding, example.lookup, { kernel, cpus: 4 });
  assert.ok(built.ok);
  const start = Date.now();
  const r = simulate(built.scenario);
  assert.equal(r.verdict.kind, 'deadlock');
  assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
});

test('own IPI vector: the give-up trace shows the CPU spinning with IRQs off that never acknowledges', () => {
  const r: SimResult = simulate(byName('own IPI vector with a give-up').scenario);
  assert.equal(r.verdict.kind, 'warn');
  const gaveUp = r.warnings.find((w) => w.reason === 'gave-up');
  assert.ok(gaveUp);
  assert.match(gaveUp.message, /CPU \d has IRQs off and never took the IPI/);
  const last = gaveUp.trace.steps[gaveUp.trace.steps.length - 1];
  assert.ok(last.event?.startsWith('gave up'));
  const deaf = last.cpus.find((c) => c.cpu !== last.cpu);
  assert.ok(deaf);
  assert.equal(deaf.irqs, 'off');
  assert.equal(deaf.pendingIpis, 1);
  assert.equal(deaf.function, 'dtrace_probe');
});

test('own IPI vector without the give-up counter deadlocks: one CPU waits for acks, the other for the lock', () => {
  const r = simulate(byName('own IPI vector without').scenario);
  assert.equal(r.verdict.kind, 'deadlock');
  assert.ok(r.trace);
  const reasons = r.trace.blocked.map((b) => b.waitingFor).join(' | ');
  assert.match(reasons, /a store by another CPU/);
  assert.match(reasons, /dtrace_lock, held by CPU/);
});

test('timeline text: one column per CPU, IRQs-off spans and the stuck row', () => {
  const r = simulate(byName('seed:').scenario);
  const text = renderTimelineText(r);
  assert.match(text, /CPU 0 .*│ CPU 1/);
  assert.match(text, /┃ \[hardirq\] hrtimer fires: be_callback\(\)/);
  assert.match(text, /^ {1}stuck │ ✖ /m);
  assert.match(text, /legend: ┃ IRQs off/);
});

test('bad options are errors, not exceptions', () => {
  assert.ok(seedFinding);
  const tooMany = buildScenario(seedFinding, example.lookup, { kernel, cpus: 9 });
  assert.equal(tooMany.ok, false);
  const noEntry = buildScenario({ ...seedFinding, path: [] }, example.lookup, { kernel });
  assert.equal(noEntry.ok, false);
  const noPeer = buildScenario(seedFinding, example.lookup, { kernel, peers: [{ kind: 'entry', name: 'nope', file: 'x.c', base: 'process' }] });
  assert.deepEqual(noPeer, { ok: false, error: 'no definition of peer entry nope found' });
});
