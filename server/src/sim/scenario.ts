/**
 * Finding + function facts -> Scenario: which functions run, on which virtual CPUs, fired
 * by what. The finding's entry point becomes a trigger that may fire on any CPU whose
 * IRQs are on (or the task of CPU 0 when it runs in process context); the other CPUs run
 * peers: by default a CPU that spins with IRQs off waiting for this one, the situation
 * in which a synchronous cross-CPU call from interrupt context hangs.
 */
import type { Arg, CallOp, FunctionFacts, Pos } from '../syntax/facts';
import type { Base } from '../kernel/model';
import type { Finding } from '../analysis/findings';
import type { Instr, InstrBody, Scenario, SimFunction, Trigger, TriggerBase } from './instructions';
import { MAX_CPUS } from './instructions';
import { FunctionAbstractor, calleeName, classifyCall, readsOf, walk, writesOf, type AbstractionEnv } from './abstractFunction';
import type { KernelLookup } from './kernelCalls';

/** The analysis layer's function lookup: definitions of `name` visible from `fromFile`. */
export type FactsLookup = (name: string, fromFile: string) => Array<{ file: string; fn: FunctionFacts }>;

/** What another CPU runs. */
export type PeerSpec =
  /** Process context that disables IRQs and makes its own synchronous cross-CPU call. */
  | { kind: 'irqs-off-xcall' }
  /** Process context that spins, IRQs off, on the first lock the entry takes. */
  | { kind: 'irqs-off-lock' }
  /** The finding's own trigger may fire here once more, concurrently. */
  | { kind: 'same-trigger' }
  /** Another entry point or IRQs-off region of the driver, in its own context. */
  | { kind: 'entry'; name: string; file: string; base: Base }
  | { kind: 'idle' };

export type WhatIfMode = 'workqueue' | 'async' | 'irq-work';

export interface ScenarioOptions {
  kernel: KernelLookup;
  /** Virtual CPUs, 2 to 8; default 2. */
  cpus?: number;
  /** What CPUs 1, 2, ... run; missing ones idle. Default: one irqs-off peer (lock if the entry takes one). */
  peers?: PeerSpec[];
  /** Iterations a "give up after N spins" loop is abstracted to; default 2. */
  spinBound?: number;
  /** How many times the entry's trigger fires in total; default 1. */
  triggerFires?: number;
  /** The handler of a driver's own IPI vector (set up outside C the analysis sees). */
  ownIpiHandler?: string;
  /** Deferred item (`&dev->work` as `.work`, or a global's name) -> the function it runs. */
  deferTargets?: Record<string, string>;
  /** Further functions to read INIT_WORK()/tasklet_setup()-style bindings from (probe, init). */
  context?: Array<{ file: string; fn: FunctionFacts }>;
  /** Replace the finding's forbidden call by a deferral. */
  whatIf?: WhatIfMode;
}

export type BuildResult = { ok: true; scenario: Scenario } | { ok: false; error: string };

/**
 * Calls nested deeper than this are not abstracted (each level is a few stack frames, and a
 * generated 100,000-function call chain must not overflow the stack); no driver comes near it.
 */
export const MAX_CALL_DEPTH = 200;

interface FnRef {
  file: string;
  fn: FunctionFacts;
}

const HARDIRQ_KINDS = new Set(['irq-handler', 'hrtimer', 'ipi', 'irq-work']);
const SOFTIRQ_KINDS = new Set(['timer', 'tasklet', 'rcu', 'napi']);

function entryBase(kind: Finding['entryKind']): Base {
  if (kind === 'nmi') return 'nmi';
  if (HARDIRQ_KINDS.has(kind)) return 'hardirq';
  if (SOFTIRQ_KINDS.has(kind)) return 'softirq';
  return 'process';
}

const key = (r: FnRef): string => `${r.file}\0${r.fn.name}`;
const at = (p: Pos): string => `${p.line}:${p.col}`;

