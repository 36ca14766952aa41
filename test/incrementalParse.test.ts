/**
 * An open document re-parsed through DocumentParse (tree-sitter's edit API on the old tree,
 * function facts kept across versions) must give exactly the facts a fresh parse of the same
 * text gives, on both backends, whatever the edits: typing, deleting, unbalanced braces,
 * comments and `#if 0` opened and closed, non-ASCII text.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { mulberry32, pick, type Rng } from '../server/src/sim/prng';
import { MAX_FILE_BYTES, createWasmParser, factsFromText, type CParser } from '../server/src/syntax';
import { DocumentParse, diffEdit } from '../server/src/syntax/incremental';
import { reparsePlan } from '../server/src/syntax/reparseZones';
import { FIXTURES, parser } from './support/fixtures';

const SNIPPETS = [
  '\n',
  ' ',
  'x',
  ';',
  '{',
  '}',
  '/*',
  '*/',
  '\n#if 0\n',
  '\n#endif\n',
  '\n#ifdef CONFIG_SMP\n',
  'msleep(10);\n',
  '\tsmp_call_function(fn, NULL, 1);\n',
  '\nstatic void added(int a) { mutex_lock(&m); }\n',
  '\nstatic struct ops o = { .handler = added };\n',
  'é€',
];

/** One random edit: insert a snippet, delete a short range, or both. */
function randomEdit(rng: Rng, text: string): string {
  const at = pick(rng, text.length + 1);
  const kind = pick(rng, 3);
  const cut = kind === 0 ? 0 : Math.min(text.length - at, pick(rng, 40));
  const insert = kind === 1 ? '' : SNIPPETS[pick(rng, SNIPPETS.length)];
  return text.slice(0, at) + insert + text.slice(at + cut);
}

/** A few fixtures concatenated: documents with many functions, structs and globals. */
function documents(): Array<{ name: string; text: string }> {
  const dirs = fs.readdirSync(path.join(FIXTURES, 'analysis')).sort();
  const out: Array<{ name: string; text: string }> = [];
  for (let i = 0; i < dirs.length; i += 8) {
    const group = dirs.slice(i, i + 8);
    const text = group
      .flatMap((d) => fs.readdirSync(path.join(FIXTURES, 'analysis', d)).filter((f) => f.endsWith('.c')).map((f) => fs.readFileSync(path.join(FIXTURES, 'analysis', d, f), 'utf8')))
      .join('\n');
    out.push({ name: group.join('+'), text });
  }
  return out;
}

async function checkBackend(incremental: CParser, fresh: CParser): Promise<void> {
  const rng = mulberry32(20261124);
  const docs = documents();
  assert.ok(docs.length >= 5, 'fixture documents found');
  for (const doc of docs) {
    const parse = new DocumentParse(incremental, doc.name);
    let text = doc.text;
    try {
      for (let step = 0; step < 40; step++) {
        assert.deepEqual(parse.update(text), factsFromText(fresh, doc.name, text), `${doc.name}, edit ${step}`);
        text = randomEdit(rng, text);
      }
    } finally {
      parse.dispose();
    }
  }
}

test('incremental re-parses give the facts of a fresh parse (native)', async () => {
  await checkBackend(parser(), parser());
});

test('incremental re-parses give the facts of a fresh parse (wasm)', async () => {
  await checkBackend(await createWasmParser(), await createWasmParser());
});

/** A one-function driver file, for the tests below. */
const HANDLER = 'static irqreturn_t h(int irq, void *d)\n{\n\tmsleep(1);\n\treturn IRQ_HANDLED;\n}\n';

test('a document moved down by lines keeps its function facts, moved', () => {
  const parse = new DocumentParse(parser(), 'a.c');
  const before = parse.update(HANDLER);
  const after = parse.update(`/* one\n two */\n${HANDLER}`);
  assert.equal(after.functions[0].span.start.line, before.functions[0].span.start.line + 2);
  assert.deepEqual(after, factsFromText(parser(), 'a.c', `/* one\n two */\n${HANDLER}`));
  parse.dispose();
});

test('a document that grows past the size cap is skipped like a file, and parsed again when it shrinks', () => {
  const huge = `${HANDLER}/*${'x'.repeat(MAX_FILE_BYTES)}*/\n`;
  const parse = new DocumentParse(parser(), 'a.c');
  assert.equal(parse.update(HANDLER).functions.length, 1);
  const skipped = parse.update(huge);
  assert.deepEqual(skipped, factsFromText(parser(), 'a.c', huge));
  assert.deepEqual(skipped.functions, []);
  assert.deepEqual(skipped.problems.map((p) => p.kind), ['too-large']);
  assert.deepEqual(parse.update(HANDLER), factsFromText(parser(), 'a.c', HANDLER));
  parse.dispose();
});

test('an open document\'s fact extraction has the same time budget as a file\'s', () => {
  const text = Array.from({ length: 3000 }, (_, i) => `int f${i}(void) { return g(${i}); }`).join('\n');
  // A parser that ignores its budget, so only the extraction can run out of time.
  const real = parser();
  const unbounded: CParser = { ...real, parse: (t, _budgetMs, oldTree) => real.parse(t, undefined, oldTree) };
  const parse = new DocumentParse(unbounded, 'slow.c', 0);
  const f = parse.update(text);
  assert.equal(f.problems[0]?.kind, 'timeout');
  assert.ok(f.functions.length < 3000, `${f.functions.length} functions kept`);
  parse.dispose();
});

