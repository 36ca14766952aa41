/**
 * `npm run bench`: the kernel corpus benchmark (one subtree per process, so each peak RSS
 * is its own). Usage: node out/bench/run.js [kernel-subdir...] (default: drivers).
 * Writes .cache/bench/<subdir>.json and prints a summary line per subtree.
 */
import * as fs from 'fs';
import * as path from 'path';
import { benchKernel, corpusRoot } from './kernel';

const ROOT = path.join(__dirname, '..', '..');

async function main(): Promise<void> {
  const subdirs = process.argv.slice(2);
  const corpus = corpusRoot(ROOT);
  const out = path.join(ROOT, '.cache', 'bench');
  fs.mkdirSync(out, { recursive: true });
  for (const subdir of subdirs.length > 0 ? subdirs : ['drivers']) {
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