export function buildScenario(finding: Finding, lookup: FactsLookup, options: ScenarioOptions): BuildResult {
  const cpus = options.cpus ?? 2;
  if (!Number.isInteger(cpus) || cpus < 2 || cpus > MAX_CPUS) return { ok: false, error: `cpus must be an integer from 2 to ${MAX_CPUS}, got ${cpus}` };
  const entryStep = finding.path[0];
  if (!entryStep) return { ok: false, error: `finding ${finding.id} has an empty witness path` };
  const calls = finding.path.filter((s, i) => i > 0 && s.function !== finding.path[i - 1].function).length;
  if (calls > MAX_CALL_DEPTH) return { ok: false, error: `the witness path is ${calls} calls deep; the simulator follows at most ${MAX_CALL_DEPTH}` };
  const entry = lookup(entryStep.function, entryStep.location.file)[0] ?? lookup(entryStep.function, finding.location.file)[0];
  if (!entry) return { ok: false, error: `no definition of entry function ${entryStep.function} found` };
  return new ScenarioBuilder(finding, lookup, options, cpus).build(entry);
}

class ScenarioBuilder {
  private readonly functions: SimFunction[] = [];
  private readonly indexOf = new Map<string, number>();
  private readonly abstracted = new Map<string, SimFunction | 'busy'>();
  private readonly vars: string[] = [];
  private readonly locks: string[] = [];
  private readonly notes: string[] = [];
  /** Shared-variable key -> the functions that write it / read it in a condition. */
  private readonly writers = new Map<string, Set<string>>();
  private readonly readers = new Map<string, Set<string>>();
  private readonly deferBindings = new Map<string, FnRef>();
  /** Indirect call sites resolved by the witness: `file:line:col` of the call -> callee. */
  private readonly indirect = new Map<string, { name: string; file: string }>();
  private asyncSites = 0;
  private emptyFn = -1;
  private readonly spinBound: number;
  /** Functions being abstracted, outermost first: the call depth. */
  private depth = 0;
  private tooDeep = false;

  constructor(
    private readonly finding: Finding,
    private readonly lookup: FactsLookup,
    private readonly options: ScenarioOptions,
    private readonly cpus: number,
  ) {
    this.spinBound = options.spinBound ?? 2;
    const path = finding.path;
    path.forEach((step, i) => {
      if (step.kind !== 'indirect') return;
      const next = path.slice(i + 1).find((s) => s.function !== step.function);
      if (next) this.indirect.set(`${step.location.file}:${at(step.location.pos)}`, { name: next.function, file: next.location.file });
    });
  }

  build(entry: FnRef): BuildResult {
    const peers = this.options.peers ?? [this.defaultPeer(entry)];
    const peerRefs: Array<FnRef | null> = peers.map((p) => (p.kind === 'entry' ? this.lookup(p.name, p.file)[0] ?? null : null));
    const missing = peers.findIndex((p, i) => p.kind === 'entry' && peerRefs[i] === null);
    if (missing >= 0) {
      const p = peers[missing] as { name: string };
      return { ok: false, error: `no definition of peer entry ${p.name} found` };
    }
    if (peers.length > this.cpus - 1) return { ok: false, error: `${peers.length} peers need ${peers.length + 1} CPUs, have ${this.cpus}` };
    const handlerRef = this.options.ownIpiHandler ? this.lookup(this.options.ownIpiHandler, entry.file)[0] ?? null : null;
    if (this.options.ownIpiHandler && !handlerRef) return { ok: false, error: `no definition of IPI handler ${this.options.ownIpiHandler} found` };

    this.discover([entry, ...peerRefs.filter((r): r is FnRef => r !== null), ...(handlerRef ? [handlerRef] : [])]);

    const base = entryBase(this.finding.entryKind);
    const entryFn = this.fnIndex(entry);
    const tasks: Array<number | null> = new Array<number | null>(this.cpus).fill(null);
    const triggers: Trigger[] = [];
    if (base === 'process') tasks[0] = entryFn;
    else triggers.push({ fn: entryFn, base, cpus: range(this.cpus), fires: this.options.triggerFires ?? 1, label: this.finding.entryKind });
    peers.forEach((p, i) => {
      const cpu = i + 1;
      switch (p.kind) {
        case 'idle':
          return;
        case 'same-trigger':
          if (triggers[0]) triggers[0].fires++;
          else tasks[cpu] = entryFn;
          return;
        case 'entry': {
          const fn = this.fnIndex(peerRefs[i] as FnRef);
          if (p.base === 'process') tasks[cpu] = fn;
          else triggers.push({ fn, base: p.base as TriggerBase, cpus: [cpu], fires: 1, label: p.name });
          return;
        }
        case 'irqs-off-xcall':
        case 'irqs-off-lock':
          tasks[cpu] = this.syntheticPeer(p.kind === 'irqs-off-lock' && this.locks.length > 0 ? 'irqs-off-lock' : 'irqs-off-xcall');
          return;
      }
    });
    if (this.tooDeep) this.notes.push(`calls nested deeper than ${MAX_CALL_DEPTH} levels are not simulated`);
    const scenario: Scenario = {
      title: `${this.finding.callee} reached from ${this.finding.entryKind} ${entry.fn.name}${this.options.whatIf ? ` (what-if: ${this.options.whatIf})` : ''}`,
      cpus: this.cpus,
      functions: this.functions,
      vars: this.vars,
      locks: this.locks,
      triggers,
      tasks,
      ownIpiHandler: handlerRef ? this.fnIndex(handlerRef) : null,
      asyncSites: this.asyncSites,
      notes: this.notes,
    };
    return { ok: true, scenario };
  }

