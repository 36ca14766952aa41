/**
 * `npm run bench`: the simulator beside SPIN on the same models, the editor's edit-to-
 * diagnostics latency, and the kernel corpus benchmark.
 * Usage: node out/bench/run.js [sim] [latency] [kernel-subdir...] (default: sim drivers).
 * Writes .cache/bench/<name>.json (and sim.md, latency.md) and prints a summary per item.
 */
import * as fs from 'fs';
import * as path from 'path';
import { benchKernel, corpusRoot } from './kernel';
import { latencyGenerated, latencyKernel, latencyMarkdown } from './latency';
import { runSimBench } from './sim';

const ROOT = path.join(__dirname, '..', '..');
/** Edits per latency run: the kernel directory's whole re-analyses take seconds each. */
const LATENCY_EDITS = 90;
const LATENCY_KERNEL_EDITS = 27;

async function main(): Promise<void> {
  const items = process.argv.slice(2);
  const wanted = items.length > 0 ? items : ['sim', 'drivers'];
  const out = path.join(ROOT, '.cache', 'bench');
  fs.mkdirSync(out, { recursive: true });
  if (wanted.includes('sim')) {
    const sim = await runSimBench({ log: (line: string) => process.stderr.write(`${line}\n`) });
    fs.writeFileSync(path.join(out, 'sim.md'), sim.markdown);
    process.stdout.write(`${sim.markdown}\n`);
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (wanted.includes('latency')) {
    const results = [await latencyGenerated(LATENCY_EDITS, log)];
    results.push(await latencyKernel(corpusRoot(ROOT), 'drivers/net/ethernet', 'intel/e1000/e1000_main.c', LATENCY_KERNEL_EDITS, log));
    const markdown = latencyMarkdown(results);
    fs.writeFileSync(path.join(out, 'latency.json'), JSON.stringify(results, null, 2));
    fs.writeFileSync(path.join(out, 'latency.md'), markdown);
    process.stdout.write(`${markdown}\n`);
  }
  const subdirs = wanted.filter((w) => w !== 'sim' && w !== 'latency');
  const corpus = subdirs.length > 0 ? corpusRoot(ROOT) : '';
  for (const subdir of subdirs) {
    const r = await benchKernel(corpus, subdir);
    fs.writeFileSync(path.join(out, `${subdir.replace(/\//g, '_')}.json`), JSON.stringify(r, null, 2));
    process.stdout.write(
      `${subdir}: ${r.files} files (${r.megabytes.toFixed(0)} MB), ${r.stats.functions} functions; ` +
        `baseline parse ${r.seconds.baselineParse.toFixed(1)} s, irqlens ${r.seconds.total.toFixed(1)} s (${r.ratioToParse.toFixed(2)}x); ` +
        `peak RSS ${r.peakRssMb.toFixed(0)} MB; findings ${JSON.stringify(r.stats.findings)}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
