/**
 * Differential test of incremental re-analysis: a document is edited step by step (lines
 * and comments added, a forbidden call added and removed, a function-pointer store added
 * and removed, a function renamed, the syntax broken and mended; calls deep in a chain,
 * lock and irq-save regions, the only call path to a function added and removed), each
 * version is parsed incrementally and re-analysed with `reanalyze`, and the result must
 * equal a from-scratch parse and analysis of the same texts: findings (ids, witnesses,
 * positions) and entries.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyze, reanalyze, reanalyzeUnlessStale, reusePlan, type Analysis, type Propagation, type Reanalysis } from '../server/src/analysis';
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

/** What must match: every finding as JSON, each entry's kind, function, place and note, and the contexts hover shows for every function. */
function observable(a: Analysis): string {
  const entries = a.entries.map((e) => ({ kind: e.kind, fn: e.fn.facts.name, file: e.fn.file, at: e.at, note: e.note }));
  const contexts = a.symbols.defs.map((d) => [d.facts.name, a.contextsOf(d)]);
  return JSON.stringify({ findings: a.findings, entries, stats: a.stats(), contexts });
}

/** How many versions each way of re-analysing took, and the finding counts seen. */
interface Run {
  how: Record<Reanalysis['how'], number>;
  /** Of the `bodies` re-analyses, how each made its propagation. */
  made: Record<Propagation['made'], number>;
  versions: number;
  findingCounts: Set<number>;
}

/**
 * Applies `steps` to `edited` one by one, each followed by a line break typed at a random
 * line (positions move, nothing else does); after every version the incremental
 * re-analysis must equal a from-scratch parse and analysis of the same texts.
 */
function editAndCompare(edited: { file: string; text: string }, others: ReadonlyArray<{ file: string; text: string }>, steps: readonly Step[], seed: number): Run {
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const otherFacts = others.map((o) => factsFromText(parser(), o.file, o.text));
  const doc = new DocumentParse(parser(), edited.file);
  const rng = mulberry32(seed);
  let text = edited.text;
  let previous: Analysis | undefined;
  const versions: Array<[string, string]> = [['original', text]];
  for (const [name, edit] of steps) {
    text = edit(text);
    versions.push([name, text]);
    const lines = text.split('\n');
    const at = pick(rng, lines.length);
    text = [...lines.slice(0, at), '', ...lines.slice(at)].join('\n');
    versions.push([`${name}, then a new line at ${at + 1}`, text]);
  }
  const run: Run = { how: { moved: 0, bodies: 0, whole: 0 }, made: { search: 0, patch: 0, restart: 0 }, versions: versions.length, findingCounts: new Set() };
  for (const [name, version] of versions) {
    const result = reanalyze(previous, [...otherFacts, doc.update(version)], kernel);
    previous = result.analysis;
    run.how[result.how]++;
    if (result.how === 'bodies') run.made[result.analysis.propagation.made]++;
    const fresh = analyze([...others.map((o) => factsFromText(parser(), o.file, o.text)), factsFromText(parser(), edited.file, version)], kernel);
    assert.equal(observable(result.analysis), observable(fresh), `${name} (${result.how})`);
    // The facts the analysis holds, moved in place or replaced, are the fresh parse's too.
    assert.deepEqual(result.analysis.files.at(-1), fresh.files.at(-1), `${name} (${result.how}): facts`);
    run.findingCounts.add(fresh.findings.length);
  }
  doc.dispose();
  return run;
}

test('re-analysis after each edit equals a from-scratch analysis of the same texts', () => {
  const others = [fixture('multi-hop-chain', 'mmc_host.c'), fixture('irqsave-region-chain', 'l2c.c'), fixture('macro-wrapped-sleep', 'hdmi_cec.c')];
  const run = editAndCompare(fixture('fnptr-designated-init', 'ltc_hwmon.c'), others, STEPS, 4);
  // Every path was taken, and the edits did change the findings.
  assert.ok(run.how.moved >= 10, `moved ${run.how.moved} of ${run.versions}`);
  assert.ok(run.how.bodies >= 1, `bodies ${run.how.bodies} of ${run.versions}`);
  assert.ok(run.how.whole >= 3, `whole ${run.how.whole} of ${run.versions}`);
  assert.ok(run.findingCounts.size >= 3, `finding counts seen: ${[...run.findingCounts].join(', ')}`);
});

/** Several edits as one step. */
function all(...edits: Array<(text: string) => string>): (text: string) => string {
  return (text) => edits.reduce((t, e) => e(t), text);
}

