/**
 * A witness per entry: one finding per forbidden call, carrying the shortest path from
 * each entry that reaches it (the fixture's two IRQ handlers through different chains,
 * a timer through an ops pointer, a work item with IRQs off), in the analysis, the JSON
 * and the SARIF output.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { analyzeDir, FIXTURES, ROOT } from './support/fixtures';
import { validateSarif } from './support/sarifSchema';
import { BackwardGraph, entryWitnesses } from '../server/src/analysis/witness';
import type { Finding, Witness } from '../server/src/analysis';

const DIR = path.join(FIXTURES, 'analysis', 'witness-per-entry');
const analysis = analyzeDir(DIR);

function onlyFinding(): Finding {
  assert.equal(analysis.findings.length, 1, 'one finding for the one call, not one per entry');
  return analysis.findings[0];
}

/** The functions a witness passes through, consecutive repeats folded. */
function functionsOf(w: Witness): string[] {
  return w.path.map((s) => s.function).filter((fn, i, all) => fn !== all[i - 1]);
}

test('each entry that reaches the call has a witness that starts at it and ends at the call', () => {
  const f = onlyFinding();
  assert.deepEqual(f.witnesses.map((w) => w.entry).sort(), ['twinq_reset', 'twinq_rx_isr', 'twinq_tx_isr', 'twinq_watchdog']);
  assert.equal(f.moreWitnesses, 0);
  for (const w of f.witnesses) {
    assert.equal(w.path[0].kind, 'entry');
    assert.equal(w.path[0].function, w.entry);
    const last = w.path[w.path.length - 1];
    assert.deepEqual([last.kind, last.location], ['forbidden', f.location], `${w.entry} ends at the call`);
  }
  const by = new Map(f.witnesses.map((w) => [w.entry, w]));
  assert.deepEqual(functionsOf(by.get('twinq_rx_isr')!), ['twinq_rx_isr', 'twinq_rx_refill', 'twinq_rx_drain', 'twinq_flush_tlb']);
  assert.deepEqual(functionsOf(by.get('twinq_tx_isr')!), ['twinq_tx_isr', 'twinq_tx_complete', 'twinq_flush_tlb']);
});

test('each witness has its own context, entry kind and confidence', () => {
  const by = new Map(onlyFinding().witnesses.map((w) => [w.entry, w]));
  assert.deepEqual(
    [...by.values()].map((w) => [w.entry, w.entryKind, w.context, w.confidence]).sort(),
    [
      ['twinq_reset', 'workqueue', 'irqs-off', 'direct'],
      ['twinq_rx_isr', 'irq-handler', 'hardirq', 'direct'],
      ['twinq_tx_isr', 'irq-handler', 'hardirq', 'direct'],
      ['twinq_watchdog', 'timer', 'softirq', 'pointer'],
    ],
  );
  const hop = by.get('twinq_watchdog')!.path.find((s) => s.kind === 'indirect');
  assert.match(hop?.note ?? '', /\.flush = twinq_flush_tlb/);
  assert.ok(by.get('twinq_reset')!.path.some((s) => s.kind === 'context' && /spin_lock_irqsave/.test(s.note)));
});

test('the primary witness stays first and is the path; the others follow shortest first', () => {
  const f = onlyFinding();
  assert.equal(f.witnesses[0].path, f.path);
  assert.equal(f.witnesses[0].entry, 'twinq_tx_isr');
  assert.equal(f.context, 'hardirq');
  const calls = f.witnesses.slice(1).map((w) => w.path.filter((s) => s.kind === 'call' || s.kind === 'indirect').length);
  assert.deepEqual(calls, [...calls].sort((a, b) => a - b));
  assert.equal(f.witnesses[f.witnesses.length - 1].entry, 'twinq_rx_isr');
});

test('past the limit, the other entries are counted', () => {
  const f = onlyFinding();
  const site = [...analysis.propagation.hitNodes].find(([key]) => key.endsWith(':xcall-in-atomic'));
  assert.ok(site);
  const hit = analysis.propagation.hits.get(site[0])![0];
  const start = analysis.entries.find((e) => e.fn.facts.name === 'twinq_tx_isr');
  assert.ok(start);
  const skip = [...analysis.propagation.parents].find(([, p]) => p.kind === 'entry' && p.entry === start)![0];
  const limited = entryWitnesses(site[1], hit, analysis.propagation, analysis.symbols, { skip, limit: 1 }, new BackwardGraph(analysis.propagation).search(site[1].keys()));
  assert.equal(limited.witnesses.length, 1);
  assert.equal(limited.more, 2);
  assert.deepEqual(limited.witnesses[0].steps, f.witnesses[1].path);
});

test('JSON and SARIF output carry every witness', () => {
  const run = (format: string): string => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'irqlens.js'), 'check', DIR, '--format', format, '--no-cache'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    return r.stdout;
  };
  const report = JSON.parse(run('json'));
  const f = report.findings[0];
  assert.deepEqual(f.witnesses[0].path, f.path);
  assert.deepEqual(
    f.witnesses.map((w: { entry: string; path: Array<{ file: string; function: string }> }) => [w.entry, w.path[0].function, w.path[0].file]).sort(),
    [['twinq_reset', 'twinq_reset', 'twinq.c'], ['twinq_rx_isr', 'twinq_rx_isr', 'twinq.c'], ['twinq_tx_isr', 'twinq_tx_isr', 'twinq.c'], ['twinq_watchdog', 'twinq_watchdog', 'twinq.c']],
  );
  const sarif = JSON.parse(run('sarif'));
  assert.deepEqual(validateSarif(sarif), []);
  const flows = sarif.runs[0].results[0].codeFlows;
  assert.equal(flows.length, 4);
  assert.deepEqual(flows.map((c: { message: { text: string } }) => c.message.text).slice(0, 1), ['witness path from twinq_tx_isr']);
  assert.match(run('text'), /also reached from twinq_\w+\(\) \(\w[\w-]*\), /);
});

test('one backward graph serves searches from different nodes, one after another', () => {
  // The graph reuses its arrays between searches (a stamp per search): a search from other
  // nodes in between must not leak into the next one from the call's nodes.
  const site = [...analysis.propagation.hitNodes].find(([key]) => key.endsWith(':xcall-in-atomic'));
  assert.ok(site);
  const graph = new BackwardGraph(analysis.propagation);
  const fresh = new BackwardGraph(analysis.propagation).search(site[1].keys());
  const root = [...analysis.propagation.parents].find(([, p]) => p.kind === 'entry')![0];
  const other = graph.search([root]);
  assert.deepEqual(other.entries.map((l) => l.node), [root], 'an entry node reaches itself only');
  const again = graph.search(site[1].keys());
  assert.deepEqual(again.entries, fresh.entries);
  for (const { node } of fresh.entries) assert.deepEqual(again.toward(node), fresh.toward(node));
  assert.equal(fresh.entries.length, 4, 'the four entries of the fixture');
});
