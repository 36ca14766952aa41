/**
 * The fast part of the fuzzer (bench/fuzz.ts): every saved failing input, a fixed-seed
 * round of mutants of the committed C files, and the pathological shapes with what each
 * must produce. A hang shows as this file's test timing out.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { loadCorpus } from '../bench/fuzz/corpus';
import { loadFixtures } from '../bench/fuzz/fixtures';
import { BAD_CONFIGS, CYCLES, DEEP_SHAPES, HUGE_LINES, MANY, MANY_SHAPES, makeInput, type Category, type FuzzInput } from '../bench/fuzz/inputs';
import { runPipeline } from '../bench/fuzz/pipeline';
import { parseConfig } from '../server/src/kernel';
import { MAX_CALL_DEPTH } from '../server/src/sim/scenario';
import { mulberry32 } from '../server/src/sim/prng';
import { createWasmParser, type CParser } from '../server/src/syntax';
import { MAX_CHILDREN } from '../server/src/syntax/extractFacts';
import { parser, ROOT } from './support/fixtures';

let wasmParser: CParser | undefined;
async function wasm(): Promise<CParser> {
  wasmParser ??= await createWasmParser();
  return wasmParser;
}

const shape = (label: string, text: string, config?: string): FuzzInput => ({
  category: 'deep-nesting',
  seed: 0,
  label,
  path: `${label}.c`,
  bytes: Buffer.from(text),
  ...(config !== undefined ? { config } : {}),
});

test('every saved fuzz input ends with facts or problems, on the backend that found it', async () => {
  const fixtures = loadFixtures(path.join(ROOT, 'test', 'fixtures', 'fuzz'));
  assert.ok(fixtures.length >= 2, 'the fixtures the fuzzer saved are found');
  for (const f of fixtures) {
    const p = f.meta.backend === 'native' ? parser() : await wasm();
    const { outcome, facts } = runPipeline(f.input, p);
    assert.equal(outcome.crash, null, `${f.name}: ${f.meta.label}`);
    assert.ok(facts && (facts.functions.length > 0 || facts.problems.length > 0), `${f.name} has facts or says why not`);
  }
});

const ROUND: readonly Category[] = ['byte-flip', 'truncate', 'splice', 'delete-braces', 'repeat-macro', 'random-bytes', 'token-soup', 'bad-config'];

test('a fixed-seed round of 320 mutated and random inputs: no crash, and the later phases are reached', async () => {
  const corpus = loadCorpus(ROOT, null);
  assert.ok(corpus.withFindings.length > 50);
  const totals = { findings: 0, scenarios: 0, problems: 0, configErrors: 0, clean: 0 };
  for (const category of ROUND) {
    for (let seed = 1; seed <= 40; seed++) {
      const input = makeInput(category, seed, corpus);
      const { outcome } = runPipeline(input, seed % 4 === 3 ? parser() : await wasm());
      assert.equal(outcome.crash, null, `${category} seed ${seed}: ${input.label}`);
      totals.findings += outcome.findings;
      totals.scenarios += outcome.scenarios.built;
      totals.problems += outcome.problems.length;
      totals.configErrors += outcome.configErrors;
      if (outcome.problems.length === 0) totals.clean++;
    }
  }
  // Mutants of files with findings keep many of them, and the scenario builder sees them.
  assert.ok(totals.findings > 20 && totals.scenarios > 20, JSON.stringify(totals));
  assert.ok(totals.problems > 20 && totals.clean > 100 && totals.configErrors > 10, JSON.stringify(totals));
});

test('the same seed builds the same input', () => {
  const corpus = loadCorpus(ROOT, null);
  for (const category of ROUND) {
    const [a, b] = [makeInput(category, 7, corpus), makeInput(category, 7, corpus)];
    assert.deepEqual([a.label, Buffer.from(a.bytes).equals(Buffer.from(b.bytes)), a.config], [b.label, true, b.config]);
  }
  assert.notEqual(mulberry32(1)(), mulberry32(2)());
});

test('10,000-deep nesting of every kind: a too-deep problem, and the shallow code kept', () => {
  for (const [kind, build] of Object.entries(DEEP_SHAPES)) {
    const { outcome, facts } = runPipeline(shape(kind, build()), parser());
    assert.equal(outcome.crash, null, kind);
    if (kind === 'unclosed') {
      // Ten thousand unclosed blocks: tree-sitter gives up on the file, and says so.
      assert.ok((facts?.health.errorNodes ?? 0) > 0, kind);
      continue;
    }
    assert.ok(outcome.problems.includes('too-deep'), `${kind}: ${outcome.problems.join(', ')}`);
    if (kind !== 'initializer' && kind !== 'preprocessor') assert.deepEqual(facts?.functions.map((f) => f.name), ['f'], kind);
  }
  const { facts } = runPipeline(shape('braces', DEEP_SHAPES.braces()), parser());
  const calls = facts?.functions[0].body.flatMap((op) => (op.op === 'call' && op.callee.kind === 'name' ? [op.callee.name] : []));
  assert.deepEqual(calls, ['a', 'c']);
});

test('10,000 nested #ifdef lines: both nesting problems, no exception', () => {
  const { outcome, facts } = runPipeline(shape('preprocessor', DEEP_SHAPES.preprocessor()), parser());
  assert.equal(outcome.crash, null);
  assert.deepEqual(facts?.problems.map((p) => p.message.split(';')[0]), ['#if nesting deeper than 64 levels', 'nesting deeper than 800 levels']);
});

test('10 MB lines: a comment or a long name is parsed whole; a node over the width limit stops the walk', () => {
  const comment = runPipeline(shape('comment', HUGE_LINES.comment()), parser());
  assert.deepEqual([comment.outcome.crash, comment.outcome.problems, comment.facts?.functions.map((f) => f.name)], [null, [], ['f']]);
  const name = runPipeline(shape('identifier', HUGE_LINES.identifier()), parser());
  const op = name.facts?.functions[0].body[0];
  assert.ok(op?.op === 'call' && op.callee.kind === 'name' && op.callee.name.length > 10_000_000);
  // HUGE_LINES.semicolons (ten million) took minutes before the limit; one over it shows the same path faster.
  const semicolons = runPipeline(shape('semicolons', `void f(void) { g(); }\n${';'.repeat(MAX_CHILDREN + 1)}`), parser());
  assert.equal(semicolons.outcome.crash, null);
  assert.deepEqual(semicolons.outcome.problems, ['too-large']);
  assert.match(semicolons.facts?.problems[0].message ?? '', new RegExp(`${MAX_CHILDREN + 2} children`));
});

test(`${MANY} functions in a call chain: all extracted with the finding (its scenario refused with a reason), or a budget problem`, () => {
  const { outcome, facts } = runPipeline(shape('chain', MANY_SHAPES.chain(MANY)), parser());
  assert.equal(outcome.crash, null);
  const timeout = facts?.problems.find((p) => p.kind === 'timeout');
  if (timeout) {
    // A loaded machine may run out of the per-file time budget: what was extracted is kept.
    assert.match(timeout.message, new RegExp(`after ${facts?.functions.length} functions`));
    return;
  }
  assert.equal(facts?.functions.length, MANY + 2);
  assert.equal(outcome.findings, 1);
  assert.deepEqual(outcome.scenarios, { built: 0, failed: 1 });
});

test(`a call chain up to ${MAX_CALL_DEPTH} deep simulates; a deeper one is refused with the reason`, () => {
  const short = runPipeline(shape('chain', MANY_SHAPES.chain(MAX_CALL_DEPTH - 10)), parser());
  assert.deepEqual([short.outcome.findings, short.outcome.scenarios.built, short.outcome.simulated], [1, 1, 'deadlock']);
  const long = runPipeline(shape('chain', MANY_SHAPES.chain(MAX_CALL_DEPTH + 10)), parser());
  assert.deepEqual([long.outcome.findings, long.outcome.scenarios.failed], [1, 1]);
  assert.match(long.outcome.scenarioErrors[0], new RegExp(`${MAX_CALL_DEPTH + 10} calls deep; the simulator follows at most ${MAX_CALL_DEPTH}`));
});

test('call cycles through function pointers terminate with the one finding, and it simulates to a deadlock', async () => {
  for (const kind of ['ring', 'callback', 'variable'] as const) {
    for (const n of [1, 2, 100]) {
      const { outcome } = runPipeline(shape(kind, CYCLES[kind](n)), await wasm());
      assert.deepEqual([outcome.crash, outcome.findings, outcome.scenarios.built, outcome.simulated], [null, 1, 1, 'deadlock'], `${kind} of ${n}`);
    }
  }
});

/** Config errors each kind must give (null: depends on the mutation), and findings when it is valid. */
const CONFIG_EXPECT: Record<string, { errors: boolean | null; findings?: number }> = {
  truncated: { errors: true },
  flipped: { errors: null },
  'wrong-types': { errors: null },
  'random-json': { errors: null },
  'proto-keys': { errors: true },
  'deep-array': { errors: true },
  'huge-entries': { errors: false },
  'huge-string': { errors: false },
  bom: { errors: false, findings: 2 },
  valid: { errors: false, findings: 2 },
};

test('malformed .irqlens.json of every kind: errors, not exceptions; a valid one (even with a BOM) changes the analysis', () => {
  const input = makeInput('bad-config', 1, loadCorpus(ROOT, null));
  assert.deepEqual(Object.keys(CONFIG_EXPECT).sort(), Object.keys(BAD_CONFIGS).sort());
  for (const [kind, build] of Object.entries(BAD_CONFIGS)) {
    const { outcome } = runPipeline({ ...input, config: build(mulberry32(3)) }, parser());
    const expect = CONFIG_EXPECT[kind];
    assert.equal(outcome.crash, null, kind);
    if (expect.errors !== null) assert.equal(outcome.configErrors > 0, expect.errors, kind);
    if (expect.findings !== undefined) assert.equal(outcome.findings, expect.findings, kind);
  }
});

test('a wrapper named __proto__ is kept, not turned into a prototype', () => {
  const r = parseConfig('{"wrappers": {"__proto__": "smp_call_function", "toString": "on_each_cpu"}}');
  assert.ok(r.ok);
  assert.deepEqual(Object.entries(r.config.wrappers), [['__proto__', 'smp_call_function'], ['toString', 'on_each_cpu']]);
});
