/** `.irqlens.json` validation: every mistake is reported with its JSON path. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseConfig } from '../server/src/kernel';

test('a valid config is accepted', () => {
  const r = parseConfig(
    JSON.stringify({
      entryPoints: [{ function: 'my_ipi', context: 'hardirq', note: 'vector in entry.S' }],
      forbidden: [{ name: 'my_sync_all', rule: 'xcall-in-atomic' }],
      contextChanges: [{ name: 'my_lock', effects: ['lock', 'irq-save'], lockArg: 0, flagsArg: 1 }],
      wrappers: { my_xcall: 'smp_call_function' },
      rules: { 'sleep-in-atomic': false },
    }),
  );
  assert.ok(r.ok);
  assert.equal(r.config.entryPoints[0].base, 'hardirq');
  assert.equal(r.config.rules['sleep-in-atomic'], false);
});

test('each mistake is reported with its path', () => {
  const r = parseConfig(
    JSON.stringify({
      entryPoints: [{ function: 'bad name', context: 'interrupt' }],
      forbidden: [{ name: 'x', rule: 'no-such-rule' }],
      contextChanges: [{ name: 'l', effects: ['lock', 'explode'], lockArg: -1 }],
      wrappers: { w: 3 },
      rules: { 'xcall-in-atomic': 'yes' },
      colour: 'blue',
    }),
  );
  assert.ok(!r.ok);
  assert.deepEqual(
    r.errors.map((e) => e.path),
    [
      '$.colour',
      '$.entryPoints[0].function',
      '$.entryPoints[0].context',
      '$.forbidden[0].rule',
      '$.contextChanges[0].effects[1]',
      '$.contextChanges[0].lockArg',
      '$.wrappers.w',
      '$.rules.xcall-in-atomic',
    ],
  );
});

test('malformed JSON is one error at the root, not an exception', () => {
  const r = parseConfig('{ "entryPoints": [');
  assert.ok(!r.ok);
  assert.equal(r.errors[0].path, '$');
  assert.match(r.errors[0].message, /not valid JSON/);
});
