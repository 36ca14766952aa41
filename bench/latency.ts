/**
 * Editor latency: the real language server (`irqlens lsp --stdio`, wasm parser, as VS Code
 * runs it) over JSON-RPC; one document is edited as a person types, and each edit is timed
 * from the didChange notification to the publishDiagnostics that answers its version.
 * Workspaces: a generated 100,000-line driver workspace with one 2,000-line file, and a
 * kernel directory. Baselines in the same run: a from-scratch parse and extraction of the
 * edited file (what every keystroke cost before), and the server's own whole analysis of
 * the workspace after indexing (what every edit re-ran before).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { createWasmParser, factsFromText } from '../server/src/syntax';
import { writeWorkspace } from './driverGen';

const ROOT = path.resolve(__dirname, '..', '..');

type EditKind = 'new line' | 'comment typing' | 'argument typing' | 'forbidden call added' | 'forbidden call removed' | 'workspace call added' | 'workspace call removed';

/** The order edits come in: mostly moving code, now and then changing what it does. */
const SCHEDULE: EditKind[] = ['new line', 'comment typing', 'new line', 'argument typing', 'comment typing', 'new line', 'forbidden call added', 'new line', 'forbidden call removed'];

/**
 * Edits that change which workspace functions the IRQ handler calls, after the schedule (so
 * that its edits stay the same as in earlier runs): a call to another function of the file
 * added before the handler's return, and removed again. The first pair warms up.
 */
const CALL_EDITS: EditKind[] = ['workspace call added', 'workspace call removed'];
const CALL_ROUNDS = 3;

interface Change {
  start: { line: number; character: number };
  end: { line: number; character: number };
  text: string;
}

export interface LatencyRow {
  workspace: string;
  kind: EditKind | 'all';
  edits: number;
  p50: number;
  p95: number;
  max: number;
}

export interface LatencyResult {
  workspace: string;
  files: number;
  lines: number;
  editedFile: string;
  editedLines: number;
  /** Milliseconds: a from-scratch parse and extraction of the edited file (median of 10). */
  freshParseMs: number;
  /** Milliseconds: the server's whole analysis after indexing, from its log. */
  wholeAnalysisMs: number;
  rows: LatencyRow[];
  /** The server's own log line for each analysis during the edits (phase times, reuse). */
  serverAnalyses: string[];
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** The edit of `kind` on `lines` (the document's current text by line), or undefined when it has no place. */
function makeEdit(kind: EditKind, lines: string[], seq: number, added: { line: number } | undefined, call: string): Change | undefined {
  const at = (line: number, character: number, text: string, endLine = line, endChar = character): Change => ({ start: { line, character }, end: { line: endLine, character: endChar }, text });
  const spread = (candidates: number[]): number | undefined => (candidates.length === 0 ? undefined : candidates[(seq * 7919) % candidates.length]);
  switch (kind) {
    case 'new line': {
      const line = spread(lines.map((l, i) => (/^\t\S/.test(l) ? i : -1)).filter((i) => i >= 0));
      return line === undefined ? undefined : at(line, 0, '\n');
    }
    case 'comment typing': {
      const line = spread(lines.map((l, i) => (/^ \* \S/.test(l) ? i : -1)).filter((i) => i >= 0));
      return line === undefined ? undefined : at(line, 3, 'x');
    }
    case 'argument typing': {
      const line = spread(lines.map((l, i) => (/^\s+\w+\([^()]*\b\d+\);\s*$/.test(l) ? i : -1)).filter((i) => i >= 0));
      if (line === undefined) return undefined;
      const close = lines[line].lastIndexOf(')');
      return at(line, close, '0');
    }
    case 'forbidden call added':
    case 'workspace call added': {
      // Not the body of an unbraced `if`/`else`: a call put there would leave the return
      // unconditional and the rest of the function dead, a change of what it calls.
      const line = lines.findIndex((l, i) => /^\s*return IRQ_HANDLED;/.test(l) && !/(\)|\belse)\s*$/.test(lines[i - 1] ?? ''));
      return line < 0 ? undefined : at(line, 0, kind === 'forbidden call added' ? '\tmsleep(2);\n' : `\t${call};\n`);
    }
    case 'forbidden call removed':
    case 'workspace call removed':
      return added ? at(added.line, 0, '', added.line + 1, 0) : undefined;
  }
}

function apply(text: string, lines: string[], c: Change): string {
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(c.start)) + c.text + text.slice(offset(c.end));
}