/** Edits inside function bodies that change which functions run where (see the fixture's header); single-line targets, so that the line breaks typed between steps cannot split them. */
const BODY_STEPS: Step[] = [
  ['a call deep in the chain reaches a sleeping function from the IRQ', replaceOnce('\td->status = readl(d->base);', '\td->status = readl(d->base);\n\tcd_slow_reset(d);')],
  ['a forbidden call in the handler', replaceOnce('\tcd_step1(d);', '\tcd_step1(d);\n\tmsleep(2);')],
  ['an argument typed', replaceOnce('udelay(5);', 'udelay(50);')],
  ['the only call of a function moved into the irqsave region', all(replaceOnce('\tcd_only_path(d);\n', ''), replaceOnce('\td->status = 0;', '\td->status = 0;\n\tcd_only_path(d);'))],
  ['the forbidden call in the handler removed', replaceOnce('\tmsleep(2);\n', '')],
  ['the irqsave region removed', replaceOnce('\tspin_lock_irqsave(&d->lock, flags);\n', '')],
  ['a lock region in the middle of the chain', all(replaceOnce('\tif (d->status)', '\tspin_lock(&d->lock);\n\tif (d->status)'), replaceOnce('\t\tcd_step3(d);', '\t\tcd_step3(d);\n\tspin_unlock(&d->lock);'))],
  ['the only call path to a function removed', replaceOnce('\tcd_only_path(d);\n', '')],
  ['the deep call removed', replaceOnce('\tcd_slow_reset(d);\n', '')],
  ['an irq-save region around the sleep', all(replaceOnce('\twritel(1, d->base + 0x8);', '\tunsigned long flags;\n\twritel(1, d->base + 0x8);'), replaceOnce('\tmsleep(10);', '\tlocal_irq_save(flags);\n\tmsleep(10);\n\tlocal_irq_restore(flags);'))],
  ['the lock region in the chain removed', replaceOnce('\tspin_lock(&d->lock);\n', '')],
  ['a second call into the chain from the region', replaceOnce('\td->status = 0;', '\td->status = 0;\n\tcd_step2(d);')],
  ['a callback passed where it was not: not local', replaceOnce('\td->status = 0;', '\td->status = 0;\n\tsmp_call_function(cd_flush_local, d, 1);')],
  ['the deep call back', replaceOnce('\td->status = readl(d->base);', '\td->status = readl(d->base);\n\tcd_slow_reset(d);')],
  // The registration's position object is held by the entry: lines typed above it later must move it.
  ['a call added in the function that registers the IRQ', replaceOnce('\tcd_update(d);', '\tcd_update(d);\n\tudelay(1);')],
  ['lines typed at the top', (t) => `\n\n\n${t}`],
];

test('edits that change calls and regions inside bodies are re-propagated, equal to a from-scratch analysis', () => {
  const edited = { file: path.join(FIXTURES, 'incremental', 'chain_drv.c'), text: fs.readFileSync(path.join(FIXTURES, 'incremental', 'chain_drv.c'), 'utf8') };
  const run = editAndCompare(edited, [fixture('multi-hop-chain', 'mmc_host.c'), fixture('irqsave-region-chain', 'l2c.c')], BODY_STEPS, 7);
  // Whole analyses besides: the original, the callback passed, and the edits that change a
  // function's net effect on its callers' context (a region left unbalanced), which its
  // callers' interpretations were made with (summaries.ts).
  assert.ok(run.how.bodies >= BODY_STEPS.length - 5, `bodies ${run.how.bodies} of ${run.versions}`);
  assert.ok(run.how.whole >= 2, `whole ${run.how.whole} of ${run.versions}: the original, and the callback passed`);
  assert.ok(run.findingCounts.size >= 4, `finding counts seen: ${[...run.findingCounts].join(', ')}`);
});

test('an edit that changes what a callee does to its caller\'s context is seen by the caller', () => {
  const text = [
    '#include <linux/spinlock.h>',
    'struct dv { spinlock_t lock; };',
    'static void dv_unlock(struct dv *d, unsigned long f)',
    '{',
    '\tspin_unlock_irqrestore(&d->lock, f);',
    '}',
    'void dv_work(struct dv *d)',
    '{',
    '\tunsigned long f;',
    '\tspin_lock_irqsave(&d->lock, f);',
    '\tdv_unlock(d, f);',
    '\tmsleep(1);',
    '}',
    '',
  ].join('\n');
  const steps: Step[] = [
    // The wrapper no longer unlocks: msleep() now runs with IRQs off in its caller.
    ['the unlock in the wrapper replaced', replaceOnce('\tspin_unlock_irqrestore(&d->lock, f);', '\tudelay(1);')],
    ['the unlock back', replaceOnce('\tudelay(1);', '\tspin_unlock_irqrestore(&d->lock, f);')],
  ];
  const run = editAndCompare({ file: '/ws/dv.c', text }, [], steps, 3);
  assert.deepEqual([...run.findingCounts].sort(), [0, 1]);
});

