/**
 * Turns the simulator's JSON (which reaches the client as `unknown` through
 * `SimulateResult.simulation`) into what the timeline webview draws: lanes per virtual CPU,
 * rows per step, IRQ-off spans, locks held, IPIs as arrows between lanes, the deadlock
 * point, and a plain-text summary for screen readers.
 *
 * Pure and free of `vscode`, so the shape checks can be tested without an editor. The
 * input is validated field by field: it crossed a process boundary, and a newer server
 * may send more than this client knows.
 */
import type { BlockedCpu, CpuSnapshot, SimTrace, TraceStep, Verdict } from '../../server/src/sim/result';

import type { CpuContext, LaneCell, IpiArrow, StepRow, StepSource, TimelineModel, TimelineRun } from './timelineTypes';

export type { StepSource, TimelineModel } from './timelineTypes';

/** The part of the simulator's `SimResult` the timeline draws. */
interface RunInput {
  title: string;
  cpus: number;
  verdict: Verdict;
  trace: SimTrace | null;
  /** The path to each warning, for runs that WARN without deadlocking. */
  warningTraces: SimTrace[];
  notes: string[];
}

export type ParsedTimeline = { ok: true; model: TimelineModel; sources: StepSource[][] } | { ok: false; error: string };

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

function int(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isInteger(v) ? v : fallback;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

const CONTEXTS: ReadonlySet<string> = new Set(['idle', 'task', 'kworker', 'softirq', 'hardirq', 'nmi']);
const VERDICTS: ReadonlySet<string> = new Set(['deadlock', 'warn', 'no-deadlock']);

function snapshot(v: unknown): CpuSnapshot | null {
  if (!isRecord(v)) return null;
  const context = str(v.context);
  return {
    cpu: int(v.cpu, -1),
    irqs: v.irqs === 'off' ? 'off' : 'on',
    context: (CONTEXTS.has(context) ? context : 'task') as CpuContext,
    function: typeof v.function === 'string' ? v.function : null,
    locks: arr(v.locks).filter((l): l is string => typeof l === 'string'),
    pendingIpis: int(v.pendingIpis),
    preempt: int(v.preempt),
  };
}

function step(v: unknown): TraceStep | null {
  if (!isRecord(v)) return null;
  return {
    index: int(v.index),
    cpu: int(v.cpu),
    instruction: str(v.instruction),
    file: str(v.file),
    line: int(v.line),
    col: int(v.col),
    synthetic: v.synthetic === true,
    preemption: v.preemption === true,
    event: typeof v.event === 'string' ? v.event : undefined,
    cpus: arr(v.cpus).map(snapshot).filter((s): s is CpuSnapshot => s !== null),
  };
}

function blocked(v: unknown): BlockedCpu | null {
  if (!isRecord(v)) return null;
  return { cpu: int(v.cpu), instruction: str(v.instruction), file: str(v.file), line: int(v.line), col: int(v.col), waitingFor: str(v.waitingFor) };
}

function trace(v: unknown): SimTrace | null {
  if (!isRecord(v)) return null;
  return {
    steps: arr(v.steps).map(step).filter((s): s is TraceStep => s !== null),
    blocked: arr(v.blocked).map(blocked).filter((b): b is BlockedCpu => b !== null),
  };
}

function runInput(v: unknown): RunInput | null {
  if (!isRecord(v) || !isRecord(v.verdict) || !VERDICTS.has(str(v.verdict.kind))) return null;
  const verdict = v.verdict;
  return {
    title: str(v.title),
    cpus: Math.max(1, int(v.cpus, 2)),
    verdict: {
      kind: str(verdict.kind) as Verdict['kind'],
      exhaustive: verdict.exhaustive === true,
      bound: int(verdict.bound),
      limit: verdict.limit === 'states' || verdict.limit === 'time' || verdict.limit === 'memory' ? verdict.limit : null,
      summary: str(verdict.summary),
    },
    trace: trace(v.trace),
    warningTraces: arr(v.warnings)
      .filter(isRecord)
      .map((w) => trace(w.trace))
      .filter((t): t is SimTrace => t !== null),
    notes: arr(v.notes).filter((n): n is string => typeof n === 'string'),
  };
}

function basename(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

function searchNote(v: Verdict): string {
  if (v.exhaustive) return 'every interleaving explored';
  if (v.limit) return `search stopped by its ${v.limit} limit (preemption bound ${v.bound})`;
  return `first counterexample found with preemption bound ${v.bound}`;
}

function describeCpu(cell: LaneCell): string {
  const where = cell.function ? ` in ${cell.function}` : '';
  const locks = cell.locks.length > 0 ? `, holding ${cell.locks.join(', ')}` : '';
  return `${cell.context}${where}, IRQs ${cell.irqsOff ? 'off' : 'on'}${locks}`;
}

function buildRun(label: string, result: RunInput): { run: TimelineRun; sources: StepSource[] } {
  // A deadlock's own trace, else the path to the first warning, so a WARN is shown too.
  const shown = result.trace ?? result.warningTraces[0] ?? null;
  const cpus = result.cpus;
  const steps: StepRow[] = [];
  const sources: StepSource[] = [];
  const ipis: IpiArrow[] = [];
  let pendingBefore: number[] = new Array<number>(cpus).fill(0);
  for (const s of shown?.steps ?? []) {
    const lanes: LaneCell[] = [];
    for (let cpu = 0; cpu < cpus; cpu++) {
      const snap = s.cpus.find((c) => c.cpu === cpu);
      lanes.push(
        snap
          ? { irqsOff: snap.irqs === 'off', context: snap.context, function: snap.function, locks: snap.locks, preempt: snap.preempt }
          : { irqsOff: false, context: 'idle', function: null, locks: [], preempt: 0 },
      );
    }
    const index = steps.length;
    // The simulator reports per-CPU pending IPIs after each step; a rise on another CPU
    // during this CPU's step is an IPI this CPU sent (kernel/smp.c queues the CSD on the
    // target's call_single_queue, then raises the IPI).
    const pendingAfter = Array.from({ length: cpus }, (_, cpu) => s.cpus.find((c) => c.cpu === cpu)?.pendingIpis ?? 0);
    for (let cpu = 0; cpu < cpus; cpu++) {
      if (cpu !== s.cpu && (pendingAfter[cpu] ?? 0) > (pendingBefore[cpu] ?? 0)) ipis.push({ step: index, fromCpu: s.cpu, toCpu: cpu });
    }
    pendingBefore = pendingAfter;
    const revealable = !s.synthetic && s.line > 0 && s.file.length > 0;
    steps.push({
      index,
      cpu: s.cpu,
      instruction: s.instruction,
      where: revealable ? `${basename(s.file)}:${s.line}` : '',
      revealable,
      preemption: s.preemption,
      event: s.event ?? null,
      lanes,
    });
    sources.push({ file: s.file, line: s.line, col: s.col });
  }
  const stuck = (shown?.blocked ?? []).map((b) => ({ cpu: b.cpu, instruction: b.instruction, waitingFor: b.waitingFor }));
  const lastEvent = steps.findIndex((s) => s.event !== null);
  const highlightStep = result.verdict.kind === 'deadlock' && steps.length > 0 ? steps.length - 1 : lastEvent >= 0 ? lastEvent : null;

  const summary: string[] = [`${label}: ${result.verdict.summary} (${searchNote(result.verdict)}).`];
  for (const row of steps) {
    const cell = row.lanes[row.cpu];
    const where = row.where ? ` at ${row.where}` : ' (assumed code)';
    summary.push(
      `Step ${row.index + 1}, CPU ${row.cpu}: ${row.instruction}${where}; then ${cell ? describeCpu(cell) : 'idle'}.` +
        (row.event ? ` Kernel warning: ${row.event}.` : ''),
    );
  }
  for (const ipi of ipis) summary.push(`At step ${ipi.step + 1}, CPU ${ipi.fromCpu} sends an IPI to CPU ${ipi.toCpu}.`);
  for (const s of stuck) summary.push(`CPU ${s.cpu} is stuck in ${s.instruction}, waiting for ${s.waitingFor}.`);
  for (const n of result.notes) summary.push(`Assumption: ${n}`);

  return {
    run: {
      label,
      title: result.title,
      cpus,
      verdictKind: result.verdict.kind,
      verdictSummary: result.verdict.summary,
      searchNote: searchNote(result.verdict),
      steps,
      ipis,
      stuck,
      highlightStep,
      notes: result.notes,
      summary,
    },
    sources,
  };
}

const WHAT_IF_LABELS: Readonly<Record<string, string>> = {
  workqueue: 'What if: deferred to a work item',
  async: 'What if: the cross-CPU call does not wait',
  'irq-work': 'What if: deferred to irq_work',
};

/**
 * `simulation` is the simulator's `SimResult` for the path as written; `whatIf`, when
 * present, its `WhatIfResult` (`{ mode, before, after }`), whose `after` run is drawn
 * beside it (server/src/lsp/protocol.ts `SimulateResult`).
 */
export function parseTimeline(heading: string, simulation: unknown, whatIf: unknown): ParsedTimeline {
  const pairs: Array<[string, RunInput | null]> = [['As written', runInput(simulation)]];
  if (isRecord(whatIf)) {
    pairs.push([WHAT_IF_LABELS[str(whatIf.mode)] ?? `What if: ${str(whatIf.mode, 'deferred')}`, runInput(whatIf.after)]);
  }
  const runs: TimelineRun[] = [];
  const sources: StepSource[][] = [];
  for (const [label, input] of pairs) {
    if (!input) continue;
    const built = buildRun(label, input);
    runs.push(built.run);
    sources.push(built.sources);
  }
  if (runs.length === 0) return { ok: false, error: 'the server sent a simulation this version of the extension cannot read' };
  return { ok: true, model: { heading, runs }, sources };
}
