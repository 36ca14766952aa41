/**
 * Every analysis fixture: the findings irqlens reports are exactly the ones written
 * next to the C, with the witness path named where the fixture names it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeDir, expectationsIn, fixtureDirs, viaOf } from './support/fixtures';

for (const dir of fixtureDirs('analysis')) {
  const name = path.basename(dir);
  test(`fixture ${name}`, () => {
    // Recursive: fixtures about per-directory scoping keep each driver in its own directory.
    const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.[ch]$/.test(f)).map((f) => path.join(dir, f));
    const expected = expectationsIn(dir, files);
    const analysis = analyzeDir(dir);
    const actual = analysis.findings.map((f) => ({
      file: path.relative(dir, f.location.file),
      line: f.location.pos.line + 1,
      rule: f.rule,
      context: f.context,
      via: viaOf(f),
    }));
    const key = (e: { file: string; line: number; rule: string; context: string }): string => `${e.file}:${e.line} ${e.rule} ${e.context}`;
    assert.deepEqual(actual.map(key).sort(), expected.map(key).sort(), `findings of ${name}`);
    for (const e of expected) {
      if (!e.via) continue;
      const a = actual.find((x) => key(x) === key(e));
      assert.deepEqual(a?.via, e.via, `witness path of ${key(e)}`);
    }
  });
}
