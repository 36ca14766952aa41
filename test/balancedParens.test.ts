import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balanced, stripParens } from '../server/src/syntax/balancedParens';
import { parseAtom } from '../server/src/sim/condition';

test('stripParens removes only parentheses that enclose the whole text', () => {
  const cases: Array<[string, string]> = [
    ['x', 'x'],
    [' ( x ) ', 'x'],
    ['((cmd == SIOCGMIIPHY))', 'cmd == SIOCGMIIPHY'],
    ['(a) && (b)', '(a) && (b)'],
    ['((a) || b)', '(a) || b'],
    ['(f(x))', 'f(x)'],
    ['(a))', '(a))'],
  ];
  for (const [text, want] of cases) assert.equal(stripParens(text), want, text);
  assert.equal(balanced('a) (b'), false);
});

test('the simulator reads a parenthesised atom as the bare one', () => {
  const isLocal = (): boolean => false;
  assert.deepEqual(parseAtom('((done))', true, isLocal), parseAtom('done', true, isLocal));
});
