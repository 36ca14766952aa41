/**
 * Calls made only on an object's release path (where a last-reference test such as
 * `atomic_long_dec_and_test()` was true): findings every path to which runs through one
 * have the `release` confidence, hidden by default like `config`; a call reached off
 * such paths too is reported along one of those, as the confidence it has there.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { shownFindings } from '../server/src/lsp/diagnostics';
import { DEFAULT_SETTINGS } from '../server/src/lsp/protocol';
import { analyzeDir, FIXTURES } from './support/fixtures';

const dir = path.join(FIXTURES, 'analysis', 'value-last-reference');
const analysis = analyzeDir(dir);
const lines = fs.readFileSync(path.join(dir, 'ev.c'), 'utf8').split('\n');
/** The finding at the line that holds `text`. */
const at = (text: string): (typeof analysis.findings)[number] | undefined => analysis.findings.find((f) => lines[f.location.pos.line].includes(text));

test('a call only on the release path has the release confidence, and says where the last reference was dropped', () => {
  const free = at('synchronize_rcu()')!;
  assert.equal(free.confidence, 'release');
  assert.match(free.path.find((s) => s.function === 'ev_put')?.note ?? '', /calls ev_free\(\) on the release path \(atomic_long_dec_and_test\(\) true/);
  const [released, kept] = [at('msleep(1)')!, at('msleep(2)')];
  assert.equal(released.confidence, 'release');
  assert.match(released.path[released.path.length - 1].note, /refcount_dec_and_test\(\) true/);
  assert.equal(kept?.confidence, 'direct');
});

test('a test known true only where `a || b` fails or `a && b` holds', () => {
  // `if (!e || !atomic_dec_and_test(…)) return;` falls through only when the test was true.
  assert.equal(at('msleep(4)')?.confidence, 'release');
  // `if (atomic_dec_and_test(…) && e->dirty) return;`: after it, the test may have been either.
  assert.equal(at('msleep(3)')?.confidence, 'direct');
});

test('a call reached off release paths too is reported along such a path, though a release path is shorter', () => {
  const flush = at('on_each_cpu(')!;
  assert.equal(flush.confidence, 'direct');
  assert.deepEqual(
    flush.path.filter((s) => s.kind === 'call' || s.kind === 'forbidden').map((s) => s.function),
    ['ev_irq', 'ev_check', 'ev_clean', 'ev_flush'],
  );
});

test('release findings are shown only when every confidence is asked for', () => {
  const shown = shownFindings(analysis, DEFAULT_SETTINGS);
  const all = shownFindings(analysis, { ...DEFAULT_SETTINGS, showAllConfidences: true });
  assert.equal(all.length, 6);
  assert.deepEqual(
    all.filter((f) => !shown.includes(f)).map((f) => f.confidence),
    ['release', 'release', 'release'],
  );
});
