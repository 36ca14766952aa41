/**
 * The explorer's promises: the first deadlock has the fewest preemptions, "no deadlock"
 * says whether it is exhaustive, the reduction changes no verdict, random walks and
 * limits behave, and time comes from the injected clock.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulate, type Scenario, type Instr } from '../server/src/sim';
import type { InstrBody } from '../server/src/sim/instructions';
import { randomScenario } from '../server/src/sim/randomScenario';
import { simCorpus } from '../bench/sim';

function fn(name: string, bodies: InstrBody[]): Scenario['functions'][number] {
  const loc = { file: `${name}.c`, pos: { line: 0, col: 0 } };
  const instrs = [...bodies, { op: 'ret' } as InstrBody].map((b, line) => ({ ...b, loc: { file: loc.file, pos: { line, col: 0 } }, text: b.op }) as Instr);
  return { name, file: loc.file, loc, synthetic: false, instrs, flagSlots: 1, counterSlots: 1 };
}

/** ABBA: each CPU takes one lock, then the other. */
const abba: Scenario = {
  title: 'ABBA',
  cpus: 2,
  functions: [
    fn('a_then_b', [{ op: 'lock', lock: 0 }, { op: 'lock', lock: 1 }, { op: 'unlock', lock: 1 }, { op: 'unlock', lock: 0 }]),
    fn('b_then_a', [{ op: 'lock', lock: 1 }, { op: 'lock', lock: 0 }, { op: 'unlock', lock: 0 }, { op: 'unlock', lock: 1 }]),
  ],
  vars: [],
  locks: ['A', 'B'],
  triggers: [],
  tasks: [0, 1],
  ownIpiHandler: null,
  asyncSites: 0,
  notes: [],
};

test('ABBA needs one preemption: found with exactly one', () => {
  const r = simulate(abba);
  assert.equal(r.verdict.kind, 'deadlock');
  assert.equal(r.verdict.preemptions, 1);
  assert.equal(r.trace?.steps.filter((s) => s.preemption).length, 1);
});

test('with the preemption bound at 0 the ABBA deadlock is out of reach, and the verdict says it is not exhaustive', () => {
  const r = simulate(abba, { maxPreemptions: 0 });
  assert.equal(r.verdict.kind, 'no-deadlock');
  assert.equal(r.verdict.exhaustive, false);
  assert.equal(r.verdict.bound, 0);
});

test('random walks find the ABBA deadlock and never claim exhaustiveness', () => {
  const r = simulate(abba, { mode: 'random', seed: 7, walks: 200 });
  assert.equal(r.verdict.kind, 'deadlock');
  assert.equal(r.verdict.exhaustive, false);
  assert.ok(r.trace && r.trace.blocked.length === 2);
});

/** Four CPUs taking one lock in turn, four times each: many interleavings, no deadlock. */
const critical: InstrBody[] = [{ op: 'lock', lock: 0 }, { op: 'store', v: 0, value: { add: 1 } }, { op: 'unlock', lock: 0 }];
const contended: Scenario = {
  ...abba,
  title: 'contended lock',
  cpus: 4,
  functions: [fn('worker', [...critical, ...critical, ...critical, ...critical])],
  vars: ['count'],
  locks: ['L'],
  tasks: [0, 0, 0, 0],
};

test('the time limit reads the injected clock', () => {
  let t = 0;
  const now = (): number => (t += 1000);
  const r = simulate(contended, { now, timeLimitMs: 1500 });
  assert.equal(r.verdict.kind, 'no-deadlock');
  assert.equal(r.verdict.limit, 'time');
  assert.equal(r.verdict.exhaustive, false);
});

test('the state limit ends the search and says so; without it the search is exhaustive', () => {
  const limited = simulate(contended, { maxStates: 50 });
  assert.equal(limited.verdict.limit, 'states');
  assert.equal(limited.verdict.exhaustive, false);
  const full = simulate(contended);
  assert.equal(full.verdict.kind, 'no-deadlock');
  assert.equal(full.verdict.exhaustive, true);
});

test('partial-order reduction changes no verdict on the generated corpus and explores fewer states', () => {
  let reduced = 0;
  let full = 0;
  for (const { scenario: s } of simCorpus(40, { firstSeed: 3000 }).items) {
    const a = simulate(s, { timeLimitMs: 20_000 });
    const b = simulate(s, { por: false, timeLimitMs: 20_000 });
    assert.equal(a.verdict.kind === 'deadlock', b.verdict.kind === 'deadlock', s.title);
    if (a.verdict.kind !== 'deadlock') {
      assert.ok(a.verdict.exhaustive && b.verdict.exhaustive, s.title);
      assert.equal(a.verdict.kind, b.verdict.kind, `${s.title}: warnings must survive the reduction`);
      reduced += a.stats.statesExplored;
      full += b.stats.statesExplored;
    }
  }
  assert.ok(reduced < full, `reduced ${reduced} vs full ${full}`);
});

test('the same scenario gives the same result twice', () => {
  const s = randomScenario(4242, 3);
  const strip = (r: ReturnType<typeof simulate>): unknown => ({ ...r, stats: { ...r.stats, elapsedMs: 0, statesPerSecond: 0 } });
  assert.deepEqual(strip(simulate(s, { now: () => 0 })), strip(simulate(s, { now: () => 0 })));
});
