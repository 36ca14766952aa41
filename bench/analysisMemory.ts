/**
 * Where a whole-tree run's heap and time go: the live heap (after a full GC) once the
 * facts are in, and after each analysis phase (symbols, points-to, entries, propagation,
 * findings), with the CPU and wall time each phase took (measured before that GC), the
 * facts made as `check` makes them (worker threads, JSON). What a phase adds is what it
 * keeps for the phases after it; the peak of a run is near the last row. Several
 * subdirectories are analysed as one workspace, to see how a phase grows with the tree.
 * Usage: node --expose-gc out/bench/analysisMemory.js <kernel-subdir>... [--cache-dir DIR]
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

interface Row {
  name: string;
  heapMb: number;
  cpuMs: number;
  wallMs: number;
}

/** A row per step: the CPU and wall time since the last one, then the live heap. */
function stepper(): (name: string) => Row {
  let cpu = process.cpuUsage();
  let wall = performance.now();
  return (name) => {
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - wall;
    const row = { name, cpuMs: (used.user + used.system) / 1000, wallMs, heapMb: liveHeapMb() };
    // As it happens too: a run of all of drivers/ takes long enough to want to see where it is.
    process.stderr.write(`[${new Date().toISOString()}] ${name}: ${row.cpuMs.toFixed(0)} ms CPU, ${wallMs.toFixed(0)} ms wall, ${row.heapMb.toFixed(0)} MB live\n`);
    cpu = process.cpuUsage();
    wall = performance.now();
    return row;
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const cacheAt = args.indexOf('--cache-dir');
  const cacheDir = cacheAt >= 0 ? (args[cacheAt + 1] ?? null) : null;
  const given = args.filter((a, i) => !a.startsWith('--') && i !== cacheAt + 1);
  const subdirs = given.length > 0 ? given : ['drivers/net/ethernet/intel'];
  const files = selectSources(subdirs.map((d) => path.join(corpusRoot(ROOT), d)), nodeReader).files;
  const step = stepper();
  const rows: Row[] = [step('empty')];
  const { facts } = await extractAll(files, { jobs: os.availableParallelism(), cacheDir });
  rows.push(step('facts'));
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const steps = analysisPhases(facts, kernel);
  let phases: Phases | undefined;
  for (let i = 0; !phases; i++) {
    const next = steps.next();
    if (next.done) phases = next.value;
    else rows.push(step(PHASES[i]));
  }
  rows.push(step('propagation'));
  const analysis = new Analysis(facts, kernel, phases);
  rows.push(step('findings'));
  const analysed = rows.slice(2);
  const sum = (f: (r: Row) => number): string => analysed.reduce((n, r) => n + f(r), 0).toFixed(0);
  process.stdout.write(`${subdirs.join(' + ')}: ${files.length} files, ${analysis.symbols.defs.length} functions, ${analysis.propagation.visited} nodes, ${analysis.findings.length} findings\n`);
  process.stdout.write(`  ${'phase'.padEnd(12)} ${'heap MB'.padStart(8)} ${'added'.padStart(7)} ${'CPU ms'.padStart(9)} ${'wall ms'.padStart(9)}\n`);
  rows.forEach((r, i) => {
    const added = i > 0 ? `+${(r.heapMb - rows[i - 1].heapMb).toFixed(0)}` : '';
    process.stdout.write(`  ${r.name.padEnd(12)} ${r.heapMb.toFixed(0).padStart(8)} ${added.padStart(7)} ${r.cpuMs.toFixed(0).padStart(9)} ${r.wallMs.toFixed(0).padStart(9)}\n`);
  });
  process.stdout.write(`  analysis: ${sum((r) => r.cpuMs)} ms CPU, ${sum((r) => r.wallMs)} ms wall; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
