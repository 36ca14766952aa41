/**
 * An open document's pre-passes, redone only for the pieces an edit changed
 * (preparedPieces.ts), must give what the whole-file passes give: the same text and the
 * same `#if` conditions on every line, after any edit.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { mulberry32, pick, type Rng } from '../server/src/sim/prng';
import { prepareText, type PreparedText } from '../server/src/syntax';
import { PreparedPieces, pieces } from '../server/src/syntax/preparedPieces';
import { FIXTURES } from './support/fixtures';

function assertSamePrepared(actual: PreparedText, text: string, message: string): void {
  const expected = prepareText(text);
  assert.equal(actual.text, expected.text, `${message}: text`);
  assert.equal(actual.commentLine, expected.commentLine, `${message}: unterminated comment`);
  assert.equal(actual.cfgTooDeep, expected.cfgTooDeep, `${message}: too deep`);
  const lines = text.split('\n').length;
  for (let line = 0; line < lines; line++) assert.deepEqual(actual.cfgAt(line), expected.cfgAt(line), `${message}: cfg of line ${line + 1}`);
}

/** A function and an initialiser: each ends with a line the file is cut before. */
const FN = (name: string, body: string): string => `static int ${name}(struct dev *d)\n{\n${body}\treturn 0;\n}\n\n`;
const OPS = 'static const struct ops o = {\n\t.probe = a,\n};\n\n';

/**
 * Texts where a piece alone would read otherwise than the whole file: each joins the
 * pieces around a cut or falls back to the whole file, or the result is wrong.
 */
const ACROSS_CUTS: Array<[string, string]> = [
  ['an #ifdef whose #endif follows the function', `${FN('a', '')}#ifdef CONFIG_X\n${FN('b', '\tudelay(1);\n')}#endif\n${FN('c', '')}`],
  ['#if 0 around a function', `${FN('a', '')}#if 0\n${FN('b', '\tmsleep(1);\n')}#endif\n${FN('c', '')}`],
  ['a block comment over a cut', `${FN('a', '')}/* old:\n${FN('b', '')}*/\n${FN('c', '')}`],
  ['an unterminated comment', `${FN('a', '')}/* open\n${FN('b', '')}`],
  ['an unterminated comment under #if 0', `${FN('a', '')}#if 0\n/* open\n#endif\n${FN('b', '')}`],
  ['a comment closed after a cut, opened in a line comment before it', `${FN('a', '')}// see /*\n}\nx */ list_for_each_entry(p, h, m) {\n\tf();\n}\n`],
  ['a comment closed in the next piece with a loop macro after it', `${FN('a', '\t/* x */\n')}/*\n}\n*/ list_for_each_entry(p, h, m) {\n}\n`],
  ['a macro call whose ) is in the next piece', `${FN('a', '')}DECLARE_THING(x,\n}\n, y)\nstatic int z;\n`],
  ['an attribute call over a cut', `${FN('a', '')}int __printf(1,\n}\n) f(void);\n`],
  ['offsetof of a call path', `${FN('a', '\tn = offsetof(struct s, f(a, b));\n')}${FN('b', '\tmutex_lock(&m);\n')}`],
  ['a directive continued into a } line', `${FN('a', '')}#define X \\\n}\nstatic int y = PFX "z";\n`],
  ['a literal continued into a } line', `${FN('a', '\tp = "abc\\\n}\n";\n')}${FN('b', '\tq = KERN_ERR "x";\n')}`],
  ['a string macro after a literal before a cut', `${FN('a', '\tprintk("a"\n')}}\nDRV_NAME "b");\n`],
  ['a loop macro after a } line', `${FN('a', '')}}\nwhile_each_thread(g, t);\n${FN('b', '')}`],
  ['a label before an #if', `static int a(void)\n{\nout:\n#ifdef X\n\tf();\n#endif\n\treturn 0;\n}\n`],
  ['an #if split by a cut', `${FN('a', '')}#ifdef CONFIG_Y\nstatic int v = 1;\n}\n#else\nstatic int v = 2;\n#endif\n`],
  ['nesting past the tracked depth', `${FN('a', '')}${'#ifdef A\n'.repeat(70)}${FN('b', '')}${'#endif\n'.repeat(70)}${FN('c', '')}`],
  ['an #if open at the end', `${FN('a', '')}#ifdef X\n${FN('b', '')}`],
  ['an initialiser between functions', `${FN('a', '')}${OPS}${FN('b', '\tspin_lock(&l);\n')}`],
];

test('pieces joined are the text, cut before each line that is only } or };', () => {
  const text = `${FN('a', '')}${OPS}#define X \\\n}\n${FN('b', '')}`;
  const parts = pieces(text);
  assert.equal(parts.join(''), text);
  // After a's `}`, the ops' `};` and b's `}`; not before the `}` that continues `#define X \`.
  assert.equal(parts.length, 4);
  assert.ok(parts.slice(1).every((p) => /^\};?\n/.test(p)));
});

test('texts whose passes reach across a cut are prepared as the whole file prepares them', () => {
  for (const [name, text] of ACROSS_CUTS) {
    // Alone, and as an edit of a document that was prepared from pieces before.
    assertSamePrepared(new PreparedPieces().prepare(text), text, name);
    const doc = new PreparedPieces();
    doc.prepare(`${FN('p', '')}${FN('q', '')}`);
    assertSamePrepared(doc.prepare(text), text, `${name}, after another version`);
  }
});

const SNIPPETS = ['\n', '}\n', '};\n', '\n}\n', '/*', '*/', '\n#if 0\n', '\n#endif\n', '\n#ifdef CONFIG_X\n', '\n#else\n', '(', ')', '"', "'", '\\', '\\\n', 'x', ';', 'list_for_each_entry(a, b, c) {', 'PFX "x"', 'offsetof(struct s, f(a, b))'];

/** One random edit, half of them at a line that starts with `}` (where the file is cut). */
function randomEdit(rng: Rng, text: string): string {
  let at = pick(rng, text.length + 1);
  if (pick(rng, 2) === 0) {
    const cut = text.indexOf('\n}', at);
    if (cut >= 0) at = cut + pick(rng, 4);
  }
  const removed = pick(rng, 3) === 0 ? Math.min(text.length - at, pick(rng, 30)) : 0;
  const inserted = pick(rng, 4) === 0 ? '' : SNIPPETS[pick(rng, SNIPPETS.length)];
  return text.slice(0, at) + inserted + text.slice(at + removed);
}

test('after random edits of the analysis fixtures, pieces give what the whole-file passes give', () => {
  const rng = mulberry32(20261125);
  const root = path.join(FIXTURES, 'analysis');
  const dirs = fs.readdirSync(root).sort();
  const doc = new PreparedPieces();
  let cut = 0;
  for (let i = 0; i < dirs.length; i += 6) {
    const original = dirs
      .slice(i, i + 6)
      .flatMap((d) => fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.c')).map((f) => fs.readFileSync(path.join(root, d, f), 'utf8')))
      .join('\n');
    let text = original;
    for (let step = 0; step < 30; step++) {
      assertSamePrepared(doc.prepare(text), text, `fixtures ${dirs[i]}.., edit ${step}`);
      cut += pieces(text).length;
      // Edits pile up, and every fifth version goes back to the original (an undo).
      text = step % 5 === 4 ? original : randomEdit(rng, text);
    }
  }
  // The pieces were used, and an edit prepared only a few of them again.
  assert.ok(doc.stats.pieced > doc.stats.whole, JSON.stringify(doc.stats));
  assert.ok(doc.stats.preparedPieces < cut / 4, `${JSON.stringify(doc.stats)} of ${cut} pieces`);
});
