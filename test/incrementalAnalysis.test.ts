/**
 * Differential test of incremental re-analysis: a document is edited step by step (lines
 * and comments added, a forbidden call added and removed, a function-pointer store added
 * and removed, a function renamed, the syntax broken and mended), each version is parsed
 * incrementally and re-analysed with `reanalyze`, and the result must equal a from-scratch
 * parse and analysis of the same texts: findings (ids, witnesses, positions) and entries.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyze, reanalyze, reanalyzeUnlessStale, type Analysis } from '../server/src/analysis';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../server/src/kernel';
import { mulberry32, pick } from '../server/src/sim/prng';
import { factsFromText } from '../server/src/syntax';
import { DocumentParse } from '../server/src/syntax/incremental';
import { FIXTURES, parser } from './support/fixtures';

const fixture = (dir: string, file: string): { file: string; text: string } => {
  const p = path.join(FIXTURES, 'analysis', dir, file);
  return { file: p, text: fs.readFileSync(p, 'utf8') };
};

type Step = [string, (text: string) => string];

/** Replaces the one occurrence of `from`; a missing one is a broken test, not a skipped step. */
function replaceOnce(from: string, to: string): (text: string) => string {
  return (text) => {
    assert.ok(text.includes(from), `edit target ${JSON.stringify(from)} present`);
    return text.replace(from, to);
  };
}

const STEPS: Step[] = [
  ['blank lines at the top', (t) => `\n\n${t}`],
  ['a comment inside the handler', replaceOnce('\tc->ops->clear_alarm(c);', '\t/* clear first */\n\tc->ops->clear_alarm(c);')],
  ['a forbidden call in the handler', replaceOnce('\tc->ops->clear_alarm(c);', '\tc->ops->clear_alarm(c);\n\tmsleep(5);')],
  ['indentation before it', replaceOnce('\tmsleep(5);', '\t\t  msleep(5);')],
  ['the forbidden call removed', replaceOnce('\t\t  msleep(5);\n', '')],
  ['a call through another pointer field', replaceOnce('\tc->ops->clear_alarm(c);', '\tc->ops->clear_alarm(c);\n\tc->ops->read_temp(c);')],
  ['a new line in the ops table', replaceOnce('\t.clear_alarm\t= ltc2990_clear_alarm,', '\n\t.clear_alarm\t= ltc2990_clear_alarm,')],
  ['the pointer store removed', replaceOnce('\t.read_temp\t= ltc2990_read_temp,\n', '')],
  ['the pointer store added back', replaceOnce('static const struct ltc_chip_ops ltc2990_ops = {', 'static const struct ltc_chip_ops ltc2990_ops = {\n\t.read_temp = ltc2990_read_temp,')],
  ['a function renamed', replaceOnce('static void ltc2990_clear_alarm(struct', 'static void ltc2990_clear(struct')],
  ['the renamed function stored', replaceOnce('= ltc2990_clear_alarm,', '= ltc2990_clear,')],
  ['broken syntax', replaceOnce('\treturn IRQ_HANDLED;\n}', '\treturn IRQ_HANDLED;\n')],
  ['lines added while broken', (t) => `/* x */\n${t}`],
  ['syntax mended', replaceOnce('\treturn IRQ_HANDLED;\n', '\treturn IRQ_HANDLED;\n}')],
  ['an unterminated comment', replaceOnce('static int ltc_probe', '/* static int ltc_probe')],
  ['closed again', replaceOnce('/* static int ltc_probe', '/**/ static int ltc_probe')],
];

/** What must match: every finding as JSON, and each entry's kind, function, place and note. */
function observable(a: Analysis): string {
  const entries = a.entries.map((e) => ({ kind: e.kind, fn: e.fn.facts.name, file: e.fn.file, at: e.at, note: e.note }));
  return JSON.stringify({ findings: a.findings, entries, stats: a.stats() });
}

test('re-analysis after each edit equals a from-scratch analysis of the same texts', () => {
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const others = [fixture('multi-hop-chain', 'mmc_host.c'), fixture('irqsave-region-chain', 'l2c.c'), fixture('macro-wrapped-sleep', 'hdmi_cec.c')];
  const otherFacts = others.map((o) => factsFromText(parser(), o.file, o.text));
  const edited = fixture('fnptr-designated-init', 'ltc_hwmon.c');
  const doc = new DocumentParse(parser(), edited.file);
  const rng = mulberry32(4);
  let text = edited.text;
  let previous: Analysis | undefined;
  let reused = 0;
  const versions: Array<[string, string]> = [['original', text]];
  for (const [name, edit] of STEPS) {
    text = edit(text);
    versions.push([name, text]);
    // A line break typed somewhere between steps: positions move, nothing else does.
    const lines = text.split('\n');
    const at = pick(rng, lines.length);
    text = [...lines.slice(0, at), '', ...lines.slice(at)].join('\n');
    versions.push([`${name}, then a new line at ${at + 1}`, text]);
  }
  const findingCounts = new Set<number>();
  for (const [name, version] of versions) {
    const result = reanalyze(previous, [...otherFacts, doc.update(version)], kernel);
    previous = result.analysis;
    if (result.reused) reused++;
    const fresh = analyze([...others.map((o) => factsFromText(parser(), o.file, o.text)), factsFromText(parser(), edited.file, version)], kernel);
    assert.equal(observable(result.analysis), observable(fresh), name);
    findingCounts.add(fresh.findings.length);
  }
  doc.dispose();
  // Both paths were taken, and the edits did change the findings.
  assert.ok(reused >= 10 && reused < versions.length, `reused ${reused} of ${versions.length}`);
  assert.ok(findingCounts.size >= 3, `finding counts seen: ${[...findingCounts].join(', ')}`);
});

test('a previous analysis with another kernel model is not reused', () => {
  const f = fixture('multi-hop-chain', 'mmc_host.c');
  const facts = [factsFromText(parser(), f.file, f.text)];
  const first = analyze(facts, new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG));
  const again = reanalyze(first, facts, new KernelIndex(BUILTIN_MODEL, { ...EMPTY_CONFIG, rules: { 'sleep-in-atomic': false } }));
  assert.equal(again.reused, false);
  assert.equal(again.analysis.findings.length, 0);
  assert.ok(first.findings.length > 0);
});

test('a re-analysis whose input goes stale gives up between phases; one that does not, finishes', async () => {
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const f = fixture('multi-hop-chain', 'mmc_host.c');
  const facts = [factsFromText(parser(), f.file, f.text)];
  let checks = 0;
  const dropped = await reanalyzeUnlessStale(undefined, facts, kernel, () => ++checks >= 2);
  assert.equal(dropped, undefined);
  assert.equal(checks, 2, 'checked after each phase until stale');
  const done = await reanalyzeUnlessStale(undefined, facts, kernel, () => false);
  assert.equal(JSON.stringify(done?.analysis.findings), JSON.stringify(analyze(facts, kernel).findings));
  assert.ok((done?.analysis.findings.length ?? 0) > 0);
});
