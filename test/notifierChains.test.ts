/**
 * Finding the workspace's registration wrappers looks at the calls to each wrapper once it
 * is one, not at every call of the workspace again on each round of the fixpoint (on a
 * whole tree that is millions of calls per round). Behaviour is the notifier-chains fixture's.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { NotifierChains } from '../server/src/analysis/notifierChains';
import type { Symbols } from '../server/src/analysis/symbols';
import { forEachOp } from '../server/src/syntax/walkOps';
import { globalName } from '../server/src/syntax/globalName';
import { analyzeDir, FIXTURES } from './support/fixtures';

test('wrappers of wrappers are found by looking at each call to a wrapper once', () => {
  const analysis = analyzeDir(path.join(FIXTURES, 'analysis', 'notifier-chains'));
  let resolved = 0;
  const counting: Symbols = Object.create(analysis.symbols);
  counting.resolve = (name, file) => {
    resolved++;
    return analysis.symbols.resolve(name, file);
  };
  const chains = new NotifierChains(counting, analysis.pointsTo, analysis.kernel);
  const looked = resolved;
  let calls = 0;
  let toWrappers = 0;
  for (const def of analysis.symbols.defs)
    forEachOp(def.facts.body, (op) => {
      const name = op.op === 'call' ? globalName(op.callee) : undefined;
      if (name === undefined) return;
      calls++;
      if (!analysis.kernel.chainRegistration(name) && chains.isRegistration(name, def.file)) toWrappers++;
    });
  // Two levels of wrappers (mod_register_notifier around __mod_register_notifier).
  assert.ok(toWrappers >= 2, `${toWrappers} calls to wrappers`);
  assert.ok(calls > toWrappers * 2);
  assert.equal(looked, toWrappers);
});
