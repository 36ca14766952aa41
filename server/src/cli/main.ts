/**
 * `irqlens check`: the analysis as a CI step. Only this module knows about process
 * arguments, stdout, stderr and exit codes (0 no findings, 1 findings, 2 usage or input error).
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyze } from '../analysis';
import { collectFacts, selectSources } from '../analysis/workspace';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex, parseConfig, type IrqlensConfig } from '../kernel';
import { createNativeParser, createWasmParser, factsFromBytes, type CParser } from '../syntax';
import { parseArgs, USAGE, type CheckArgs } from './args';
import { formatSarif } from './format/sarif';
import { formatText } from './format/text';
import { nodeReader } from './nodeReader';
import { baseOf, toReportFinding, type Report } from './report';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../../../../package.json') as { version: string }).version;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether progress lines make sense (stderr is a terminal). */
  progress: boolean;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr.isTTY === true,
};

type ConfigLoad = { ok: true; config: IrqlensConfig } | { ok: false; message: string };

function loadConfig(explicit: string | undefined, base: string): ConfigLoad {
  const file = explicit ?? path.join(base, '.irqlens.json');
  if (!explicit && !fs.existsSync(file)) return { ok: true, config: EMPTY_CONFIG };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, message: `cannot read config ${file}: ${(err as Error).message}` };
  }
  const parsed = parseConfig(text);
  if (!parsed.ok) return { ok: false, message: parsed.errors.map((e) => `${file}: ${e.path}: ${e.message}`).join('\n') };
  return { ok: true, config: parsed.config };
}

/**
 * The wasm parser by default: it yields the same facts as the native one (a test checks
 * it), extracts them about twice as fast (each node access into the native binding
 * crosses into C++) and frees each tree at once, where native trees wait for V8's GC.
 * See BENCHMARKS.md.
 */
async function parser(): Promise<CParser> {
  try {
    return await createWasmParser();
  } catch {
    return createNativeParser();
  }
}

export async function check(args: CheckArgs, io: Io): Promise<number> {
  const started = Date.now();
  const firstIsDir = nodeReader.isDirectory(args.paths[0]);
  if (typeof firstIsDir !== 'boolean') {
    io.err(`irqlens: ${args.paths[0]}: ${firstIsDir.error}\n`);
    return 2;
  }
  const base = baseOf(args.paths[0], firstIsDir);
  const config = loadConfig(args.config, base);
  if (!config.ok) {
    io.err(`irqlens: ${config.message}\n`);
    return 2;
  }
  const selection = selectSources(args.paths, nodeReader);
  if (selection.errors.length > 0) {
    io.err(selection.errors.map((e) => `irqlens: ${e.file}: ${e.reason}\n`).join(''));
    return 2;
  }
  const p = await parser();
  let done = 0;
  const facts = collectFacts(selection.files, nodeReader, (file, bytes) => {
    if (io.progress && ++done % 50 === 0) io.err(`\rirqlens: parsed ${done}/${selection.files.length} files`);
    return factsFromBytes(p, file, bytes);
  });
  if (io.progress && done >= 50) io.err('\n');
  const analysis = analyze(facts, new KernelIndex(BUILTIN_MODEL, config.config));
  const shown = analysis.findings.filter((f) => args.all || f.confidence !== 'config');
  const report: Report = {
    version: 1,
    findings: shown.map((f) => toReportFinding(f, base)),
    stats: {
      ...analysis.stats(),
      skippedFiles: selection.skipped.length,
      filesWithProblems: facts.filter((f) => f.problems.length > 0).length,
      hiddenFindings: analysis.findings.length - shown.length,
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
  try {
    return await check(args, io);
  } catch (err) {
    // An internal invariant broke: say so in one line instead of a stack trace.
    io.err(`irqlens: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
