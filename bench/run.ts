/**
 * `npm run bench`: the simulator beside SPIN on the same models, and the kernel corpus
 * benchmark. Usage: node out/bench/run.js [sim] [kernel-subdir...] (default: sim drivers).
 * Writes .cache/bench/<name>.json (and sim.md) and prints a summary per item.
 */
import * as fs from 'fs';
import * as path from 'path';
import { benchKernel, corpusRoot } from './kernel';
import { runSimBench } from './sim';

const ROOT = path.join(__dirname, '..', '..');

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
  const subdirs = wanted.filter((w) => w !== 'sim');
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
