/**
 * Extraction does not walk an expression whose text has no `(`, `=` or `{`: what such a
 * text can still hold must not be lost (a statement expression's `break`, calls inside
 * parenthesised conditions, code after a parse error, and nesting past the depth limit).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createWasmParser, factsFromText, type FileFacts, type Op } from '../server/src/syntax';
import { forEachOp } from '../server/src/syntax/walkOps';
import { parser } from './support/fixtures';

function opsOf(facts: FileFacts, fn: string): Op[] {
  const ops: Op[] = [];
  const f = facts.functions.find((x) => x.name === fn);
  assert.ok(f, `function ${fn} found`);
  forEachOp(f.body, (op) => ops.push(op));
  return ops;
}

const SOURCE = `
int f(int a, int *p)
{
	while (a) {
		a--;
		({ break; });
	}
	if ((a && p[0] > 1))
		return *p + a;
	if ((check(a)))
		return 0;
	return (a ? (long)g(a) : 2);
}
`;

test('a statement expression keeps its break, and calls inside parenthesised conditions and returns are found', async () => {
  for (const p of [parser(), await createWasmParser()]) {
    const ops = opsOf(factsFromText(p, 'skip.c', SOURCE), 'f');
    assert.deepEqual(
      ops.map((o) => (o.op === 'call' && o.callee.kind === 'name' ? `call ${o.callee.name}` : o.op)),
      ['loop', 'break', 'if', 'return', 'call check', 'if', 'return', 'if', 'call g', 'return'],
      p.backend,
    );
  }
});

test('a body with a parse error keeps the call after it, and a 900-deep operator chain is still too deep', () => {
  const missing = factsFromText(parser(), 'missing.c', 'void f(void)\n{\n\tx = y + z\n\tfoo(1);\n}\n');
  assert.ok(opsOf(missing, 'f').some((o) => o.op === 'call' && o.callee.kind === 'name' && o.callee.name === 'foo'));
  const chain = `void f(void)\n{\n\tx = ${'!'.repeat(900)}y;\n}\n`;
  const deep = factsFromText(parser(), 'deep.c', chain);
  assert.ok(deep.problems.some((p) => p.kind === 'too-deep'), JSON.stringify(deep.problems));
});
