/**
 * The rules: which contexts each rule forbids, whether a call is forbidden given its
 * arguments, and how a finding is worded.
 */
import type { ArgCondition, Context, ForbiddenCall, KernelIndex, RuleId } from '../kernel';

/**
 * kernel/smp.c: smp_call_function_many_cond() asserts IRQs enabled and WARNs on
 * !in_task(); a plain spinlock or preempt_disable() is fine for a cross-CPU call
 * (the function disables preemption itself). Sleeping is forbidden in all of them.
 */
export const FORBIDDEN_CONTEXTS: Record<RuleId, readonly Context[]> = {
  'xcall-in-atomic': ['hardirq', 'nmi', 'softirq', 'irqs-off'],
  'sleep-in-atomic': ['hardirq', 'nmi', 'softirq', 'irqs-off', 'atomic'],
};

/** Most restrictive first: the order in which a finding picks the context it names. */
export const CONTEXT_ORDER: readonly Context[] = ['hardirq', 'nmi', 'softirq', 'irqs-off', 'atomic', 'process'];

/** Whether a call's arguments meet a model condition (`kmalloc` with `GFP_KERNEL`, an hrtimer mode with `_SOFT`). */
export function argMatches(cond: ArgCondition, args: readonly string[]): boolean {
  const text = args[cond.arg];
  // An argument we cannot see (a macro hid it) is not evidence either way: assume the common case.
  if (text === undefined) return false;
  if (cond.contains?.some((t) => text.includes(t))) return true;
  if (cond.lacks && !cond.lacks.some((t) => text.includes(t))) return true;
  return false;
}

/** The rule a forbidden-call entry breaks in `context`, if any: its own, else sleep-in-atomic for a cross-CPU call that sleeps. */
function brokenRule(f: ForbiddenCall, context: Context, enabled: ReadonlySet<RuleId>): RuleId | undefined {
  if (enabled.has(f.rule) && FORBIDDEN_CONTEXTS[f.rule].includes(context)) return f.rule;
  if (f.sleeps && enabled.has('sleep-in-atomic') && FORBIDDEN_CONTEXTS['sleep-in-atomic'].includes(context)) return 'sleep-in-atomic';
  return undefined;
}

/** The forbidden-call entries that apply to a call of `name` with `args` in `context`, each under the rule it breaks there. */
export function violations(kernel: KernelIndex, name: string, args: readonly string[], context: Context): ForbiddenCall[] {
  const out: ForbiddenCall[] = [];
  for (const f of kernel.forbidden(name)) {
    if (f.when && !argMatches(f.when, args)) continue;
    const rule = brokenRule(f, context, kernel.enabledRules);
    if (rule) out.push(rule === f.rule ? f : { ...f, rule });
  }
  return out;
}

const CONTEXT_PHRASES: Record<Context, string> = {
  hardirq: 'hardirq context',
  nmi: 'NMI context',
  softirq: 'softirq context',
  'irqs-off': 'process context with IRQs off',
  atomic: 'atomic context',
  process: 'process context',
};

export function describeContext(context: Context): string {
  return CONTEXT_PHRASES[context];
}

const CONSEQUENCES: Record<RuleId, string> = {
  'xcall-in-atomic': 'the calling CPU spins until every other CPU takes the IPI, and a CPU waiting on this one with IRQs off never does',
  'sleep-in-atomic': 'it may sleep, and sleeping there can deadlock or corrupt the scheduler state',
};

export function findingMessage(rule: RuleId, callee: string, context: Context, entryNote: string): string {
  const irqs = context === 'hardirq' || context === 'nmi' ? ', with IRQs off' : '';
  return `${callee}() may run in ${describeContext(context)} (${entryNote})${irqs}: ${CONSEQUENCES[rule]}`;
}
