/** Facts made on worker threads, through the cache, equal the facts made one by one in this thread. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze } from '../server/src/analysis';
import { selectSources } from '../server/src/analysis/workspace';
import { extractAll } from '../server/src/cli/factsPool';
import { nodeReader } from '../server/src/cli/nodeReader';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../server/src/kernel';
import { FIXTURES, loadFacts } from './support/fixtures';
import { tempDir } from './support/tempCache';

const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
/** Every analysis fixture at once: a few hundred files of every shape the extractor knows. */
const files = selectSources([`${FIXTURES}/analysis`], nodeReader).files;
const sequential = loadFacts(`${FIXTURES}/analysis`).facts;

function findingIds(facts: Parameters<typeof analyze>[0]): string[] {
  return analyze(facts, kernel).findings.map((f) => `${f.id} ${f.path.map((s) => s.function).join('>')}`);
}

test('two worker threads give the facts of the sequential run, file for file, in the same order', async () => {
  assert.ok(files.length > 50, `only ${files.length} fixture files`);
  const pooled = await extractAll(files, { jobs: 2, cacheDir: null });
  assert.deepEqual(pooled.facts, sequential);
  assert.deepEqual(findingIds(pooled.facts), findingIds(sequential));
  assert.ok(pooled.times.parse > 0 && pooled.times.extract > 0, JSON.stringify(pooled.times));
});

test('a cold then a warm cached run give the sequential facts; the warm one parses nothing', async () => {
  const cacheDir = tempDir('pool');
  const cold = await extractAll(files, { jobs: 2, cacheDir });
  const warm = await extractAll(files, { jobs: 2, cacheDir });
  assert.deepEqual(cold.facts, sequential);
  assert.deepEqual(warm.facts, sequential);
  // Identical fixture files share an entry, so a cold run may already hit.
  assert.equal(cold.cache.hits + cold.cache.misses, files.length);
  assert.deepEqual({ hits: warm.cache.hits, misses: warm.cache.misses, rebuilt: warm.cache.rebuilt }, { hits: files.length, misses: 0, rebuilt: 0 });
  assert.equal(warm.times.parse, 0);
});

test('one job runs in this thread with the same result', async () => {
  const here = await extractAll(files, { jobs: 1, cacheDir: null });
  assert.deepEqual(here.facts, sequential);
});