test('an edit that changes how a function uses its parameters changes the contexts its callers enter it in', () => {
  const text = [
    '#include <linux/interrupt.h>',
    'static void fp_sleepy(void)',
    '{',
    '\tmsleep(10);',
    '}',
    'static void fp_quick(void)',
    '{',
    '\tudelay(1);',
    '}',
    'static void fp_helper(void (*cb)(void))',
    '{',
    '\tudelay(2);',
    '}',
    'static irqreturn_t fp_irq(int irq, void *data)',
    '{',
    '\tfp_helper(fp_quick);',
    '\treturn IRQ_HANDLED;',
    '}',
    'void fp_process(void)',
    '{',
    '\tfp_helper(fp_sleepy);',
    '}',
    'int fp_probe(int irq)',
    '{',
    '\treturn request_irq(irq, fp_irq, 0, "fp", NULL);',
    '}',
    '',
  ].join('\n');
  const steps: Step[] = [
    // Now called through, the parameter is bound per caller: the IRQ's call reaches fp_quick() only.
    ['a call through the parameter', replaceOnce('\tudelay(2);', '\tudelay(2);\n\tcb();')],
    ['the call through the parameter removed', replaceOnce('\tcb();\n', '')],
    ['a forbidden call in the helper', replaceOnce('\tudelay(2);', '\tmdelay(2);\n\tmsleep(1);')],
    ['the call through the parameter back', replaceOnce('\tmsleep(1);', '\tmsleep(1);\n\tcb();')],
  ];
  const run = editAndCompare({ file: '/ws/fp.c', text }, [], steps, 5);
  assert.ok(run.how.bodies >= steps.length, `bodies ${run.how.bodies} of ${run.versions}`);
  assert.deepEqual([...run.findingCounts].sort(), [0, 1]);
});

test('an edit that calls a function by name where nothing did makes it no root of its own', () => {
  const text = [
    '#include <linux/irqflags.h>',
    'static void rt_region(void)',
    '{',
    '\tunsigned long f;',
    '\tlocal_irq_save(f);',
    '\tmsleep(3);',
    '\tlocal_irq_restore(f);',
    '}',
    'void rt_caller(void)',
    '{',
    '\tudelay(1);',
    '}',
    '',
  ].join('\n');
  // The region's finding stays; its witness starts in rt_caller() while it calls rt_region().
  const steps: Step[] = [
    ['a call of the region\'s function', replaceOnce('\tudelay(1);', '\tudelay(1);\n\trt_region();')],
    ['the call removed', replaceOnce('\trt_region();\n', '')],
    ['the call back', replaceOnce('\tudelay(1);', '\trt_region();\n\tudelay(1);')],
  ];
  const run = editAndCompare({ file: '/ws/rt.c', text }, [], steps, 9);
  assert.ok(run.how.bodies >= steps.length, `bodies ${run.how.bodies} of ${run.versions}`);
  assert.deepEqual([...run.findingCounts], [1]);
});

test('random edits inside the bodies of every analysis fixture: incremental equals from scratch', () => {
  const root = path.join(FIXTURES, 'analysis');
  const rng = mulberry32(11);
  const how: Record<Reanalysis['how'], number> = { moved: 0, bodies: 0, whole: 0 };
  for (const dir of fs.readdirSync(root).sort()) {
    const files = (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[]).filter((f) => /\.[ch]$/.test(f)).map((f) => path.join(root, dir, f));
    const edited = files.find((f) => f.endsWith('.c'));
    if (!edited) continue;
    const others = files.filter((f) => f !== edited).map((f) => ({ file: f, text: fs.readFileSync(f, 'utf8') }));
    const text = fs.readFileSync(edited, 'utf8');
    const statements = text.split('\n').filter((l) => /^\t+\S.*;\s*$/.test(l));
    const steps: Step[] = [];
    for (let k = 0; k < 6; k++) {
      const r = pick(rng, 4);
      const line = pick(rng, 1000);
      const statement = statements.length > 0 ? statements[pick(rng, statements.length)] : '';
      steps.push([
        `${dir}: ${['a body line deleted', 'a statement of the file inserted', 'a body line duplicated', 'a blank line in a body'][r]}`,
        (t) => {
          const lines = t.split('\n');
          const body = lines.map((l, i) => (/^\t+\S/.test(l) ? i : -1)).filter((i) => i >= 0);
          if (body.length === 0) return t;
          const at = body[line % body.length];
          if (r === 0) lines.splice(at, 1);
          else lines.splice(at, 0, r === 1 ? statement : r === 2 ? lines[at] : '');
          return lines.join('\n');
        },
      ]);
    }
    const run = editAndCompare({ file: edited, text }, others, steps, pick(rng, 1000));
    for (const k of Object.keys(how) as Array<Reanalysis['how']>) how[k] += run.how[k];
  }
  assert.ok(how.bodies >= 100 && how.whole >= 100 && how.moved >= 100, JSON.stringify(how));
});