class Server {
  readonly connection: MessageConnection;
  readonly logs: string[] = [];
  private readonly listeners = new Set<(p: PublishDiagnosticsParams) => void>();
  private readonly statusListeners = new Set<(state: string) => void>();
  private readonly child;

  constructor() {
    const bin = path.join(ROOT, 'bin', 'irqlens.js');
    this.child = spawn(process.execPath, ['--max-old-space-size=12288', bin, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => this.listeners.forEach((l) => l(p)));
    this.connection.onNotification('irqlens/indexStatus', (p: { state: string }) => this.statusListeners.forEach((l) => l(p.state)));
    this.connection.onNotification('window/logMessage', (p: { message: string }) => this.logs.push(p.message));
    this.connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
    this.connection.listen();
  }

  async start(root: string): Promise<void> {
    const ready = new Promise<void>((resolve) => this.statusListeners.add((s) => s === 'ready' && resolve()));
    await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).toString(),
      workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: path.basename(root) }],
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    await this.connection.sendNotification('initialized', {});
    await ready;
  }

  /** Resolves when diagnostics for `uri` at `version` arrive. */
  answered(uri: string, version: number): Promise<void> {
    return new Promise((resolve) => {
      const l = (p: PublishDiagnosticsParams): void => {
        if (p.uri !== uri || p.version !== version) return;
        this.listeners.delete(l);
        resolve();
      };
      this.listeners.add(l);
    });
  }

  async stop(): Promise<void> {
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    this.connection.dispose();
  }
}

/**
 * Drives `edits` edits of the schedule on `editedFile` in the workspace `root`, one at a
 * time, then the call edits with `call` (a call to another function of the file, valid
 * before the IRQ handler's return).
 */
