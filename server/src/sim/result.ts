/**
 * What a simulation returns: plain JSON-able values, rendered by the terminal timeline,
 * the CLI's JSON output and the editor's timeline view alike.
 */
import type { Limit } from './explorer';
import type { WarnReason } from './machine';

export type VerdictKind = 'deadlock' | 'warn' | 'no-deadlock';

export interface Verdict {
  kind: VerdictKind;
  /** Whether every interleaving (up to the partial-order reduction) was explored. */
  exhaustive: boolean;
  /** The largest preemption count explored (CHESS's bound). */
  bound: number;
  /** Which limit ended the search early, if one did. */
  limit: Limit | null;
  /** Deadlock only: the preemptions the counterexample needs (fewest possible when found exhaustively). */
  preemptions?: number;
  /** Warn only: what the kernel would WARN about, or a wait that gave up. */
  warnings?: Array<{ reason: WarnReason; message: string }>;
  /** One sentence for humans. */
  summary: string;
}

export type CpuContext = 'idle' | 'task' | 'kworker' | 'softirq' | 'hardirq' | 'nmi';

export interface CpuSnapshot {
  cpu: number;
  irqs: 'on' | 'off';
  context: CpuContext;
  /** The function the CPU is in, or null when idle. */
  function: string | null;
  locks: string[];
  /** Call-function queue entries and own-vector IPIs waiting for this CPU. */
  pendingIpis: number;
  preempt: number;
}

export interface TraceStep {
  index: number;
  cpu: number;
  instruction: string;
  file: string;
  /** One-based, for humans (0 for the kernel's own steps); `col` zero-based as in the facts. */
  line: number;
  col: number;
  /** The step is code the scenario assumed (a default peer, the kernel's own routine). */
  synthetic: boolean;
  /** The step switches away from a CPU that could still have run. */
  preemption: boolean;
  /** A WARN or give-up this step triggers. */
  event?: string;
  /** All CPUs after the step. */
  cpus: CpuSnapshot[];
}

export interface BlockedCpu {
  cpu: number;
  instruction: string;
  file: string;
  line: number;
  col: number;
  waitingFor: string;
}

export interface SimTrace {
  steps: TraceStep[];
  /** Deadlock traces: what each stuck CPU spins on. */
  blocked: BlockedCpu[];
}

export interface SimStats {
  statesExplored: number;
  transitions: number;
  elapsedMs: number;
  statesPerSecond: number;
}

export interface SimResult {
  title: string;
  cpus: number;
  verdict: Verdict;
  /** The deadlock's interleaving, or the path to the first warning. */
  trace: SimTrace | null;
  /** Every kind of warning found, each with its own path. */
  warnings: Array<{ reason: WarnReason; message: string; trace: SimTrace }>;
  stats: SimStats;
  /** Assumptions the scenario makes. */
  notes: string[];
}
