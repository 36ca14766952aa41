/**
 * The simulator's own small tables: how cross-CPU calls, deferrals and shared-variable
 * accessors use their arguments. Context changes, sleeping calls and context predicates
 * come from the kernel model (kernel/kernelApi.json) instead; these are the details the
 * model does not carry because only the simulator needs them.
 */
import type { ContextChange, ForbiddenCall, Predicate } from '../kernel/model';
import type { DeferKind } from './instructions';

/** The part of the kernel layer's index the simulator reads (KernelIndex fits it). */
export interface KernelLookup {
  contextChange(name: string): ContextChange | undefined;
  forbidden(name: string): ForbiddenCall[];
  predicate(name: string): Predicate | undefined;
}

export interface XcallSpec {
  /** Argument holding the function to run, or null when the kernel supplies it. */
  fnArg: number | null;
  /** Argument holding `wait`, or null when fixed by `wait`. */
  waitArg: number | null;
  wait: boolean;
  targets: 'others' | 'one';
  /** on_each_cpu*(): also runs the function locally with IRQs off, between send and wait. */
  runLocal: boolean;
  /** smp_call_function_single_async(): the caller's CSD, no wait, -EBUSY when in use. */
  async: boolean;
}

/**
 * kernel/smp.c. The `_many` variants and on_each_cpu*() all go through
 * smp_call_function_many_cond(); a mask argument is taken as "every other CPU", which is
 * what a driver's mask usually is and the worst case for waiting.
 */
export const XCALLS: Readonly<Record<string, XcallSpec>> = {
  smp_call_function: { fnArg: 0, waitArg: 2, wait: true, targets: 'others', runLocal: false, async: false },
  smp_call_function_many: { fnArg: 1, waitArg: 3, wait: true, targets: 'others', runLocal: false, async: false },
  smp_call_function_single: { fnArg: 1, waitArg: 3, wait: true, targets: 'one', runLocal: false, async: false },
  smp_call_function_any: { fnArg: 1, waitArg: 3, wait: true, targets: 'one', runLocal: false, async: false },
  on_each_cpu: { fnArg: 0, waitArg: 2, wait: true, targets: 'others', runLocal: true, async: false },
  on_each_cpu_mask: { fnArg: 1, waitArg: 3, wait: true, targets: 'others', runLocal: true, async: false },
  on_each_cpu_cond: { fnArg: 1, waitArg: 3, wait: true, targets: 'others', runLocal: true, async: false },
  on_each_cpu_cond_mask: { fnArg: 1, waitArg: 3, wait: true, targets: 'others', runLocal: true, async: false },
  // kick_all_cpus_sync(): smp_call_function(do_nothing, NULL, 1).
  kick_all_cpus_sync: { fnArg: null, waitArg: null, wait: true, targets: 'others', runLocal: false, async: false },
  smp_call_function_single_async: { fnArg: null, waitArg: null, wait: false, targets: 'one', runLocal: false, async: true },
};

/** Calls that queue a deferred item, and which argument names the item. */
export const DEFERS: Readonly<Record<string, { kind: DeferKind; objArg: number }>> = {
  tasklet_schedule: { kind: 'tasklet', objArg: 0 },
  tasklet_hi_schedule: { kind: 'tasklet', objArg: 0 },
  schedule_work: { kind: 'work', objArg: 0 },
  queue_work: { kind: 'work', objArg: 1 },
  queue_work_on: { kind: 'work', objArg: 2 },
  schedule_delayed_work: { kind: 'work', objArg: 0 },
  queue_delayed_work: { kind: 'work', objArg: 1 },
  mod_delayed_work: { kind: 'work', objArg: 1 },
  irq_work_queue: { kind: 'irq-work', objArg: 0 },
  irq_work_queue_on: { kind: 'irq-work', objArg: 0 },
};

/** Calls that bind a deferred item to its function: (object argument, function argument). */
export const DEFER_INITS: Readonly<Record<string, { objArg: number; fnArg: number }>> = {
  INIT_WORK: { objArg: 0, fnArg: 1 },
  INIT_DELAYED_WORK: { objArg: 0, fnArg: 1 },
  DECLARE_WORK: { objArg: 0, fnArg: 1 },
  DECLARE_DELAYED_WORK: { objArg: 0, fnArg: 1 },
  tasklet_init: { objArg: 0, fnArg: 1 },
  tasklet_setup: { objArg: 0, fnArg: 1 },
  DECLARE_TASKLET: { objArg: 0, fnArg: 1 },
  DECLARE_TASKLET_OLD: { objArg: 0, fnArg: 1 },
  init_irq_work: { objArg: 0, fnArg: 1 },
};

/**
 * A driver raising its own IPI vector (the seed's dtrace_xcall "steals" a vector and
 * sends it through the APIC driver), matched on the call's name or field name.
 */
export const OWN_IPI_SENDS: ReadonlySet<string> = new Set([
  'send_IPI_allbutself',
  'send_IPI_all',
  'send_IPI_mask',
  'send_IPI_mask_allbutself',
  'apic_send_IPI_allbutself',
  '__apic_send_IPI_allbutself',
]);

/** Writes to a shared variable through an accessor: (variable argument, new value). */
export const VAR_WRITES: Readonly<Record<string, { varArg: number; value: { set: 'arg'; arg: number } | { add: 1 | -1 } }>> = {
  atomic_set: { varArg: 0, value: { set: 'arg', arg: 1 } },
  atomic_inc: { varArg: 0, value: { add: 1 } },
  atomic_dec: { varArg: 0, value: { add: -1 } },
  WRITE_ONCE: { varArg: 0, value: { set: 'arg', arg: 1 } },
  smp_store_release: { varArg: 0, value: { set: 'arg', arg: 1 } },
  smp_store_mb: { varArg: 0, value: { set: 'arg', arg: 1 } },
};

/** Reads of a shared variable through an accessor, as they appear in conditions. */
export const VAR_READS: ReadonlySet<string> = new Set(['READ_ONCE', 'atomic_read', 'smp_load_acquire', 'atomic_long_read']);

/** Expressions for the number of online CPUs, as drivers count acknowledgements. */
export const CPU_COUNTS: ReadonlySet<string> = new Set(['num_online_cpus()', 'num_present_cpus()', 'num_possible_cpus()', 'nr_cpu_ids']);
