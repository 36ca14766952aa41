/**
 * A macro defined differently per `#ifdef` branch: the finding that needs the variant
 * with the dangerous call is reported with the `config` confidence (hidden by default),
 * the same finding through a macro defined once stays `direct`.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { analyzeDir, FIXTURES } from './support/fixtures';

test('a finding through one #ifdef variant of a macro has the config confidence', () => {
  const analysis = analyzeDir(path.join(FIXTURES, 'analysis', 'ifdef-macro-variants'));
  const byFunction = new Map(analysis.findings.map((f) => [f.path[f.path.length - 1].function, f.confidence]));
  assert.equal(byFunction.get('kmap_flush_unused'), 'config');
  assert.equal(byFunction.get('kmap_flush_table'), 'direct');
});