test('the tree edit spans exactly the changed characters, in UTF-16 units and rows', () => {
  assert.equal(diffEdit('same', 'same'), undefined);
  assert.deepEqual(diffEdit('ab\ncd\nef', 'ab\ncXYd\nef'), {
    startIndex: 4,
    oldEndIndex: 4,
    newEndIndex: 6,
    startPosition: { row: 1, column: 1 },
    oldEndPosition: { row: 1, column: 1 },
    newEndPosition: { row: 1, column: 3 },
  });
  assert.deepEqual(diffEdit('é\nab', 'é\nb'), {
    startIndex: 2,
    oldEndIndex: 3,
    newEndIndex: 2,
    startPosition: { row: 1, column: 0 },
    oldEndPosition: { row: 1, column: 1 },
    newEndPosition: { row: 1, column: 0 },
  });
  // A repeated character: the common suffix must not overlap the common prefix.
  assert.deepEqual(diffEdit('aa', 'aaa')?.startIndex, 2);
});

/** `real`, counting the parses that start from scratch and those that re-parse an old tree. */
function counting(real: CParser): { parser: CParser; fresh: number; reparsed: number } {
  const counts = {
    fresh: 0,
    reparsed: 0,
    parser: { ...real, parse: (text: string, budgetMs?: number, oldTree?: Parameters<CParser['parse']>[2]) => (oldTree ? counts.reparsed++ : counts.fresh++, real.parse(text, budgetMs, oldTree)) },
  };
  return counts;
}

/** A function with a parse error (`foo(;`) above three clean ones. */
const BROKEN = [
  'static int broken(void)\n{\n\tfoo(;\n}\n',
  'static void a(void)\n{\n\tudelay(1);\n}\n',
  'static void b(void)\n{\n\tudelay(2);\n}\n',
  'static irqreturn_t h(int irq, void *d)\n{\n\tmsleep(1);\n\treturn IRQ_HANDLED;\n}\n',
].join('\n');

for (const backend of ['native', 'wasm'] as const) {
  const make = async (): Promise<CParser> => (backend === 'native' ? parser() : createWasmParser());

  test(`an edit away from a parse error re-parses the tree with errors instead of parsing afresh (${backend})`, async () => {
    const counts = counting(await make());
    const parse = new DocumentParse(counts.parser, 'a.c');
    assert.ok(parse.update(BROKEN).health.errorNodes > 0, 'the document has a parse error');
    const edited = BROKEN.replace('\tmsleep(1);\n', '\tmsleep(1);\n\n\tudelay(10);\n');
    const facts = parse.update(edited);
    assert.deepEqual({ fresh: counts.fresh, reparsed: counts.reparsed }, { fresh: 1, reparsed: 1 });
    assert.deepEqual(facts, factsFromText(await make(), 'a.c', edited));
    parse.dispose();
  });

  test(`typing inside \`#if 0\` of a document with a parse error keeps its tree (${backend})`, async () => {
    const counts = counting(await make());
    const parse = new DocumentParse(counts.parser, 'a.c');
    const text = `${BROKEN}\n#if 0\nstatic void old(void) { }\n#endif\n`;
    parse.update(text);
    const edited = text.replace('old(void)', 'odd(void)');
    const facts = parse.update(edited);
    assert.deepEqual({ fresh: counts.fresh, reparsed: counts.reparsed }, { fresh: 1, reparsed: 0 });
    assert.deepEqual(facts, factsFromText(await make(), 'a.c', edited));
    parse.dispose();
  });

  test(`an edit whose error runs past the re-read zones is parsed afresh, with the facts of a fresh parse (${backend})`, async () => {
    const counts = counting(await make());
    const parse = new DocumentParse(counts.parser, 'a.c');
    parse.update(BROKEN);
    // An unclosed brace in a(): b() and h() are swallowed, the MISSING `}` is at the end of the file.
    const edited = BROKEN.replace('\tudelay(1);\n', '\tudelay(1); {\n');
    const facts = parse.update(edited);
    assert.deepEqual({ fresh: counts.fresh, reparsed: counts.reparsed }, { fresh: 2, reparsed: 1 });
    assert.deepEqual(facts, factsFromText(await make(), 'a.c', edited));
    parse.dispose();
  });
}

test('the re-read zones are each error item with the item before it, and the edited item with one on either side', () => {
  const items = ['int a;\n', 'static int broken(void) { foo(; }\n', 'int b;\n', 'int c;\n', 'static void f(void) { g(1); }\n', 'int d;\n', 'int e;\n'];
  const before = items.join('');
  const at = before.indexOf('g(1)') + 2;
  const after = `${before.slice(0, at)}0${before.slice(at)}`;
  const tree = parser().parse(before);
  assert.ok(tree);
  const edit = diffEdit(before, after);
  assert.ok(edit);
  const plan = reparsePlan(tree.rootNode, edit);
  assert.ok(plan);
  const startOf = (i: number): number => items.slice(0, i).join('').length;
  const endOf = (i: number, shift = 0): number => startOf(i + 1) - 1 + shift;
  // Items 0-1 (the error and the one before it), then 3-5 around the edit in item 4, one character longer.
  assert.deepEqual(plan.zones, [
    { start: startOf(3), end: endOf(5, 1) },
    { start: startOf(0), end: endOf(1) },
  ]);
  assert.deepEqual(
    plan.edits.map((e) => [e.startIndex, e.oldEndIndex, e.newEndIndex]),
    [
      [startOf(0), endOf(1), endOf(1)],
      [startOf(3), endOf(5), endOf(5, 1)],
    ],
  );
});
