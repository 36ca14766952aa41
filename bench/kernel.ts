/**
 * The kernel corpus benchmark: irqlens on Linux 6.1 (Debian's linux-source-6.1, extracted
 * by scripts/kernel-corpus.sh), beside a plain tree-sitter parse of the same files with the
 * same parser in the same run, as the baseline. Reports counts, phase times and peak RSS.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { analyze, type AnalysisStats, type PhaseTimes } from '../server/src/analysis';
import { selectSources } from '../server/src/analysis/workspace';
import { nodeReader } from '../server/src/cli/nodeReader';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../server/src/kernel';
import { createWasmParser, factsFromBytes, type FileFacts } from '../server/src/syntax';

export interface KernelBench {
  corpus: string;
  files: number;
  skippedByKbuild: number;
  megabytes: number;
  seconds: { read: number; baselineParse: number; factsTotal: number; analysis: number; total: number };
  ratioToParse: number;
  analysisPhases: PhaseTimes;
  peakRssMb: number;
  stats: AnalysisStats;
  problems: Record<string, number>;
}

function seconds(from: number): number {
  return (performance.now() - from) / 1000;
}

export function corpusRoot(root: string): string {
  return path.join(root, execFileSync(path.join(root, 'scripts', 'kernel-corpus.sh'), { encoding: 'utf8' }).trim());
}

export async function benchKernel(corpus: string, subdir: string): Promise<KernelBench> {
  const dir = path.join(corpus, subdir);
  const selection = selectSources([dir], nodeReader);
  const parser = await createWasmParser();

  let t = performance.now();
  const contents: Array<{ file: string; bytes: Uint8Array }> = [];
  for (const file of selection.files) {
    const bytes = nodeReader.read(file);
    if (bytes instanceof Uint8Array) contents.push({ file, bytes });
  }
  const read = seconds(t);
  const megabytes = contents.reduce((n, c) => n + c.bytes.length, 0) / 1e6;

  // Baseline: decode and parse every file with the same parser, nothing else.
  t = performance.now();
  for (const c of contents) {
    const tree = parser.parse(Buffer.from(c.bytes).toString('utf8'));
    if (tree) parser.release(tree);
  }
  const baselineParse = seconds(t);

  t = performance.now();
  const facts: FileFacts[] = contents.map((c) => factsFromBytes(parser, c.file, c.bytes));
  const factsTotal = seconds(t);

  t = performance.now();
  const analysis = analyze(facts, new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG));
  const analysisSeconds = seconds(t);

  const problems: Record<string, number> = {};
  for (const f of facts) for (const p of f.problems) problems[p.kind] = (problems[p.kind] ?? 0) + 1;
  const total = read + factsTotal + analysisSeconds;
  return {
    corpus: subdir,
    files: contents.length,
    skippedByKbuild: selection.skipped.length,
    megabytes,
    seconds: { read, baselineParse, factsTotal, analysis: analysisSeconds, total },
    ratioToParse: total / baselineParse,
    analysisPhases: analysis.times,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    stats: analysis.stats(),
    problems,
  };
}
