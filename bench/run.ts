/**
 * `npm run bench`: the simulator beside SPIN on the same models, the editor's edit-to-
 * diagnostics latency, the kernel corpus benchmark, the recall benchmark, and the language
 * server's memory over a 10,000-edit soak. Usage:
 *   node out/bench/run.js [sim] [latency] [soak] [recall [--seed=N] [--count=N] [--pointer-count=N]] [health] [kernel-subdir... [--jobs=N]]
 * (default: sim drivers). With `health`, the subdirectories get the parse-health report
 * (default: drivers kernel mm arch/x86/kernel) instead of the kernel benchmark. Writes
 * .cache/bench/<name>.json (and sim.md, latency.md, recall.md, soak.json) and prints a summary per item.
 */
import * as fs from 'fs';
import * as path from 'path';
import { benchKernel, corpusRoot } from './kernel';
import { createWasmParser } from '../server/src/syntax';
import { latencyGenerated, latencyKernel, latencyMarkdown } from './latency';
import { healthMarkdown, parseHealth } from './parseHealth';
import { runRecall } from './recall';
import { recallMarkdown } from './recall/report';
import { runSoak } from './lspSoak';
import { runSimBench } from './sim';

const ROOT = path.join(__dirname, '..', '..');
/** Edits per latency run: the kernel directory's whole re-analyses take seconds each. */
const LATENCY_EDITS = 90;
const LATENCY_KERNEL_EDITS = 27;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number): number => {
    const a = args.find((x) => x.startsWith(`--${name}=`));
    const n = a ? Number(a.slice(name.length + 3)) : fallback;
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a non-negative integer`);
    return n;
  };
  const items = args.filter((a) => !a.startsWith('--'));
  const wanted = items.length > 0 ? items : ['sim', 'drivers'];
  const out = path.join(ROOT, '.cache', 'bench');
  fs.mkdirSync(out, { recursive: true });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (wanted.includes('recall')) {
    const report = await runRecall({
      corpus: corpusRoot(ROOT),
      roots: ['drivers', 'kernel', 'mm', 'arch/x86/kernel'],
      seed: option('seed', 5),
      count: option('count', 240),
      pointerCount: option('pointer-count', 60),
      perDir: 2,
      scratch: path.join(ROOT, '.cache', 'recall'),
      cli: path.join(ROOT, 'bin', 'irqlens.js'),
      log,
    });
    fs.writeFileSync(path.join(out, 'recall.json'), JSON.stringify(report, null, 2));
    const md = recallMarkdown(report);
    fs.writeFileSync(path.join(out, 'recall.md'), md);
    process.stdout.write(`${md}\n`);
  }
  if (wanted.includes('sim')) {
    const sim = await runSimBench({ log });
    fs.writeFileSync(path.join(out, 'sim.md'), sim.markdown);
    process.stdout.write(`${sim.markdown}\n`);
  }
  if (wanted.includes('latency')) {
    const results = [await latencyGenerated(LATENCY_EDITS, log)];
    results.push(await latencyKernel(corpusRoot(ROOT), 'drivers/net/ethernet', 'intel/e1000/e1000_main.c', LATENCY_KERNEL_EDITS, log));
    const markdown = latencyMarkdown(results);
    fs.writeFileSync(path.join(out, 'latency.json'), JSON.stringify(results, null, 2));
    fs.writeFileSync(path.join(out, 'latency.md'), markdown);
    process.stdout.write(`${markdown}\n`);
  }
  if (wanted.includes('soak')) {
    const soak = await runSoak(log);
    fs.writeFileSync(path.join(out, 'soak.json'), JSON.stringify(soak, null, 2));
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    process.stdout.write(`soak: RSS growth ${pct(soak.rssGrowth)} (heap ${pct(soak.heapGrowth)}) from 1000 to ${soak.samples[soak.samples.length - 1].edits} edits in ${soak.seconds.toFixed(0)} s: ${soak.pass ? 'pass' : 'FAIL'} (< 10%)\n`);
    if (!soak.pass) process.exitCode = 1;
  }
  const subdirs = wanted.filter((w) => !['sim', 'latency', 'soak', 'recall', 'health'].includes(w));
  if (wanted.includes('health')) {
    const parser = await createWasmParser();
    const dirs = subdirs.length > 0 ? subdirs : ['drivers', 'kernel', 'mm', 'arch/x86/kernel'];
    const reports = dirs.map((d) => parseHealth(parser, corpusRoot(ROOT), d));
    fs.writeFileSync(path.join(out, 'health.json'), JSON.stringify(reports, null, 2));
    const md = healthMarkdown(reports, option('top', 15));
    fs.writeFileSync(path.join(out, 'health.md'), md);
    process.stdout.write(`${md}\n`);
    return;
  }
  const corpus = subdirs.length > 0 ? corpusRoot(ROOT) : '';
  // 0: one worker per core.
  const jobs = option('jobs', 0) || undefined;
  for (const subdir of subdirs) {
    const name = subdir.replace(/\//g, '_');
    const r = await benchKernel(corpus, subdir, path.join(out, `factcache-${name}`), jobs);
    fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(r, null, 2));
    process.stdout.write(
      `${subdir}: ${r.files} files (${r.megabytes.toFixed(0)} MB), ${r.stats.functions} functions, ${r.jobs} workers; ` +
        `baseline parse ${r.baseline.seconds.toFixed(1)} s; irqlens cold ${r.cold.total.toFixed(1)} s (${r.ratios.cold.toFixed(2)}x), ` +
        `check unchanged ${r.checkUnchanged.toFixed(1)} s (${(r.ratios.unchangedToCold * 100).toFixed(1)}% of cold), facts cached ${r.checkFactsCached.toFixed(1)} s, touch one file ${r.touch.total.toFixed(1)} s; ` +
        `peak RSS ${r.cold.peakRssMb.toFixed(0)} MB; findings ${JSON.stringify(r.stats.findings)}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
