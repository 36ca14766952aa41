/**
 * `irqlens check` and the command dispatch: the analysis as a CI step. Only the cli
 * modules know about process arguments, stdout, stderr and exit codes (check: 0 no
 * findings, 1 findings, 2 usage or input error).
 */
import * as path from 'path';
import { shownByDefault } from '../analysis/findings';
import { parseArgs, USAGE, type CheckArgs } from './args';
import { formatSarif } from './format/sarif';
import { formatText } from './format/text';
import { analyseWorkspace, openWorkspace, type Io, type OpenWorkspace } from './loadWorkspace';
import { readReport, reportKey, writeReport } from './reportCache';
import { toReportFinding, type Report } from './report';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../../../../package.json') as { version: string }).version;

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr.isTTY === true,
};

/** The report of a fresh analysis. */
async function analysedReport(ws: OpenWorkspace, args: CheckArgs, io: Io): Promise<Report> {
  const { base, selection, facts, cache, analysis } = await analyseWorkspace(ws, io);
  const shown = analysis.findings.filter((f) => args.all || shownByDefault(f.confidence));
  return {
    version: 1,
    findings: shown.map((f) => toReportFinding(f, base)),
    stats: {
      ...analysis.stats(),
      skippedFiles: selection.skipped.length,
      filesWithProblems: facts.filter((f) => f.problems.length > 0).length,
      hiddenFindings: analysis.findings.length - shown.length,
      cache: { report: false, hits: cache.hits, misses: cache.misses, rebuilt: cache.rebuilt, writeErrors: cache.writeErrors },
      seconds: 0,
    },
    skipped: selection.skipped.map((s) => ({ ...s, file: path.relative(base, s.file) || s.file })),
    problems: facts.flatMap((f) => f.problems.map((pr) => ({ file: path.relative(base, f.path) || f.path, ...pr }))),
  };
}

export async function check(args: CheckArgs, io: Io): Promise<number> {
  const started = Date.now();
  const ws = openWorkspace(args.paths, args.config, args.facts, io);
  if (!ws.ok) {
    io.err(ws.message);
    return 2;
  }
  const reuse = ws.cacheDir === null ? undefined : { dir: ws.cacheDir, key: reportKey(ws, args.all) };
  const cached = reuse && readReport(reuse.dir, reuse.key);
  const report = cached ?? (await analysedReport(ws, args, io));
  if (cached) report.stats.cache = { report: true, hits: 0, misses: 0, rebuilt: 0, writeErrors: 0 };
  else if (reuse) {
    const error = writeReport(reuse.dir, reuse.key, report);
    if (error !== undefined) io.err(`irqlens: report not cached: ${error}\n`);
  }
  report.stats.seconds = (Date.now() - started) / 1000;
  if (args.format === 'json') io.out(JSON.stringify(report, null, 2) + '\n');
  else if (args.format === 'sarif') io.out(formatSarif(report, VERSION));
  else io.out(formatText(report));
  return report.findings.length > 0 ? 1 : 0;
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    io.err(`irqlens: ${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const args = parsed.args;
  if (args.command === 'help') {
    io.out(USAGE + '\n');
    return 0;
  }
  if (args.command === 'version') {
    io.out(VERSION + '\n');
    return 0;
  }
  if (args.command === 'lsp') return (await import('./lspCommand')).runLsp(args);
  if (args.command === 'simulate') return (await import('./simulateCommand')).runSimulate(args, io);
  try {
    return await check(args, io);
  } catch (err) {
    // An internal invariant broke: say so in one line instead of a stack trace.
    io.err(`irqlens: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