  /** The lock the entry's code takes first, if any: a peer spinning on it with IRQs off. */
  private defaultPeer(entry: FnRef): PeerSpec {
    // Checked again once abstracted: a lock only in dropped code leaves no lock to spin on.
    return this.firstLock(entry) !== null ? { kind: 'irqs-off-lock' } : { kind: 'irqs-off-xcall' };
  }

  /** Depth-first in call order, with an explicit stack: call chains may be any length. */
  private firstLock(entry: FnRef): string | null {
    const seen = new Set([key(entry)]);
    const stack = [{ items: this.locksAndCalls(entry), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next === top.items.length) {
        stack.pop();
        continue;
      }
      const item = top.items[top.next++];
      if (typeof item === 'string') return item;
      if (seen.has(key(item))) continue;
      seen.add(key(item));
      stack.push({ items: this.locksAndCalls(item), next: 0 });
    }
    return null;
  }

  /** The locks a function takes and the driver functions it calls, in order. */
  private locksAndCalls(ref: FnRef): Array<string | FnRef> {
    const out: Array<string | FnRef> = [];
    walk(ref.fn.body, (op) => {
      if (op.op !== 'call') return;
      const c = classifyCall(op, this.options.kernel);
      if (c.kind === 'context' && c.change.effects.includes('lock')) out.push(c.change.name);
      else if (c.kind === 'driver') {
        const callee = this.resolve(op, ref);
        if (callee) out.push(callee);
      }
    });
    return out;
  }

  private syntheticPeer(kind: 'irqs-off-xcall' | 'irqs-off-lock'): number {
    const loc = { file: '(another CPU)', pos: { line: -1, col: 0 } };
    const mk = (body: InstrBody, text: string): Instr => ({ ...body, loc, text } as Instr);
    const instrs: Instr[] = [mk({ op: 'irq-save', slot: 0 }, 'local_irq_save(flags)')];
    if (kind === 'irqs-off-xcall') {
      this.notes.push('CPU 1 is assumed to run process-context code that disables IRQs and makes its own synchronous cross-CPU call.');
      instrs.push(
        mk({ op: 'xcall-send', fn: this.empty(), targets: 'others', csd: 'cfd', site: 0, sync: true }, 'smp_call_function(fn, NULL, 1)'),
        mk({ op: 'xcall-wait', csd: 'cfd' }, 'csd_lock_wait()'),
      );
    } else {
      const lock = this.locks[0];
      this.notes.push(`CPU 1 is assumed to take ${lock} with spin_lock_irqsave() in process context.`);
      instrs.push(mk({ op: 'lock', lock: 0 }, `spin_lock_irqsave(${lock}, flags)`), mk({ op: 'unlock', lock: 0 }, `spin_unlock_irqrestore(${lock}, flags)`));
    }
    instrs.push(mk({ op: 'irq-restore', slot: 0 }, 'local_irq_restore(flags)'), mk({ op: 'ret' }, 'return'));
    return this.addFunction({ name: `(${kind} peer)`, file: loc.file, loc, synthetic: true, instrs, flagSlots: 1, counterSlots: 0 });
  }

  /** Resolves a call to a driver function: by name, or through the witness for pointers. */
  private resolve(op: CallOp, from: FnRef): FnRef | null {
    const via = this.indirect.get(`${from.file}:${at(op.at)}`);
    if (via) return this.lookup(via.name, via.file)[0] ?? this.lookup(via.name, from.file)[0] ?? null;
    if (op.callee.kind !== 'name') return null;
    return this.lookup(op.callee.name, from.file)[0] ?? null;
  }

  private resolveFnArg(arg: Arg | undefined, from: FnRef): FnRef | null {
    if (!arg || arg.value.kind !== 'name' || arg.value.local || arg.value.param !== undefined) return null;
    return this.lookup(arg.value.name, from.file)[0] ?? null;
  }

