/**
 * The kernel API model's types. The knowledge itself is data (kernelApi.json, one entry
 * per API with the kernel's own reason), merged with the workspace's `.irqlens.json`.
 * This module has no logic beyond building lookup maps.
 */

/** The context a function was entered in, before anything it does itself. */
export type Base = 'process' | 'softirq' | 'hardirq' | 'nmi';

/**
 * What a program point runs in, most restrictive first: the entry's base when it is an
 * interrupt, otherwise `irqs-off` (process context, IRQs disabled), `atomic` (a lock held
 * or preemption disabled, IRQs on) or `process` (may sleep).
 */
export type Context = 'hardirq' | 'nmi' | 'softirq' | 'irqs-off' | 'atomic' | 'process';

export const CONTEXTS: readonly Context[] = ['hardirq', 'nmi', 'softirq', 'irqs-off', 'atomic', 'process'];

export type RuleId = 'xcall-in-atomic' | 'sleep-in-atomic';

export const RULE_IDS: readonly RuleId[] = ['xcall-in-atomic', 'sleep-in-atomic'];

/**
 * A primitive effect of a context-changing call on the calling CPU's state.
 * `lock`/`unlock` are spinlock-like (they make the section atomic) and name the lock
 * through `lockArg`; `irq-save`/`irq-restore` remember the IRQ state in `flagsArg`.
 */
export type Effect =
  | 'irq-disable'
  | 'irq-enable'
  | 'irq-save'
  | 'irq-restore'
  | 'lock'
  | 'unlock'
  | 'preempt-disable'
  | 'preempt-enable'
  | 'bh-disable'
  | 'bh-enable'
  | 'rcu-lock'
  | 'rcu-unlock';

export interface ContextChange {
  name: string;
  effects: Effect[];
  /** Argument index of the lock, for `lock`/`unlock`. */
  lockArg?: number;
  /** Argument index of the saved flags, for `irq-save`/`irq-restore`. */
  flagsArg?: number;
  /** A trylock: the effects hold only where the call returned true (its failure changes nothing). */
  onSuccess?: boolean;
  why: string;
}

/** A condition on a call's arguments, e.g. kmalloc sleeps only with a GFP flag that allows it. */
export interface ArgCondition {
  arg: number;
  /** The call matches when the argument's text contains one of these tokens... */
  contains?: string[];
  /** ...or does not contain any of these. */
  lacks?: string[];
}

export interface ForbiddenCall {
  name: string;
  rule: RuleId;
  /** Only when the arguments match; absent means always. */
  when?: ArgCondition;
  /**
   * A cross-CPU call that also sleeps (`synchronize_rcu`, `stop_machine`): where the
   * cross-CPU rule allows it (a plain spinlock, preemption off) it is still a
   * sleep-in-atomic.
   */
  sleeps?: boolean;
  why: string;
}

/** A call that is explicitly fine in atomic context; listed so that tests pin the negatives. */
export interface AllowedCall {
  name: string;
  why: string;
}

export type EntryKind =
  | 'irq-handler'
  | 'irq-thread'
  | 'hrtimer'
  | 'timer'
  | 'tasklet'
  | 'ipi'
  | 'irq-work'
  | 'nmi'
  | 'rcu'
  | 'napi'
  | 'workqueue'
  | 'kthread'
  | 'ops'
  | 'configured';

/** One callback a registration call installs. */
export interface CallbackSpec {
  arg: number;
  base: Base;
  kind: EntryKind;
  /** When this argument of the same call matches, the callback runs in `base` instead. */
  override?: ArgCondition & { base: Base };
}

export interface Registration {
  name: string;
  callbacks: CallbackSpec[];
  why: string;
}

/**
 * A struct field whose stored function the kernel calls in a known context, e.g.
 * `struct hrtimer.function` (hardirq) or `struct net_device_ops.ndo_start_xmit`.
 */
export interface FieldRegistration {
  structType: string;
  field: string;
  base: Base;
  kind: EntryKind;
  /** Calls to a function named here anywhere in the storing function set the mode. */
  modeFrom?: { calls: string[]; arg: number; contains: string[]; base: Base };
  /** Also match a store to `field` whose struct type is unknown when the stored function returns this type. */
  returnTypeEvidence?: string;
  /** Whether the callback starts with IRQs disabled (irq_chip callbacks, hardirq handlers). */
  irqsOff?: boolean;
  why: string;
}

/** A context predicate usable as a guard: `if (in_interrupt()) return;`. */
export interface Predicate {
  name: string;
  /** True when the state's base is one of these... */
  bases: Base[];
  /** ...or IRQs are off (when set)... */
  irqsOff?: boolean;
  /** ...or the state is atomic (when set). */
  atomic?: boolean;
  /** The predicate is the negation of the above (`in_task()`, `preemptible()`). */
  negated?: boolean;
  why: string;
}

/**
 * A call true only when it dropped an object's last reference (`atomic_dec_and_test`):
 * what runs where it is true is a release path, taken in a context only if the caller
 * can hold the last reference there, which is a protocol the code does not show.
 */
export interface LastReferenceTest {
  name: string;
  why: string;
}

/** Return types that mark a function as a handler of some kind (evidence, not proof). */
export interface HandlerType {
  returnType: string;
  kind: EntryKind;
  why: string;
}

/** A call that runs the notifier blocks registered on the chain it is given (kernel/notifier.c). */
export interface ChainCall {
  name: string;
  /** The chain head's type: a call on one kind of chain never runs blocks registered on another. */
  head: string;
  /** Argument index of the chain head. */
  chainArg: number;
  /** The callbacks run under rcu_read_lock() (atomic chains): atomic whatever the caller's context. */
  atomic?: boolean;
  why: string;
}

/** A call that links a notifier block into a chain. */
export interface ChainRegistration {
  name: string;
  head: string;
  chainArg: number;
  /** Argument index of the `struct notifier_block *`. */
  blockArg: number;
  why: string;
}

/** Notifier chains: a call on a chain reaches the blocks registered on that chain, not every block's field. */
export interface NotifierChains {
  /** The `struct notifier_block` field a chain call calls through. */
  field: string;
  calls: ChainCall[];
  registrations: ChainRegistration[];
}

export interface KernelModel {
  contextChanges: ContextChange[];
  forbidden: ForbiddenCall[];
  allowed: AllowedCall[];
  registrations: Registration[];
  fieldRegistrations: FieldRegistration[];
  predicates: Predicate[];
  handlerTypes: HandlerType[];
  notifierChains: NotifierChains;
  lastReferenceTests: LastReferenceTest[];
}
