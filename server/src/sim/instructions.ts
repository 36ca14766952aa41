/**
 * The simulator's instruction set and scenario: what a C function becomes once every
 * statement that cannot change how CPUs wait for each other has been dropped.
 *
 * Functions are flat instruction lists with jumps (the machine and the Promela export
 * both step one instruction at a time). Every instruction keeps the source location it
 * came from, so a trace points back at the driver's lines.
 */
import type { Pos } from '../syntax/facts';

export interface SourceLoc {
  file: string;
  pos: Pos;
}

/** A condition's atom as the machine evaluates it. */
export type GuardAtom =
  /** A shared variable compared with a constant (`!done` is `done == 0`). */
  | { kind: 'var'; v: number; cmp: Cmp; rhs: number }
  /**
   * A context predicate on the running CPU (`in_interrupt()`, `irqs_disabled()`), with the
   * kernel model's meaning: true when one of `bases` is active, or IRQs are off, or the
   * CPU is atomic (when those flags are set), negated for `in_task()`-style predicates.
   */
  | { kind: 'ctx'; hardirq: boolean; softirq: boolean; nmi: boolean; irqsOff: boolean; atomic: boolean; negated: boolean }
  /** Anything the abstraction cannot decide: both outcomes are explored. */
  | { kind: 'unknown' };

export type Cmp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface Guard {
  join: 'and' | 'or';
  atoms: GuardAtom[];
}

/** Which CSD (call-single-data) an xcall uses; kernel/smp.c keeps one per use below. */
export type CsdKind =
  /** smp_call_function_many_cond(): the sender's per-CPU `cfd_data`, one CSD per target. */
  | 'cfd'
  /** smp_call_function_single(wait=0): the sender's per-CPU `csd_data`. */
  | 'single'
  /** smp_call_function_single(wait=1): a CSD on the caller's stack, one per context level. */
  | 'stack'
  /** smp_call_function_single_async(): the driver's own CSD for this call site, per target. */
  | 'async';

export type Instr = InstrBody & { loc: SourceLoc; text: string };

export type InstrBody =
  | { op: 'irq-off' }
  | { op: 'irq-on' }
  /** local_irq_save(flags): the frame's flag slot remembers the IRQ state. */
  | { op: 'irq-save'; slot: number }
  | { op: 'irq-restore'; slot: number }
  | { op: 'bh-off' }
  | { op: 'bh-on' }
  | { op: 'preempt-off' }
  | { op: 'preempt-on' }
  | { op: 'lock'; lock: number }
  | { op: 'unlock'; lock: number }
  | { op: 'call'; fn: number }
  | { op: 'ret' }
  | { op: 'jump'; to: number }
  /** Jump to `to` when the guard holds; unknown atoms make both outcomes possible. */
  | { op: 'branch'; guard: Guard; to: number }
  /** A cpu_relax() busy-wait: the CPU makes no progress until the guard holds. */
  | { op: 'await'; guard: Guard }
  | { op: 'store'; v: number; value: StoreValue }
  /** Queue `fn` on the targets' call-function queues and raise the IPI. */
  | { op: 'xcall-send'; fn: number; targets: 'others' | 'one'; csd: CsdKind; site: number; sync: boolean }
  /** csd_lock_wait() on every CSD of this kind the sender used. */
  | { op: 'xcall-wait'; csd: CsdKind }
  /** A driver's own IPI vector, sent to every other CPU (apic->send_IPI_allbutself). */
  | { op: 'raise-ipi' }
  | { op: 'defer'; kind: DeferKind; fn: number }
  /** A call that may sleep (might_sleep()): WARNs in atomic context. */
  | { op: 'sleep' }
  /** Reset the frame's bounded-loop counter `slot`. */
  | { op: 'count-reset'; slot: number }
  /** One iteration of a bounded loop: past `bound` iterations, leave at `exit` (giving up when `giveUp`). */
  | { op: 'count'; slot: number; bound: number; exit: number; giveUp: boolean };

export type StoreValue = { set: number } | { add: 1 | -1 };

export type DeferKind = 'tasklet' | 'work' | 'irq-work';

export interface SimFunction {
  name: string;
  file: string;
  /** Where the function is defined (its name). */
  loc: SourceLoc;
  /** Made up by the scenario builder (a default peer), not driver code: its steps raise no WARNs. */
  synthetic: boolean;
  instrs: Instr[];
  flagSlots: number;
  counterSlots: number;
}

/** The contexts an event source runs its function in. */
export type TriggerBase = 'hardirq' | 'softirq' | 'nmi';

/** An interrupt source: fires at most `fires` times in total, on any CPU of `cpus` whose IRQs are on. */
export interface Trigger {
  fn: number;
  base: TriggerBase;
  cpus: number[];
  fires: number;
  /** What fires it, for traces ("hrtimer", "device IRQ"). */
  label: string;
}

export interface Scenario {
  title: string;
  cpus: number;
  functions: SimFunction[];
  /** Shared variables, all starting at 0 (static storage is zero-initialised). */
  vars: string[];
  locks: string[];
  triggers: Trigger[];
  /** Per CPU, the process-context program it runs (a function index), or null when idle. */
  tasks: Array<number | null>;
  /** The handler of the driver's own IPI vector, when it raises one. */
  ownIpiHandler: number | null;
  /** Number of smp_call_function_single_async() call sites (each owns one CSD per target). */
  asyncSites: number;
  /** Assumptions the builder made, said to the user with the verdict. */
  notes: string[];
}

/** Shared variables saturate here: enough for ack counters on 8 CPUs. */
export const MAX_VALUE = 15;

export const MAX_CPUS = 8;