  /**
   * Walks every function the scenario may run, to learn which variables several of them
   * write (only those are shared) and which function each deferred item runs.
   */
  private discover(roots: FnRef[]): void {
    const seen = new Map<string, FnRef>();
    const queue = [...roots];
    for (const c of this.options.context ?? []) this.bindDefers(c);
    for (const [obj, name] of Object.entries(this.options.deferTargets ?? {})) {
      const ref = this.lookup(name, roots[0].file)[0];
      if (ref) this.deferBindings.set(obj, ref);
    }
    const pendingDefers = new Set<string>();
    while (queue.length > 0) {
      const ref = queue.pop() as FnRef;
      if (seen.has(key(ref))) continue;
      seen.set(key(ref), ref);
      this.bindDefers(ref);
      for (const k of writesOf(ref.fn, this.options.kernel)) addTo(this.writers, k, key(ref));
      for (const k of readsOf(ref.fn)) addTo(this.readers, k, key(ref));
      walk(ref.fn.body, (op) => {
        if (op.op !== 'call') return;
        const c = classifyCall(op, this.options.kernel);
        if (c.kind === 'driver') {
          const callee = this.resolve(op, ref);
          if (callee) queue.push(callee);
        } else if (c.kind === 'xcall' && c.spec.fnArg !== null) {
          const cb = this.resolveFnArg(op.args[c.spec.fnArg], ref);
          if (cb) queue.push(cb);
        } else if (c.kind === 'defer') {
          pendingDefers.add(c.obj);
        }
      });
      if (queue.length === 0) {
        for (const obj of pendingDefers) {
          const target = this.deferBindings.get(obj);
          if (target && !seen.has(key(target))) queue.push(target);
        }
      }
    }
  }

  private bindDefers(ref: FnRef): void {
    walk(ref.fn.body, (op) => {
      if (op.op !== 'call') return;
      const c = classifyCall(op, this.options.kernel);
      if (c.kind !== 'defer-init' || c.fn.kind !== 'name') return;
      const target = this.lookup(c.fn.name, ref.file)[0];
      if (target && !this.deferBindings.has(c.obj)) this.deferBindings.set(c.obj, target);
    });
  }

  private addFunction(f: SimFunction): number {
    this.functions.push(f);
    return this.functions.length - 1;
  }

  /** A function that does nothing: callbacks the abstraction cannot resolve. */
  private empty(): number {
    if (this.emptyFn < 0) {
      const loc = { file: '(unknown)', pos: { line: -1, col: 0 } };
      this.emptyFn = this.addFunction({ name: '(unresolved callback)', file: loc.file, loc, synthetic: true, instrs: [{ op: 'ret', loc, text: 'return' }], flagSlots: 0, counterSlots: 0 });
    }
    return this.emptyFn;
  }

  private abstract(ref: FnRef): SimFunction | null {
    const k = key(ref);
    const done = this.abstracted.get(k);
    if (done === 'busy') return null;
    if (done) return done;
    if (this.depth >= MAX_CALL_DEPTH) {
      this.tooDeep = true;
      return null;
    }
    this.abstracted.set(k, 'busy');
    this.depth++;
    let result: ReturnType<FunctionAbstractor['run']>;
    try {
      result = new FunctionAbstractor(this.env(ref), ref.fn, ref.file).run();
    } finally {
      this.depth--;
    }
    const fn: SimFunction = { name: ref.fn.name, file: ref.file, loc: { file: ref.file, pos: ref.fn.nameSpan.start }, synthetic: false, ...result };
    this.abstracted.set(k, fn);
    return fn;
  }

  /** The function's index, abstracting it first (recursion is cut: a recursive call is dropped). */
  private fnIndex(ref: FnRef): number {
    const existing = this.indexOf.get(key(ref));
    if (existing !== undefined) return existing;
    const fn = this.abstract(ref);
    if (!fn) {
      if (this.abstracted.get(key(ref)) === 'busy') this.notes.push(`recursion through ${ref.fn.name} is cut after one level`);
      return this.empty();
    }
    const index = this.addFunction(fn);
    this.indexOf.set(key(ref), index);
    return index;
  }

