/**
 * The kernel corpus benchmark (issue 5): irqlens on Linux 6.1 (Debian's linux-source-6.1,
 * extracted by scripts/kernel-corpus.sh) beside a plain tree-sitter parse of the same
 * files with the same parser on the same worker threads, in the same run, as the baseline.
 *
 * Over one fresh cache: cold (empty cache: facts + analysis, with phase times); `irqlens
 * check` with every file's facts cached (what a language server start-up or a changed
 * config costs: facts from the cache, the analysis re-run); `irqlens check` again with
 * nothing changed (the report is reused); and touch (one file's fact entry removed, which
 * costs what editing that file costs: every file hashed, one parsed, the analysis re-run).
 * Reports the ratios, peak RSS, where the time goes, and which of JSON and structured
 * clone moves facts between threads faster.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { analyze, type AnalysisStats, type PhaseTimes } from '../server/src/analysis';
import { selectSources } from '../server/src/analysis/workspace';
import { extractAll, type Extracted } from '../server/src/cli/factsPool';
import { main } from '../server/src/cli/main';
import type { ExtractTimes } from '../server/src/cli/factsJob';
import { nodeReader } from '../server/src/cli/nodeReader';
import { DiskStore, contentKey, extractorFingerprint, type CacheStats } from '../server/src/factCache';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../server/src/kernel';
import type { FileFacts } from '../server/src/syntax';

export interface RunTimes {
  /** Wall seconds: facts (read, hash, cache, parse, extract, on the workers), analysis, both. */
  facts: number;
  analysis: number;
  total: number;
  /** CPU milliseconds per facts phase, summed over the workers. */
  factsPhases: ExtractTimes & { decodeOnMain: number };
  /** Milliseconds per analysis phase; graph building is symbols + pointsTo + entries. */
  analysisPhases: PhaseTimes;
  cache: CacheStats;
  peakRssMb: number;
}

export interface KernelBench {
  corpus: string;
  jobs: number;
  files: number;
  skippedByKbuild: number;
  megabytes: number;
  baseline: { seconds: number; phases: ExtractTimes };
  cold: RunTimes;
  /** Wall seconds of `irqlens check` with all facts cached, and with nothing changed. */
  checkFactsCached: number;
  checkUnchanged: number;
  touch: RunTimes;
  ratios: { cold: number; unchangedToCold: number; factsCachedToCold: number; touchToCold: number; touchFactsToColdFacts: number };
  /** Moving a sample of facts between threads: decode time of each encoding, ms. */
  transfer: { files: number; jsonParse: number; structuredCloneDeserialize: number; jsonBytes: number; cloneBytes: number };
  stats: AnalysisStats;
  problems: Record<string, number>;
}

function seconds(from: number): number {
  return (performance.now() - from) / 1000;
}

export function corpusRoot(root: string): string {
  return path.join(root, execFileSync(path.join(root, 'scripts', 'kernel-corpus.sh'), { encoding: 'utf8' }).trim());
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function irqlensRun(files: readonly string[], jobs: number, cacheDir: string, kernel: KernelIndex): Promise<{ run: RunTimes; facts: FileFacts[]; stats: AnalysisStats }> {
  let t = performance.now();
  const extracted: Extracted = await extractAll(files, { jobs, cacheDir });
  const facts = seconds(t);
  t = performance.now();
  const analysis = analyze(extracted.facts, kernel);
  const analysisSeconds = seconds(t);
  return {
    run: {
      facts,
      analysis: analysisSeconds,
      total: facts + analysisSeconds,
      factsPhases: { ...extracted.times, decodeOnMain: extracted.decodeMs },
      analysisPhases: analysis.times,
      cache: extracted.cache,
      peakRssMb: peakRssMb(),
    },
    facts: extracted.facts,
    stats: analysis.stats(),
  };
}

/** Decode cost of the two ways facts can cross threads, on every `step`-th file. */
function transferSample(facts: readonly FileFacts[], step: number): KernelBench['transfer'] {
  const sample = facts.filter((_, i) => i % step === 0);
  const json = sample.map((f) => JSON.stringify(f));
  const clone = sample.map((f) => v8.serialize(f));
  let t = performance.now();
  for (const j of json) JSON.parse(j);
  const jsonParse = performance.now() - t;
  t = performance.now();
  for (const c of clone) v8.deserialize(c);
  const structuredCloneDeserialize = performance.now() - t;
  return {
    files: sample.length,
    jsonParse,
    structuredCloneDeserialize,
    jsonBytes: json.reduce((n, j) => n + Buffer.byteLength(j), 0),
    cloneBytes: clone.reduce((n, c) => n + c.length, 0),
  };
}

export async function benchKernel(corpus: string, subdir: string, cacheDir: string, jobs: number = os.availableParallelism()): Promise<KernelBench> {
  const selection = selectSources([path.join(corpus, subdir)], nodeReader);
  const files = selection.files;
  if (!files.some((f) => f.endsWith('.c'))) throw new Error(`no C files under ${path.join(corpus, subdir)}`);
  const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);
  const megabytes = files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1e6;
  fs.rmSync(cacheDir, { recursive: true, force: true });

  let t = performance.now();
  const baselineRun = await extractAll(files, { jobs, cacheDir: null, parseOnly: true });
  const baseline = { seconds: seconds(t), phases: baselineRun.times };

  const first = await irqlensRun(files, jobs, cacheDir, kernel);
  const cold = first.run;
  const problems: Record<string, number> = {};
  for (const f of first.facts) for (const p of f.problems) problems[p.kind] = (problems[p.kind] ?? 0) + 1;
  const transfer = transferSample(first.facts, 10);
  const stats = first.stats;
  first.facts.length = 0;

  const check = async (): Promise<number> => {
    t = performance.now();
    const errors: string[] = [];
    const code = await main(['check', path.join(corpus, subdir), '--format=json', `--cache-dir=${cacheDir}`, `--jobs=${jobs}`], { out: () => undefined, err: (e) => errors.push(e), progress: false });
    if (code === 2) throw new Error(`check failed: ${errors.join('')}`);
    return seconds(t);
  };
  const checkFactsCached = await check();
  const checkUnchanged = await check();
  // The largest .c file: the most an edit of one file can cost.
  const touched = files.filter((f) => f.endsWith('.c')).reduce((a, b) => (fs.statSync(a).size >= fs.statSync(b).size ? a : b));
  fs.rmSync(new DiskStore(cacheDir).entryPath(contentKey(extractorFingerprint(), fs.readFileSync(touched))));
  const touch = (await irqlensRun(files, jobs, cacheDir, kernel)).run;

  return {
    corpus: subdir,
    jobs,
    files: files.length,
    skippedByKbuild: selection.skipped.length,
    megabytes,
    baseline,
    cold,
    checkFactsCached,
    checkUnchanged,
    touch,
    ratios: {
      cold: cold.total / baseline.seconds,
      unchangedToCold: checkUnchanged / cold.total,
      factsCachedToCold: checkFactsCached / cold.total,
      touchToCold: touch.total / cold.total,
      touchFactsToColdFacts: touch.facts / cold.facts,
    },
    transfer,
    stats,
    problems,
  };
}
