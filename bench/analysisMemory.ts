/**
 * Where a whole-tree run's heap goes: the live heap (after a full GC) once the facts are
 * in, and after each analysis phase (symbols, points-to, entries, propagation, findings),
 * with the facts made as `check` makes them (worker threads, JSON). What a phase adds is
 * what it keeps for the phases after it; the peak of a run is near the last row.
 * Usage: node --expose-gc out/bench/analysisMemory.js <kernel-subdir> [--cache-dir DIR]
 */
import * as os from 'os';
import * as path from 'path';
import { Analysis, analysisPhases, type Phases } from '../server/src/analysis/analyze';
import { selectSources } from '../server/src/analysis/workspace';
import { extractAll } from '../server/src/cli/factsPool';
import { nodeReader } from '../server/src/cli/nodeReader';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../server/src/kernel';
import { corpusRoot } from './kernel';
import { liveHeapMb } from './liveHeap';

const ROOT = path.join(__dirname, '..', '..');
const PHASES = ['symbols', 'pointsTo', 'entries'];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const subdir = args.find((a) => !a.startsWith('--')) ?? 'drivers/net/ethernet/intel';
  const cacheAt = args.indexOf('--cache-dir');
  const cacheDir = cacheAt >= 0 ? (args[cacheAt + 1] ?? null) : null;
  const files = selectSources([path.join(corpusRoot(ROOT), subdir)], nodeReader).files;
  const rows: Array<[string, number]> = [['empty', liveHeapMb()]];
  const { facts } = await extractAll(files, { jobs: os.availableParallelism(), cacheDir });
  rows.push(['facts', liveHeapMb()]);
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const steps = analysisPhases(facts, kernel);
  let phases: Phases | undefined;
  for (let i = 0; !phases; i++) {
    const step = steps.next();
    if (step.done) phases = step.value;
    else rows.push([PHASES[i], liveHeapMb()]);
  }
  rows.push(['propagation', liveHeapMb()]);
  const analysis = new Analysis(facts, kernel, phases);
  rows.push(['findings', liveHeapMb()]);
  process.stdout.write(`${subdir}: ${files.length} files, ${analysis.findings.length} findings; live heap after each phase (MB), and what it added\n`);
  rows.forEach(([name, mb], i) => process.stdout.write(`  ${name.padEnd(12)} ${mb.toFixed(0).padStart(6)} ${i > 0 ? `+${(mb - rows[i - 1][1]).toFixed(0)}` : ''}\n`));
  process.stdout.write(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
