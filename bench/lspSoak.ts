/**
 * `npm run bench -- soak`: 10,000 edits to one open file through the real stdio server,
 * with a hover every 10 edits so that analyses really run (without them the debounce would
 * analyse only the last revision). The server's memory is sampled after the first 1,000
 * edits and at the end, with no forced GC anywhere: RSS from /proc/<pid>/status, and the V8
 * heap from a preloaded module that writes process.memoryUsage() when sent SIGUSR2.
 * Growth from the sample at 1,000 edits to the last is the figure; under 10% passes.
 * `irqlens lsp --stdio` runs the server in a child of bin/irqlens.js with the server's node
 * flags (server/src/lsp/nodeFlags.ts); the server is that child, and the launcher's own RSS
 * is reported beside it. To compare heap sizing policies, IRQLENS_SOAK_NODE_OPTIONS adds V8
 * flags through NODE_OPTIONS and IRQLENS_SOAK_NODE_ARGS (space-separated) puts node flags on
 * the launcher's command line, where a chosen semi-space size replaces the server's own.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Hover } from 'vscode-languageserver-protocol';
import { LspTestClient, uriOf } from '../test/support/lspClient';
import { ROOT } from './sim';

/** IRQLENS_SOAK_EDITS runs longer, to see where the old generation's garbage is collected. */
const EDITS = Number(process.env.IRQLENS_SOAK_EDITS) || 10_000;
const WARMUP = 1_000;
const HOVER_EVERY = 10;
const SAMPLE_EVERY = 1_000;
const MAX_GROWTH = 0.1;

export interface MemorySample {
  edits: number;
  rssKb: number;
  /** bin/irqlens.js when it runs the server in a child; 0 when it is the server. */
  launcherRssKb: number;
  heapUsedKb: number;
  /** What V8 has reserved for the heap: its young generation grows under allocation pressure, and RSS with it. */
  heapTotalKb: number;
  /** Memory outside the V8 heap that V8 knows of: the parser's wasm memory, buffers. */
  externalKb: number;
  /** Each V8 heap space's reserved size in kB: which one grows. */
  spacesKb: Record<string, number>;
}

export interface SoakResult {
  samples: MemorySample[];
  rssGrowth: number;
  heapGrowth: number;
  pass: boolean;
  seconds: number;
}

const DRV = (line3: string): string =>
  ['#include <linux/interrupt.h>', 'static irqreturn_t drv_irq(int irq, void *dev)', '{', line3, '\treturn IRQ_HANDLED;', '}', 'int drv_probe(void) { return request_irq(1, drv_irq, 0, "drv", 0); }', ''].join('\n');

/** The launcher's one child when it started one, else the launcher itself (Linux /proc). */
function serverPid(launcher: number): number {
  const children = fs.readFileSync(`/proc/${launcher}/task/${launcher}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (children.length > 1) throw new Error(`the launcher ${launcher} has ${children.length} children`);
  return children.length === 1 ? Number(children[0]) : launcher;
}

function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

async function sample(client: LspTestClient, heapFile: string, edits: number): Promise<MemorySample> {
  const launcher = client.pid;
  if (launcher === undefined) throw new Error('the server has no pid');
  const pid = serverPid(launcher);
  const before = fs.readFileSync(heapFile, 'utf8').split('\n').filter(Boolean).length;
  process.kill(pid, 'SIGUSR2');
  for (;;) {
    const lines = fs.readFileSync(heapFile, 'utf8').split('\n').filter(Boolean);
    if (lines.length > before) {
      const usage = JSON.parse(lines[lines.length - 1]) as NodeJS.MemoryUsage & { spaces: Record<string, { size: number }> };
      const kb = (n: number): number => Math.round(n / 1024);
      const spacesKb = Object.fromEntries(Object.entries(usage.spaces).map(([name, s]) => [name, kb(s.size)]));
      return { edits, rssKb: rssKb(pid), launcherRssKb: pid === launcher ? 0 : rssKb(launcher), heapUsedKb: kb(usage.heapUsed), heapTotalKb: kb(usage.heapTotal), externalKb: kb(usage.external), spacesKb };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runSoak(log: (line: string) => void): Promise<SoakResult> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-soak-'));
  const dir = path.join(scratch, 'ws');
  fs.cpSync(path.join(ROOT, 'examples', 'dtrace-deadman'), dir, { recursive: true });
  const file = path.join(dir, 'drv.c');
  fs.writeFileSync(file, DRV('\tudelay(1);'));
  const heapFile = path.join(scratch, 'heap.jsonl');
  fs.writeFileSync(heapFile, '');
  const reporter = path.join(__dirname, 'heapReporter.js');
  const nodeArgs = (process.env.IRQLENS_SOAK_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const env = { ...process.env, NODE_OPTIONS: `--require ${reporter} ${process.env.IRQLENS_SOAK_NODE_OPTIONS ?? ''}`, IRQLENS_HEAP_FILE: heapFile };
  const client = new LspTestClient('stdio', [], env, nodeArgs);
  const started = Date.now();
  try {
    await client.initialize(dir);
    await client.waitFor('index end', () => client.progress.some((p) => p.kind === 'end'));
    const uri = uriOf(file);
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: DRV('\tudelay(1);') } });
    const samples: MemorySample[] = [];
    for (let i = 1; i <= EDITS; i++) {
      // Alternately a finding and none, on a line whose length changes: every analysis differs.
      const text = i % 2 === 0 ? `\tudelay(${i});` : `\tmsleep(${i});`;
      await client.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: i + 1 },
        contentChanges: [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 10_000 } }, text }],
      });
      if (i % HOVER_EVERY === 0) await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 20 } });
      if (i % SAMPLE_EVERY === 0) {
        samples.push(await sample(client, heapFile, i));
        const s = samples[samples.length - 1];
        const spaces = Object.entries(s.spacesKb).filter(([, size]) => size > 0).map(([name, size]) => `${name} ${size}`).join(', ');
        log(`soak: ${i} edits, RSS ${s.rssKb} kB (launcher ${s.launcherRssKb} kB), heap used ${s.heapUsedKb} kB of ${s.heapTotalKb} kB (${spaces}), external ${s.externalKb} kB`);
      }
    }
    const first = samples.find((x) => x.edits === WARMUP) as MemorySample;
    const last = samples[samples.length - 1];
    const rssGrowth = last.rssKb / first.rssKb - 1;
    const heapGrowth = last.heapUsedKb / first.heapUsedKb - 1;
    return { samples, rssGrowth, heapGrowth, pass: rssGrowth < MAX_GROWTH, seconds: (Date.now() - started) / 1000 };
  } finally {
    client.kill();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
