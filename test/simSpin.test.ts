/**
 * SPIN agreement: every fixture scenario and 200 generated ones are exported as Promela,
 * checked by SPIN (spin -a; cc -O2 -DSAFETY; ./pan), and must get the simulator's
 * deadlock / no-deadlock verdict. SPIN missing is a failure, not a skip: CI installs it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadSimCases, simCorpus, spinAvailable, spinCheck } from '../bench/sim';
import { simulate, type Scenario, type SimResult } from '../server/src/sim';

test('SPIN reaches the simulator verdict on every fixture and on 200 generated scenarios', async () => {
  const missing = await spinAvailable();
  assert.equal(missing, null, `SPIN agreement needs SPIN: ${missing}`);
  const fixtures = loadSimCases().map((c) => ({ name: c.spec.name, scenario: c.scenario, result: simulate(c.scenario) }));
  const corpus = simCorpus(200).items.map((i) => ({ name: i.scenario.title, scenario: i.scenario, result: i.result }));
  const all: Array<{ name: string; scenario: Scenario; result: SimResult }> = [...fixtures, ...corpus];
  for (const x of all) assert.ok(x.result.verdict.kind === 'deadlock' || x.result.verdict.exhaustive, `${x.name}: the simulator must settle it`);

  const spin = await spinCheck(all.map((x) => x.scenario));
  const disagreements = all.flatMap((x, i) => {
    const s = spin[i];
    const ours = x.result.verdict.kind === 'deadlock';
    if (s.error) return [`${x.name}: ${s.error}`];
    return ours === s.deadlock ? [] : [`${x.name}: simulator ${x.result.verdict.kind}, SPIN ${s.deadlock ? 'deadlock' : 'no deadlock'}`];
  });
  assert.deepEqual(disagreements, []);

  // The corpus must exercise both verdicts to mean anything.
  const deadlocks = corpus.filter((x) => x.result.verdict.kind === 'deadlock').length;
  assert.ok(deadlocks >= 10 && corpus.length - deadlocks >= 100, `${deadlocks} deadlocks of ${corpus.length}`);
});