/**
 * A random driver of `n` helpers calling each other, some in IRQs-off regions, some
 * sleeping or calling across CPUs, three IRQ handlers and an ops table: a call graph with
 * shared callees, cycles and several entries, where which node reaches which first
 * matters.
 */
function randomDriver(rng: () => number, n: number): string {
  const fn = (): string => `rd_f${pick(rng, n)}`;
  const out = ['#include <linux/interrupt.h>', '#include <linux/spinlock.h>', 'static DEFINE_SPINLOCK(rd_lock);', ...Array.from({ length: n }, (_, i) => `static void rd_f${i}(void);`), ''];
  for (let i = 0; i < n; i++) {
    out.push(`static void rd_f${i}(void)`, '{', '\tunsigned long flags;');
    for (let k = pick(rng, 5); k >= 0; k--) {
      const r = pick(rng, 12);
      if (r < 6) out.push(`\t${fn()}();`);
      else if (r === 6) out.push('\tmsleep(1);');
      else if (r === 7) out.push('\tudelay(1);');
      else if (r === 8) out.push('\tsmp_call_function(rd_ipi, 0, 1);');
      else out.push('\tspin_lock_irqsave(&rd_lock, flags);', `\t${fn()}();`, '\tspin_unlock_irqrestore(&rd_lock, flags);');
    }
    out.push('}', '');
  }
  out.push('static const struct rd_ops rd_ops = {', `\t.poll = ${fn()},`, '};', '');
  for (let h = 0; h < 3; h++) out.push(`static irqreturn_t rd_irq${h}(int irq, void *d)`, '{', `\t${fn()}();`, '\treturn IRQ_HANDLED;', '}', '');
  out.push('int rd_probe(void)', '{', ...[0, 1, 2].map((h) => `\trequest_irq(${h}, rd_irq${h}, 0, "rd", 0);`), '\treturn 0;', '}', '');
  return out.join('\n');
}

test('random calls added and removed in a random call graph: the search restarted from the changed functions equals a fresh one', () => {
  const rng = mulberry32(23);
  const made: Run['made'] = { search: 0, patch: 0, restart: 0 };
  for (let program = 0; program < 20; program++) {
    const n = 6 + pick(rng, 10);
    const text = randomDriver(rng, n);
    const steps: Step[] = [];
    for (let k = 0; k < 14; k++) {
      const add = pick(rng, 3) > 0;
      const callee = `rd_f${pick(rng, n)}`;
      const where = pick(rng, 1000);
      steps.push([
        add ? `a call of ${callee} added` : 'a call removed',
        (t) => {
          const lines = t.split('\n');
          const body = lines.map((l, i) => (add ? /^\t(rd_f\d+\(\)|spin_lock_irqsave|udelay|msleep|unsigned long flags)/ : /^\trd_f\d+\(\);$/).test(l) ? i : -1).filter((i) => i >= 0);
          if (body.length === 0) return t;
          const at = body[where % body.length];
          if (add) lines.splice(at + 1, 0, `\t${callee}();`);
          else lines.splice(at, 1);
          return lines.join('\n');
        },
      ]);
    }
    const run = editAndCompare({ file: path.join(FIXTURES, 'incremental', `random_${program}.c`), text }, [], steps, pick(rng, 1000));
    for (const k of Object.keys(made) as Array<keyof Run['made']>) made[k] += run.made[k];
  }
  assert.ok(made.restart >= 100, JSON.stringify(made));
});

