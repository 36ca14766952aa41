import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integerLiteral } from '../server/src/syntax/integerLiteral';
import { literal } from '../server/src/sim/condition';

test('C integer literals read as C reads them: octal, hex of either case, a minus sign, suffixes', () => {
  const cases: Array<[string, number | undefined]> = [
    ['0', 0],
    ['42', 42],
    ['010', 8],
    ['0x10', 16],
    ['0X1f', 31],
    ['-0x10', -16],
    ['- 1', -1],
    ['12UL', 12],
    ['0x8947u', 0x8947],
    ['08', undefined],
    ['0x', undefined],
    ['SIOCGMIIPHY', undefined],
    ['1.5', undefined],
  ];
  for (const [text, value] of cases) assert.equal(integerLiteral(text), value, text);
  // The simulator's conditions read the same values, and its booleans.
  assert.equal(literal('010'), 8);
  assert.equal(literal('-0x10'), -16);
  assert.equal(literal('TRUE'), 1);
  assert.equal(literal('NULL'), 0);
  assert.equal(literal('x'), null);
});
