/** The syntax layer never throws: every bad input yields a clear per-file problem or partial facts. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createWasmParser, factsFromBytes, factsFromText, MAX_FILE_BYTES } from '../server/src/syntax';
import { extractFromTree } from '../server/src/syntax/extractFacts';
import { parser } from './support/fixtures';


test('a binary file is reported as binary, with no facts', () => {
  const f = factsFromBytes(parser(), 'blob.c', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
  assert.equal(f.problems[0].kind, 'binary');
  assert.equal(f.functions.length, 0);
});

test('non-UTF-8 bytes are read as Latin-1 and the file is still analysed', () => {
  const latin1 = Buffer.concat([Buffer.from('/* J'), Buffer.from([0xf6]), Buffer.from('rg */\nvoid f(void) { g(); }\n')]);
  const f = factsFromBytes(parser(), 'old.c', latin1);
  assert.equal(f.problems[0].kind, 'encoding');
  assert.deepEqual(f.functions.map((x) => x.name), ['f']);
});

test('an empty file has no functions and no problems', () => {
  const f = factsFromBytes(parser(), 'empty.c', new Uint8Array());
  assert.deepEqual([f.functions.length, f.problems.length], [0, 0]);
});

test('a file over the size limit is skipped with a reason', () => {
  const f = factsFromBytes(parser(), 'huge.c', new Uint8Array(MAX_FILE_BYTES + 1));
  assert.equal(f.problems[0].kind, 'too-large');
});

test('a 50,000-line file is parsed whole', () => {
  const text = Array.from({ length: 10000 }, (_, i) => `static int f${i}(void)\n{\n\treturn g${i}();\n}\n`).join('\n');
  assert.ok(text.split('\n').length >= 50000);
  const f = factsFromText(parser(), 'long.c', text);
  assert.equal(f.functions.length, 10000);
  assert.equal(f.functions[9999].body[0].op, 'call');
});

test('5,000-deep nesting is reported as too deep, and the shallow calls are kept', () => {
  const text = `void f(void) { a(); ${'{ '.repeat(5000)} b(); ${'} '.repeat(5000)} c(); }`;
  const f = factsFromText(parser(), 'deep.c', text);
  assert.equal(f.problems[0].kind, 'too-deep');
  const names = f.functions[0].body.flatMap((op) => (op.op === 'call' && op.callee.kind === 'name' ? [op.callee.name] : []));
  assert.deepEqual(names, ['a', 'c']);
});

test('an unterminated comment does not lose the functions before it', () => {
  const f = factsFromText(parser(), 'open.c', 'void f(void) { g(); }\n/* never closed\nvoid h(void) { k(); }\n');
  assert.deepEqual(f.functions.map((x) => x.name), ['f']);
  assert.equal(f.problems[0].kind, 'unterminated-comment');
  assert.match(f.problems[0].message, /line 2 is never closed/);
});

test('kernel annotations and declaration macros parse without errors', () => {
  const text = [
    'static DEFINE_SPINLOCK(lock);',
    'static DEFINE_PER_CPU(int, counter);',
    'static DECLARE_TASKLET(t, t_fn);',
    'static int __init __must_check drv_init(void __iomem *base, char __user *buf)',
    '{',
    '\tstruct item *pos;',
    '\tlist_for_each_entry(pos, &items, node) {',
    '\t\tprocess(pos);',
    '\t}',
    '\treturn 0;',
    '}',
    'static void link_modes(struct ethtool_link_ksettings *ks, struct work_struct *w)',
    '{',
    '\tstruct adapter *a = container_of(w,',
    '\t\t\t\t\t  struct adapter,',
    '\t\t\t\t\t  work);',
    '\tethtool_link_ksettings_add_link_mode(ks, supported, 10000baseT_Full);',
    '\tudelay(0x1fUL + 10u + 1e3);',
    '\tdo {',
    '\t\tvisit(t);',
    '\t} while_each_thread(g, t);',
    '}',
    'static void __exit drv_exit(void) { }',
    'static __always_inline notrace void fast(void) { }',
    'asmlinkage void entry(void) { }',
    'EXPORT_SYMBOL(drv_init);',
    'module_init(drv_init);',
  ].join('\n');
  const f = factsFromText(parser(), 'k.c', text);
  assert.equal(f.health.errorNodes, 0);
  assert.deepEqual(f.functions.map((x) => x.name), ['drv_init', 'link_modes', 'drv_exit', 'fast', 'entry']);
  assert.deepEqual(f.topLevelCalls.map((c) => c.callee), ['DEFINE_SPINLOCK', 'DECLARE_TASKLET', 'EXPORT_SYMBOL', 'module_init']);
});

test('#if 0 regions are dead, and both branches of #ifdef/#else are kept apart', () => {
  const text = ['#if 0', 'void dead(void) { x(); }', '#endif', '#ifdef CONFIG_SMP', 'void f(void) { a(); }', '#else', 'void f(void) { b(); }', '#endif'].join('\n');
  const f = factsFromText(parser(), 'cfg.c', text);
  assert.deepEqual(
    f.functions.map((x) => [x.name, x.cfg]),
    [
      ['f', ['CONFIG_SMP']],
      ['f', ['!CONFIG_SMP']],
    ],
  );
});

test('a parse that outlasts its budget is reported as a timeout, with both backends, and the parser stays usable', async () => {
  const text = Array.from({ length: 20000 }, (_, i) => `int f${i}(void) { return g(${i}); }`).join('\n');
  for (const p of [parser(), await createWasmParser()]) {
    const f = factsFromText(p, 'slow.c', text, 0);
    assert.equal(f.problems[0]?.kind, 'timeout', p.backend);
    assert.equal(f.functions.length, 0);
    assert.deepEqual(factsFromText(p, 'ok.c', 'void h(void) { k(); }').functions.map((x) => x.name), ['h'], p.backend);
  }
});

test('fact extraction past its deadline keeps the functions it finished and says so', () => {
  const text = Array.from({ length: 3000 }, (_, i) => `int f${i}(void) { return g(${i}); }`).join('\n');
  const tree = parser().parse(text);
  assert.ok(tree);
  // A deadline already past: the walk stops at its first look at the clock.
  const f = extractFromTree(tree.rootNode, text, 'slow.c', () => [], undefined, 0);
  assert.equal(f.problems[0].kind, 'timeout');
  assert.ok(f.functions.length > 0 && f.functions.length < 3000, `${f.functions.length} functions kept`);
  assert.match(f.problems[0].message, new RegExp(`after ${f.functions.length} functions`));
});
