/**
 * A macro defined differently per `#ifdef` branch: the finding that needs the variant
 * with the dangerous call is reported with the `config` confidence (hidden by default in
 * the editor, as `check` hides it without `--all`: test/cli.test.ts), the same finding
 * through a macro defined once stays `direct`.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { shownFindings } from '../server/src/lsp/diagnostics';
import { DEFAULT_SETTINGS, type IrqlensSettings } from '../server/src/lsp/protocol';
import { analyzeDir, FIXTURES, ROOT } from './support/fixtures';

test('a finding through one #ifdef variant of a macro has the config confidence', () => {
  const analysis = analyzeDir(path.join(FIXTURES, 'analysis', 'ifdef-macro-variants'));
  const byFunction = new Map(analysis.findings.map((f) => [f.path[f.path.length - 1].function, f.confidence]));
  assert.equal(byFunction.get('kmap_flush_unused'), 'config');
  assert.equal(byFunction.get('kmap_flush_table'), 'direct');
});

test('the editor shows the confident findings by default and every one when asked; its default is the extension\'s', () => {
  const analysis = analyzeDir(path.join(FIXTURES, 'analysis', 'ifdef-macro-variants'));
  const shown = (settings: IrqlensSettings): string[] => shownFindings(analysis, settings).map((f) => f.path[f.path.length - 1].function);
  assert.deepEqual(shown(DEFAULT_SETTINGS), ['kmap_flush_table']);
  assert.deepEqual(shown({ ...DEFAULT_SETTINGS, showAllConfidences: true }).sort(), ['kmap_flush_table', 'kmap_flush_unused']);
  const contributed = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).contributes.configuration.properties['irqlens.showAllConfidences'];
  assert.equal(contributed.default, DEFAULT_SETTINGS.showAllConfidences);
});
