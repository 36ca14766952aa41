/**
 * `irqlens check` and the command dispatch: the analysis as a CI step. Only the cli
 * modules know about process arguments, stdout, stderr and exit codes (check: 0 no
 * findings, 1 findings, 2 usage or input error).
 */
import * as path from 'path';
import { parseArgs, USAGE, type CheckArgs } from './args';
import { formatSarif } from './format/sarif';
import { formatText } from './format/text';
import { loadWorkspace, type Io } from './loadWorkspace';
import { toReportFinding, type Report } from './report';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../../../../package.json') as { version: string }).version;

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr.isTTY === true,
};

export async function check(args: CheckArgs, io: Io): Promise<number> {
  const started = Date.now();
  const ws = await loadWorkspace(args.paths, args.config, args.facts, io);
  if (!ws.ok) {
    io.err(ws.message);
    return 2;
  }
  const { base, selection, facts, cache, analysis } = ws;
  const shown = analysis.findings.filter((f) => args.all || f.confidence !== 'config');
  const report: Report = {
    version: 1,
    findings: shown.map((f) => toReportFinding(f, base)),
    stats: {
      ...analysis.stats(),
      skippedFiles: selection.skipped.length,
      filesWithProblems: facts.filter((f) => f.problems.length > 0).length,
      hiddenFindings: analysis.findings.length - shown.length,
      cache: { hits: cache.hits, misses: cache.misses, rebuilt: cache.rebuilt, writeErrors: cache.writeErrors },
      seconds: (Date.now() - started) / 1000,
    },
    skipped: selection.skipped.map((s) => ({ ...s, file: path.relative(base, s.file) || s.file })),
    problems: facts.flatMap((f) => f.problems.map((pr) => ({ file: path.relative(base, f.path) || f.path, ...pr }))),
  };
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