  private env(ref: FnRef): AbstractionEnv {
    const reader = key(ref);
    // A read is shared when another function writes the variable, a write when another reads it.
    const isShared = (k: string, access: 'read' | 'write'): boolean => {
      const others = (access === 'read' ? this.writers : this.readers).get(k);
      return others !== undefined && [...others].some((w) => w !== reader);
    };
    return {
      kernel: this.options.kernel,
      cpus: this.cpus,
      spinBound: this.spinBound,
      callee: (op) => {
        const callee = this.resolve(op, ref);
        if (!callee) return null;
        const fn = this.abstract(callee);
        if (!fn || (fn.instrs.length === 1 && fn.instrs[0].op === 'ret')) return null;
        return this.fnIndex(callee);
      },
      callback: (arg) => {
        const cb = this.resolveFnArg(arg, ref);
        return cb ? this.fnIndex(cb) : this.empty();
      },
      deferTarget: (kind, obj) => {
        const target = this.deferBindings.get(obj);
        if (target) return this.fnIndex(target);
        this.notes.push(`the ${kind} item ${obj} is not bound to a function the analysis saw; it runs nothing`);
        return this.empty();
      },
      isShared,
      sharedVar: (k, access) => {
        if (!isShared(k, access)) return null;
        const existing = this.vars.indexOf(k);
        if (existing >= 0) return existing;
        this.vars.push(k);
        return this.vars.length - 1;
      },
      lock: (k) => {
        const existing = this.locks.indexOf(k);
        if (existing >= 0) return existing;
        this.locks.push(k);
        return this.locks.length - 1;
      },
      asyncSite: () => this.asyncSites++,
      replace: (op, compiled) => this.replaceOffending(op, ref, compiled),
    };
  }

  /**
   * What-if: the finding's forbidden call, deferred the way kernel code fixes it: to a
   * workqueue (process context, IRQs on), to smp_call_function_single_async() (nothing
   * waits), or to irq_work that then queues the work (the NMI-safe route).
   */
  private replaceOffending(op: CallOp, ref: FnRef, compiled: Instr[]): Instr[] | null {
    const mode = this.options.whatIf;
    const first = compiled[0];
    if (!mode || !first) return null;
    if (mode === 'async') {
      // Every synchronous cross-CPU call in the function that makes the forbidden one.
      const forbidden = this.finding.path[this.finding.path.length - 1];
      if (ref.fn.name !== forbidden.function || ref.file !== forbidden.location.file || classifyCall(op, this.options.kernel).kind !== 'xcall') return null;
    } else {
      // The path's first hop out of the entry: everything below it moves to process context.
      const hop = this.finding.path.find((s) => s.kind !== 'entry' && s.kind !== 'context');
      if (!hop || hop.function !== ref.fn.name || hop.location.file !== ref.file || hop.location.pos.line !== op.at.line) return null;
      if (hop.kind === 'forbidden' && calleeName(op) !== this.finding.callee) return null;
    }
    const mk = (body: InstrBody, text: string): Instr => ({ ...body, loc: first.loc, text } as Instr);
    if (mode === 'async') {
      return compiled
        .filter((i) => i.op !== 'xcall-wait')
        .map((i) => (i.op === 'xcall-send' ? { ...i, csd: 'async' as const, sync: false, site: this.asyncSites++, text: `${i.text} -> smp_call_function_single_async() per CPU` } : i));
    }
    const what = calleeName(op) ?? 'call';
    const work = this.deferredFunction(`${what} (deferred to a work item)`, first, compiled);
    if (mode === 'workqueue') return [mk({ op: 'defer', kind: 'work', fn: work }, `schedule_work(): ${first.text} moved to a work item`)];
    const irqWork = this.deferredFunction(`${what} (deferred to irq_work)`, first, [mk({ op: 'defer', kind: 'work', fn: work }, 'schedule_work()')]);
    return [mk({ op: 'defer', kind: 'irq-work', fn: irqWork }, `irq_work_queue(): ${first.text} moved to irq_work + work item`)];
  }

  private deferredFunction(name: string, first: Instr, body: Instr[]): number {
    const slots = body.reduce((m, i) => (i.op === 'irq-save' ? Math.max(m, i.slot + 1) : m), 0);
    return this.addFunction({ name, file: first.loc.file, loc: first.loc, synthetic: false, instrs: [...body, { op: 'ret', loc: first.loc, text: 'return' }], flagSlots: slots, counterSlots: 0 });
  }
}

function addTo(map: Map<string, Set<string>>, k: string, value: string): void {
  const set = map.get(k) ?? new Set<string>();
  set.add(value);
  map.set(k, set);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

