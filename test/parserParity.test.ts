/** Both tree-sitter backends, native and wasm, must produce identical facts for every fixture. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { createWasmParser, factsFromBytes } from '../server/src/syntax';
import { FIXTURES, parser } from './support/fixtures';

function cFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? cFiles(p) : /\.[ch]$/.test(d.name) ? [p] : [];
  });
}

test('native and wasm parsers produce identical facts for every fixture file', async () => {
  const wasm = await createWasmParser();
  const files = [...cFiles(FIXTURES), ...cFiles(path.join(FIXTURES, '..', '..', 'examples'))];
  assert.ok(files.length > 20, 'fixtures found');
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    assert.deepEqual(factsFromBytes(wasm, file, bytes), factsFromBytes(parser(), file, bytes), file);
  }
});