test('a previous analysis with another kernel model is not reused', () => {
  const f = fixture('multi-hop-chain', 'mmc_host.c');
  const facts = [factsFromText(parser(), f.file, f.text)];
  const first = analyze(facts, new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG));
  const again = reanalyze(first, facts, new KernelIndex(BUILTIN_MODEL, { ...EMPTY_CONFIG, rules: { 'sleep-in-atomic': false } }));
  assert.equal(again.how, 'whole');
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

test('the reuse plan made before a re-analysis (to choose the debounce) is the one it follows', async () => {
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const f = fixture('multi-hop-chain', 'mmc_host.c');
  const moved = `\n\n${f.text}`;
  const fresh = analyze([factsFromText(parser(), f.file, moved)], kernel);
  for (const [name, plan, how] of [
    ['planned', (a: Analysis, facts: ReturnType<typeof factsFromText>) => reusePlan(a, [facts], kernel), 'moved'],
    ['planned as a whole analysis', () => undefined, 'whole'],
  ] as const) {
    const previous = analyze([factsFromText(parser(), f.file, f.text)], kernel);
    const facts = factsFromText(parser(), f.file, moved);
    const planned = { plan: plan(previous, facts) };
    const result = await reanalyzeUnlessStale(previous, [facts], kernel, () => false, planned);
    assert.equal(result?.how, how, name);
    assert.equal(JSON.stringify(result?.analysis.findings), JSON.stringify(fresh.findings), name);
  }
  assert.ok(fresh.findings.length > 0);
});

/**
 * Each version's incremental re-analysis, facts included, equals a fresh one; with
 * `fromDisk`, the first analysis is of the first version's facts parsed apart, as the
 * language server's index reads them from the fact cache before the file is opened.
 */
function checkVersions(versions: readonly string[], fromDisk = false): void {
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const doc = new DocumentParse(parser(), 'drv.c');
  let previous: Analysis | undefined = fromDisk ? analyze([factsFromText(parser(), 'drv.c', versions[0])], kernel) : undefined;
  versions.forEach((text, k) => {
    const result = reanalyze(previous, [doc.update(text)], kernel);
    previous = result.analysis;
    const fresh = analyze([factsFromText(parser(), 'drv.c', text)], kernel);
    assert.deepEqual(result.analysis.files, fresh.files, `version ${k} (${result.how}): facts`);
    assert.equal(observable(result.analysis), observable(fresh), `version ${k} (${result.how})`);
  });
  doc.dispose();
}

test('a function the memo hands out again is not moved or replaced in place as another function', () => {
  // Two definitions of f under one condition. First the file grows a function at its end
  // and is analysed whole, with the memo's own object of the unmoved first f among its
  // facts. Then a changed f takes the comment's lines and the second f goes, so each f's
  // body looks changed at its index: the first f's object is the new file's second
  // function when it did not move, and is kept by the memo when it did.
  const f = (call: string): string => `static void f(void)\n{\n\t${call};\n}\n`;
  const tail = 'static irqreturn_t h(int irq, void *d)\n{\n\tf();\n\treturn IRQ_HANDLED;\n}\n\nstatic int p(void)\n{\n\treturn request_irq(1, h, 0, "x", NULL);\n}\n';
  const before = [`#ifdef CONFIG_A\n/* one\n * two\n * three\n */\n${f('udelay(1)')}${f('msleep(2)')}#endif\n`, `#ifdef CONFIG_A\n/* one\n * two\n * three\n */\n${f('udelay(1)')}${f('msleep(2)')}#endif\n${tail}`];
  for (const gap of ['', '\n\n']) {
    const after = `#ifdef CONFIG_A\n${f('msleep(3)')}${gap}${f('udelay(1)')}#endif\n${tail}`;
    checkVersions([...before, after, `\n${after}`, `\n\n${after}`]);
  }
});

test('an analysis of facts parsed apart (the fact cache) is built on by the edits of the open document', () => {
  const f = (name: string, call: string): string => `static void ${name}(void)\n{\n\t${call};\n}\n\n`;
  const text = `${f('a', 'udelay(1)')}${f('b', 'mdelay(2)')}static irqreturn_t h(int irq, void *d)\n{\n\ta();\n\tb();\n\treturn IRQ_HANDLED;\n}\n\nstatic int p(void)\n{\n\treturn request_irq(1, h, 0, "x", NULL);\n}\n`;
  const moved = `\n${text}`;
  checkVersions([text, text, moved, moved.replace('mdelay(2)', 'msleep(2)'), `\n${moved.replace('mdelay(2)', 'msleep(2)')}`, `/* x */\n${moved}`], true);
});