export async function measureLatency(name: string, root: string, editedFile: string, call: string, edits: number, sizes: { files: number; lines: number }, log: (line: string) => void): Promise<LatencyResult> {
  let text = fs.readFileSync(editedFile, 'utf8');
  const parser = await createWasmParser();
  const parses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    factsFromText(parser, editedFile, text);
    parses.push(performance.now() - t);
  }
  parses.sort((a, b) => a - b);

  const server = new Server();
  log(`${name}: indexing ${sizes.files} files`);
  await server.start(root);
  const whole = server.logs.map((l) => /^analysed \d+ files at revision \d+ in (\d+) ms/.exec(l)).filter((m) => m !== null);
  const wholeAnalysisMs = whole.length > 0 ? Number(whole[whole.length - 1]![1]) : NaN;
  const uri = pathToFileURL(editedFile).toString();
  let version = 1;
  const opened = server.answered(uri, version);
  await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
  await opened;

  let logsBefore = server.logs.length;
  const times = new Map<EditKind, number[]>();
  let added: { line: number } | undefined;
  /** One edit of `kind`, timed; false when it has no place in the text. */
  const edit = async (kind: EditKind, seq: number, counted: boolean): Promise<boolean> => {
    const lines = text.split('\n');
    const change = makeEdit(kind, lines, seq, added, call);
    if (!change) return false;
    text = apply(text, lines, change);
    if (kind === 'forbidden call added' || kind === 'workspace call added') added = { line: change.start.line };
    else if (kind === 'forbidden call removed' || kind === 'workspace call removed') added = undefined;
    else if (added && kind === 'new line' && change.start.line <= added.line) added = { line: added.line + 1 };
    version++;
    const answered = server.answered(uri, version);
    const t = performance.now();
    await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: change.start, end: change.end }, text: change.text }] });
    await answered;
    const ms = performance.now() - t;
    if (counted) times.set(kind, [...(times.get(kind) ?? []), ms]);
    return true;
  };
  // The first round of the schedule warms the server's JIT up and is not counted.
  for (let seq = 0, done = -SCHEDULE.length; done < edits; seq++) {
    const kind = SCHEDULE[seq % SCHEDULE.length];
    if (kind === 'forbidden call added' && added) continue;
    if (!(await edit(kind, seq, done >= 0))) continue;
    done++;
    if (done === 0) logsBefore = server.logs.length;
  }
  if (!added) for (let round = 0; round <= CALL_ROUNDS; round++) for (const kind of CALL_EDITS) await edit(kind, 0, round > 0);
  const serverAnalyses = server.logs.slice(logsBefore).filter((l) => /^analys/.test(l));
  await server.stop();

  const row = (kind: EditKind | 'all', ms: number[]): LatencyRow => {
    const sorted = [...ms].sort((a, b) => a - b);
    return { workspace: name, kind, edits: sorted.length, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1] };
  };
  const rows = [...times].map(([k, ms]) => row(k, ms));
  rows.push(row('all', [...times.values()].flat()));
  return {
    workspace: name,
    files: sizes.files,
    lines: sizes.lines,
    editedFile: path.relative(root, editedFile),
    editedLines: text.split('\n').length,
    freshParseMs: parses[5],
    wholeAnalysisMs,
    rows,
    serverAnalyses,
  };
}

/** The generated workspace: 100,000 lines, the edited file 2,000. */
export async function latencyGenerated(edits: number, log: (line: string) => void): Promise<LatencyResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-latency-'));
  try {
    const ws = writeWorkspace(dir, 100_000, 2_000);
    return await measureLatency('generated 100k lines', dir, ws.edited, 'drv0_helper_50(d, pending)', edits, ws, log);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A kernel directory, editing `file` (relative to it); `call` is the call edits' call (the
 * default fits e1000_main.c's `e1000_intr`, which does not call it).
 */
export async function latencyKernel(corpus: string, subdir: string, file: string, edits: number, log: (line: string) => void, call = 'e1000_update_stats(adapter)'): Promise<LatencyResult> {
  const root = path.join(corpus, subdir);
  const { selectSources } = await import('../server/src/analysis/workspace');
  const { nodeReader } = await import('../server/src/cli/nodeReader');
  const files = selectSources([root], nodeReader).files;
  const lines = files.reduce((n, f) => n + fs.readFileSync(f, 'utf8').split('\n').length, 0);
  return measureLatency(subdir, root, path.join(root, file), call, edits, { files: files.length, lines }, log);
}

export function latencyMarkdown(results: readonly LatencyResult[]): string {
  const ms = (n: number): string => (n < 10 ? n.toFixed(1) : n.toFixed(0));
  const out = ['| workspace | edit | edits | p50 ms | p95 ms | max ms | p50 / fresh parse of the file | p95 / whole analysis |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    for (const row of r.rows) {
      out.push(`| ${r.workspace} | ${row.kind} | ${row.edits} | ${ms(row.p50)} | ${ms(row.p95)} | ${ms(row.max)} | ${(row.p50 / r.freshParseMs).toFixed(2)} | ${(row.p95 / r.wholeAnalysisMs).toFixed(2)} |`);
    }
  }
  out.push('');
  for (const r of results) {
    out.push(`- ${r.workspace}: ${r.files} files, ${r.lines} lines; edited ${r.editedFile} (${r.editedLines} lines); baselines: fresh parse + extraction of that file ${ms(r.freshParseMs)} ms, whole analysis ${ms(r.wholeAnalysisMs)} ms.`);
  }
  return out.join('\n');
}
