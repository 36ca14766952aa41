/**
 * C function body (the syntax layer's Op tree) -> the simulator's flat instruction list.
 *
 * Only what changes how CPUs wait for each other survives: IRQ, BH and preemption
 * state, spinlocks, calls into driver functions that do any of this, cross-CPU calls,
 * deferrals, the driver's own IPI, stores to and busy-waits on shared variables, and
 * sleeping calls. Everything else is dropped, since a no-op instruction would only add
 * interleavings. Conditions the abstraction cannot decide become nondeterministic choices.
 */
import type { Arg, CallOp, Cond, FunctionFacts, Op, Pos, ValueRef } from '../syntax/facts';
import type { ContextChange, Effect } from '../kernel/model';
import type { DeferKind, Guard, GuardAtom, Instr, InstrBody, StoreValue } from './instructions';
import { MAX_VALUE } from './instructions';
import { NEGATE, literal, parseAtom, varKey } from './condition';
import { DEFERS, DEFER_INITS, OWN_IPI_SENDS, VAR_WRITES, XCALLS, type KernelLookup, type XcallSpec } from './kernelCalls';

/** What a call site means to the simulator. */
export type CallClass =
  | { kind: 'xcall'; spec: XcallSpec }
  | { kind: 'defer'; defer: DeferKind; obj: string }
  | { kind: 'defer-init'; obj: string; fn: ValueRef }
  | { kind: 'raise-ipi' }
  | { kind: 'var-write'; key: string; value: StoreValue }
  | { kind: 'context'; change: ContextChange }
  | { kind: 'sleep' }
  /** Possibly a driver function (direct, or through a pointer the witness resolved). */
  | { kind: 'driver' }
  | { kind: 'none' };

export function calleeName(op: CallOp): string | null {
  return op.callee.kind === 'name' ? op.callee.name : op.callee.kind === 'field' ? op.callee.field : null;
}

/** Kernel APIs are matched first: a driver's definition of one is not followed. */
export function classifyCall(op: CallOp, kernel: KernelLookup): CallClass {
  const name = calleeName(op);
  if (name === null) return { kind: 'driver' };
  if (OWN_IPI_SENDS.has(name)) return { kind: 'raise-ipi' };
  if (op.callee.kind !== 'name') return { kind: 'driver' };
  const xcall = XCALLS[name];
  if (xcall) return { kind: 'xcall', spec: xcall };
  const defer = DEFERS[name];
  if (defer) return { kind: 'defer', defer: defer.kind, obj: varKey(op.args[defer.objArg]?.text ?? '?') };
  const init = DEFER_INITS[name];
  if (init) {
    const fn = op.args[init.fnArg];
    return fn ? { kind: 'defer-init', obj: varKey(op.args[init.objArg]?.text ?? '?'), fn: fn.value } : { kind: 'none' };
  }
  const write = VAR_WRITES[name];
  if (write) {
    const target = op.args[write.varArg];
    if (!target) return { kind: 'none' };
    const value: StoreValue = 'add' in write.value ? { add: write.value.add } : { set: clampLiteral(op.args[write.value.arg]?.text) };
    return { kind: 'var-write', key: varKey(target.text), value };
  }
  const change = kernel.contextChange(name);
  // A trylock does not spin; taking it as a lock would invent a wait the code never does.
  if (change && !name.includes('trylock')) return { kind: 'context', change };
  if (kernel.forbidden(name).some((f) => f.rule === 'sleep-in-atomic' && argsMatch(op.args, f.when))) return { kind: 'sleep' };
  if (kernel.contextChange(name) || kernel.forbidden(name).length > 0 || kernel.predicate(name)) return { kind: 'none' };
  return { kind: 'driver' };
}

function argsMatch(args: Arg[], when: { arg: number; contains?: string[]; lacks?: string[] } | undefined): boolean {
  if (!when) return true;
  const text = args[when.arg]?.text ?? '';
  if (when.contains && when.contains.some((t) => text.includes(t))) return true;
  if (when.lacks && !when.lacks.some((t) => text.includes(t))) return true;
  return false;
}

/** An unparsable stored value is taken as "set", i.e. 1: the flag-raising case. */
function clampLiteral(text: string | undefined): number {
  const n = text === undefined ? null : literal(text);
  return n === null ? 1 : Math.min(n, MAX_VALUE);
}

/** The shared-variable key a store writes, when its target could be shared at all. */
export function storeKey(target: ValueRef): string | null {
  if (target.kind === 'name') return target.local || target.param !== undefined ? null : target.name;
  if (target.kind === 'field') return `.${target.field}`;
  return null;
}

/** Every shared-variable key the function writes (stores to globals/fields and atomic writes). */
export function writesOf(fn: FunctionFacts, kernel: KernelLookup): Set<string> {
  const keys = new Set<string>();
  walk(fn.body, (op) => {
    if (op.op === 'store') {
      const key = storeKey(op.target);
      if (key !== null) keys.add(key);
    } else if (op.op === 'call') {
      const c = classifyCall(op, kernel);
      if (c.kind === 'var-write') keys.add(c.key);
    }
  });
  return keys;
}

export function walk(ops: Op[], visit: (op: Op) => void): void {
  for (const op of ops) {
    visit(op);
    if (op.op === 'if') {
      walk(op.then, visit);
      walk(op.else, visit);
    } else if (op.op === 'loop') {
      walk(op.body, visit);
    } else if (op.op === 'switch') {
      for (const c of op.cases) walk(c, visit);
    }
  }
}

/** Every shared-variable key the function's conditions read. */
export function readsOf(fn: FunctionFacts): Set<string> {
  const locals = localNames(fn);
  const keys = new Set<string>();
  walk(fn.body, (op) => {
    if (op.op !== 'if' && op.op !== 'loop') return;
    for (const a of op.cond.atoms) {
      const p = parseAtom(a.text, a.negated, (name) => locals.has(name));
      if (p.kind === 'var') keys.add(p.key);
    }
  });
  return keys;
}

/** Names that are locals or parameters of the function: never shared, counters in loops. */
function localNames(fn: FunctionFacts): Set<string> {
  const names = new Set(fn.params.filter((p) => p !== ''));
  const add = (v: ValueRef): void => {
    if (v.kind === 'name' && (v.local || v.param !== undefined)) names.add(v.name);
  };
  walk(fn.body, (op) => {
    if (op.op === 'store') {
      add(op.target);
      add(op.value);
    } else if (op.op === 'call') {
      for (const a of op.args) add(a.value);
    }
  });
  return names;
}

/** What the scenario builder provides while a function is abstracted. */
export interface AbstractionEnv {
  kernel: KernelLookup;
  cpus: number;
  /** Iterations a bounded wait ("give up after N spins") is abstracted to. */
  spinBound: number;
  /** The (non-empty) driver function a call reaches, or null to drop the call. */
  callee(op: CallOp): number | null;
  /** The function a callback argument names; an empty function when unknown. */
  callback(arg: Arg | undefined): number;
  /** The function a deferred item (work, tasklet, irq_work) runs. */
  deferTarget(kind: DeferKind, obj: string): number;
  /**
   * The index of a shared variable this function reads or writes, or null when no other
   * function writes (for a read) or reads (for a write) it: then nobody could observe it.
   */
  sharedVar(key: string, access: 'read' | 'write'): number | null;
  /** Whether sharedVar() would find the variable shared (without allocating it). */
  isShared(key: string, access: 'read' | 'write'): boolean;
  lock(key: string): number;
  asyncSite(): number;
  /** For a what-if: instructions replacing this call site, or null to keep it. */
  replace(op: CallOp, compiled: Instr[]): Instr[] | null;
}

interface Label {
  at: number | null;
}

interface LoopTargets {
  brk: Label;
  cont: Label | null;
}

/** Builds one function's instructions with symbolic jump targets, resolved at the end. */
export class FunctionAbstractor {
  private readonly out: Instr[] = [];
  private readonly fixups: Array<{ index: number; label: Label }> = [];
  private readonly labels = new Map<string, Label>();
  private readonly flagSlots = new Map<string, number>();
  private counterSlots = 0;
  private readonly locals: Set<string>;

  constructor(
    private readonly env: AbstractionEnv,
    private readonly fn: FunctionFacts,
    private readonly file: string,
  ) {
    this.locals = localNames(fn);
  }

  run(): { instrs: Instr[]; flagSlots: number; counterSlots: number } {
    this.ops(this.fn.body, []);
    this.emit({ op: 'ret' }, this.fn.span.end, 'return');
    for (const { index, label } of this.fixups) {
      const target = label.at ?? this.out.length - 1;
      const ins = this.out[index];
      if (ins.op === 'jump' || ins.op === 'branch') ins.to = target;
      else if (ins.op === 'count') ins.exit = target;
    }
    return { instrs: dropTrivialJumps(dropUnreachable(this.out)), flagSlots: this.flagSlots.size, counterSlots: this.counterSlots };
  }

  private emit(body: InstrBody, pos: Pos, text: string, label?: Label): void {
    if (label) this.fixups.push({ index: this.out.length, label });
    this.out.push({ ...body, loc: { file: this.file, pos }, text } as Instr);
  }

  private place(label: Label): void {
    label.at = this.out.length;
  }

  private named(name: string): Label {
    const existing = this.labels.get(name);
    if (existing) return existing;
    const label: Label = { at: null };
    this.labels.set(name, label);
    return label;
  }

  private ops(ops: Op[], loops: LoopTargets[]): void {
    for (const op of ops) this.op(op, loops);
  }

  private op(op: Op, loops: LoopTargets[]): void {
    const inner = loops[loops.length - 1];
    switch (op.op) {
      case 'call':
        for (const i of this.call(op)) this.out.push(i);
        return;
      case 'store': {
        const key = storeKey(op.target);
        const v = key === null ? null : this.env.sharedVar(key, 'write');
        if (v === null) return;
        const n = literal(op.valueText);
        this.emit({ op: 'store', v, value: { set: n === null ? 1 : Math.min(n, MAX_VALUE) } }, op.at, `${targetText(op.target)} = ${op.valueText}`);
        return;
      }
      case 'if':
        return this.ifOp(op.at, op.cond, op.then, op.else, loops);
      case 'loop':
        return this.loopOp(op.at, op.cond, op.body, op.doWhile, loops);
      case 'switch':
        return this.switchOp(op.at, op.cases, op.hasDefault, loops);
      case 'return':
        return this.emit({ op: 'ret' }, op.at, 'return');
      case 'break':
        if (inner) this.emit({ op: 'jump', to: -1 }, op.at, 'break', inner.brk);
        return;
      case 'continue': {
        const loop = [...loops].reverse().find((l) => l.cont !== null);
        if (loop?.cont) this.emit({ op: 'jump', to: -1 }, op.at, 'continue', loop.cont);
        return;
      }
      case 'goto':
        return this.emit({ op: 'jump', to: -1 }, op.at, `goto ${op.label}`, this.named(op.label));
      case 'label':
        return this.place(this.named(op.label));
    }
  }

  /** A sub-list compiled on its own, to see whether it is empty before emitting around it. */
  private isEmpty(ops: Op[]): boolean {
    let empty = true;
    walk(ops, (op) => {
      if (op.op === 'return' || op.op === 'goto' || op.op === 'label') empty = false;
      else if (op.op === 'store' && storeKey(op.target) !== null && this.env.sharedVar(storeKey(op.target) ?? '', 'write') !== null) empty = false;
      else if (op.op === 'call' && this.call(op, true).length > 0) empty = false;
    });
    return empty;
  }

  private ifOp(at: Pos, cond: Cond, then: Op[], els: Op[], loops: LoopTargets[]): void {
    const breaks = (ops: Op[]): boolean => ops.some((o) => o.op === 'break' || o.op === 'continue');
    if (this.isEmpty(then) && this.isEmpty(els) && !breaks(then) && !breaks(els)) return;
    const guard = this.guard(cond).guard;
    const elseLabel: Label = { at: null };
    const end: Label = { at: null };
    this.emit({ op: 'branch', guard: negateGuard(guard), to: -1 }, at, `if (${cond.text})`, elseLabel);
    this.ops(then, loops);
    if (els.length > 0) this.emit({ op: 'jump', to: -1 }, at, 'else', end);
    this.place(elseLabel);
    this.ops(els, loops);
    this.place(end);
  }

  /**
   * `while (!done) cpu_relax();` becomes an await (the CPU spins until another CPU
   * stores); `while (!acked && --spins) cpu_relax();` becomes a loop whose counter gives
   * up after `spinBound` iterations; other loops keep their shape with their condition.
   */
  private loopOp(at: Pos, cond: Cond, body: Op[], doWhile: boolean, loops: LoopTargets[]): void {
    const { guard, counter } = this.guard(cond);
    const readsShared = guard.atoms.some((a) => a.kind === 'var');
    const deterministic = guard.atoms.every((a) => a.kind !== 'unknown');
    const emptyBody = this.isEmpty(body) && !body.some((o) => o.op === 'break' || o.op === 'continue');
    if (emptyBody && counter === null && deterministic && guard.atoms.length > 0) {
      this.emit({ op: 'await', guard: negateGuard(guard) }, at, `while (${cond.text}) cpu_relax();`);
      return;
    }
    // A delay loop or a wait that may end on its own: nothing another CPU could see.
    if (emptyBody && !readsShared) return;
    const slot = counter === null ? -1 : this.counterSlots++;
    const bound = counter === null ? 0 : Math.min(counter.bound ?? this.env.spinBound, this.env.spinBound);
    const head: Label = { at: null };
    const check: Label = { at: null };
    const exit: Label = { at: null };
    if (slot >= 0) this.emit({ op: 'count-reset', slot }, at, `${cond.text}: counter reset`);
    this.place(head);
    const emitCheck = (): void => {
      if (guard.atoms.length > 0) this.emit({ op: 'branch', guard: negateGuard(guard), to: -1 }, at, `while (${cond.text})`, exit);
      if (slot >= 0) this.emit({ op: 'count', slot, bound, exit: -1, giveUp: readsShared }, at, `while (${cond.text})`, exit);
    };
    if (doWhile) {
      this.ops(body, [...loops, { brk: exit, cont: check }]);
      this.place(check);
      emitCheck();
    } else {
      this.place(check);
      emitCheck();
      this.ops(body, [...loops, { brk: exit, cont: check }]);
    }
    this.emit({ op: 'jump', to: -1 }, at, `while (${cond.text})`, head);
    this.place(exit);
  }

  /** A switch on something the abstraction cannot see: any case may be taken. */
  private switchOp(at: Pos, cases: Op[][], hasDefault: boolean, loops: LoopTargets[]): void {
    if (cases.every((c) => this.isEmpty(c))) return;
    const end: Label = { at: null };
    const starts = cases.map((): Label => ({ at: null }));
    const unknown: Guard = { join: 'and', atoms: [{ kind: 'unknown' }] };
    starts.forEach((label, i) => {
      if (i < starts.length - 1 || !hasDefault) this.emit({ op: 'branch', guard: unknown, to: -1 }, at, `switch: case ${i + 1}`, label);
    });
    if (hasDefault) this.emit({ op: 'jump', to: -1 }, at, 'switch: default', starts[starts.length - 1]);
    else this.emit({ op: 'jump', to: -1 }, at, 'switch: no case', end);
    const inner = loops[loops.length - 1];
    cases.forEach((c, i) => {
      this.place(starts[i]);
      this.ops(c, [...loops, { brk: end, cont: inner?.cont ?? null }]);
    });
    this.place(end);
  }

  /** The condition as a guard, with at most one local counter split out. */
  private guard(cond: Cond): { guard: Guard; counter: { bound: number | null } | null } {
    const atoms: GuardAtom[] = [];
    let counter: { bound: number | null } | null = null;
    for (const a of cond.atoms) {
      const pred = a.call ? this.env.kernel.predicate(a.call) : undefined;
      if (pred && a.text.replace(/^!/, '').trim().startsWith(a.call ?? '')) {
        atoms.push({
          kind: 'ctx',
          hardirq: pred.bases.includes('hardirq'),
          softirq: pred.bases.includes('softirq'),
          nmi: pred.bases.includes('nmi'),
          irqsOff: pred.irqsOff === true,
          atomic: pred.atomic === true,
          negated: (pred.negated === true) !== a.negated,
        });
        continue;
      }
      // A name no other function writes is private to this one: a counter if it counts.
      const p = parseAtom(a.text, a.negated, (name) => this.locals.has(name) || !this.env.isShared(varKey(name), 'read'));
      if (p.kind === 'counter' && counter === null && cond.join === 'and') {
        counter = { bound: p.bound };
        continue;
      }
      const v = p.kind === 'var' ? this.env.sharedVar(p.key, 'read') : null;
      if (p.kind === 'var' && v !== null) {
        const rhs = 'value' in p.rhs ? p.rhs.value : this.env.cpus - p.rhs.cpusMinus;
        atoms.push({ kind: 'var', v, cmp: p.cmp, rhs });
      } else {
        atoms.push({ kind: 'unknown' });
      }
    }
    return { guard: { join: cond.join, atoms }, counter };
  }

  /** The instructions for a call; `probe` only asks whether there would be any. */
  private call(op: CallOp, probe = false): Instr[] {
    const c = classifyCall(op, this.env.kernel);
    const text = `${calleeText(op)}(${op.args.map((a) => a.text).join(', ')})`;
    const loc = { file: this.file, pos: op.at };
    const mk = (body: InstrBody): Instr => ({ ...body, loc, text } as Instr);
    const compiled = ((): Instr[] => {
      switch (c.kind) {
        case 'xcall':
          return probe ? [mk({ op: 'ret' })] : this.xcall(op, c.spec, mk);
        case 'defer':
          return [mk({ op: 'defer', kind: c.defer, fn: probe ? 0 : this.env.deferTarget(c.defer, c.obj) })];
        case 'raise-ipi':
          return [mk({ op: 'raise-ipi' })];
        case 'var-write': {
          const v = this.env.sharedVar(c.key, 'write');
          return v === null ? [] : [mk({ op: 'store', v, value: c.value })];
        }
        case 'context':
          return this.contextChange(c.change, op.args, mk);
        case 'sleep':
          return [mk({ op: 'sleep' })];
        case 'driver': {
          const fn = this.env.callee(op);
          return fn === null ? [] : [mk({ op: 'call', fn })];
        }
        case 'defer-init':
        case 'none':
          return [];
      }
    })();
    if (probe) return compiled;
    return this.env.replace(op, compiled) ?? compiled;
  }

  private xcall(op: CallOp, spec: XcallSpec, mk: (b: InstrBody) => Instr): Instr[] {
    const fn = this.env.callback(spec.fnArg === null ? undefined : op.args[spec.fnArg]);
    const waitText = spec.waitArg === null ? undefined : op.args[spec.waitArg]?.text;
    // A wait argument that is not a literal 0 is taken as waiting: the worst case.
    const wait = spec.async ? false : waitText === undefined ? spec.wait : literal(waitText) !== 0;
    const csd = spec.async ? 'async' : spec.targets === 'others' ? 'cfd' : wait ? 'stack' : 'single';
    const site = spec.async ? this.env.asyncSite() : 0;
    const out: Instr[] = [mk({ op: 'xcall-send', fn, targets: spec.targets, csd, site, sync: wait })];
    if (spec.runLocal) {
      // smp_call_function_many_cond(SCF_RUN_LOCAL): func runs here under local_irq_save().
      const slot = this.flagSlot(`<run-local ${op.at.line}:${op.at.col}>`);
      out.push(mk({ op: 'irq-save', slot }), mk({ op: 'call', fn }), mk({ op: 'irq-restore', slot }));
    }
    if (wait) out.push(mk({ op: 'xcall-wait', csd }));
    return out;
  }

  private flagSlot(key: string): number {
    const existing = this.flagSlots.get(key);
    if (existing !== undefined) return existing;
    const slot = this.flagSlots.size;
    this.flagSlots.set(key, slot);
    return slot;
  }

  /**
   * The model's effects in the kernel's order: a lock-taking call disables IRQs/BH first
   * and then spins for the lock (include/linux/spinlock_api_smp.h
   * __raw_spin_lock_irqsave: local_irq_save; preempt_disable; do_raw_spin_lock); a
   * releasing call unlocks first and restores IRQs/BH last.
   */
  private contextChange(change: ContextChange, args: Arg[], mk: (b: InstrBody) => Instr): Instr[] {
    const has = (e: Effect): boolean => change.effects.includes(e);
    const lockKey = change.lockArg === undefined ? change.name : lockKeyOf(args[change.lockArg]);
    const flags = change.flagsArg === undefined ? '<flags>' : (args[change.flagsArg]?.text ?? '<flags>');
    const out: InstrBody[] = [];
    // rwlock readers share the lock: taking it as exclusive would invent waits between
    // readers, so only its IRQ/BH effects are kept.
    const reader = /^read_(un)?lock/.test(change.name);
    const takesLock = !reader && (has('lock') || has('unlock'));
    if (has('irq-disable')) out.push({ op: 'irq-off' });
    if (has('irq-save')) out.push({ op: 'irq-save', slot: this.flagSlot(flags) });
    if (has('bh-disable')) out.push({ op: 'bh-off' });
    if (has('preempt-disable') && !has('lock')) out.push({ op: 'preempt-off' });
    if (takesLock && has('lock')) out.push({ op: 'lock', lock: this.env.lock(lockKey) });
    if (takesLock && has('unlock')) out.push({ op: 'unlock', lock: this.env.lock(lockKey) });
    if (has('preempt-enable') && !has('unlock')) out.push({ op: 'preempt-on' });
    if (has('irq-enable')) out.push({ op: 'irq-on' });
    if (has('irq-restore')) out.push({ op: 'irq-restore', slot: this.flagSlot(flags) });
    if (has('bh-enable')) out.push({ op: 'bh-on' });
    return out.map(mk);
  }
}

function lockKeyOf(arg: Arg | undefined): string {
  if (!arg) return '<lock>';
  const v = arg.value;
  if (v.kind === 'field') return v.structType ? `${v.structType}.${v.field}` : `.${v.field}`;
  if (v.kind === 'name') return v.name;
  return arg.text;
}

function calleeText(op: CallOp): string {
  const c = op.callee;
  if (c.kind === 'name') return c.name;
  if (c.kind === 'field') return `${c.base}->${c.field}`;
  if (c.kind === 'index') return `${c.array}[]`;
  return c.text;
}

function targetText(t: ValueRef): string {
  if (t.kind === 'name') return t.name;
  if (t.kind === 'field') return `${t.base}->${t.field}`;
  if (t.kind === 'index') return `${t.array}[]`;
  return t.text;
}

export function negateGuard(g: Guard): Guard {
  return {
    join: g.join === 'and' ? 'or' : 'and',
    atoms: g.atoms.map((a): GuardAtom => {
      if (a.kind === 'var') return { ...a, cmp: NEGATE[a.cmp] };
      if (a.kind === 'ctx') return { ...a, negated: !a.negated };
      return a;
    }),
  };
}

/** Removes instructions no path from the start reaches (code after a `return`). */
function dropUnreachable(instrs: Instr[]): Instr[] {
  const reached = new Set<number>();
  const todo = [0];
  while (todo.length > 0) {
    const i = todo.pop() as number;
    if (reached.has(i) || i >= instrs.length) continue;
    reached.add(i);
    const ins = instrs[i];
    if (ins.op === 'jump') todo.push(ins.to);
    else if (ins.op === 'ret') continue;
    else {
      todo.push(i + 1);
      if (ins.op === 'branch') todo.push(ins.to);
      if (ins.op === 'count') todo.push(ins.exit);
    }
  }
  const newIndex: number[] = [];
  let next = 0;
  instrs.forEach((_, i) => (newIndex[i] = reached.has(i) ? next++ : -1));
  return instrs.flatMap((ins, i): Instr[] => {
    if (!reached.has(i)) return [];
    if (ins.op === 'jump' || ins.op === 'branch') return [{ ...ins, to: newIndex[ins.to] }];
    if (ins.op === 'count') return [{ ...ins, exit: newIndex[ins.exit] }];
    return [ins];
  });
}

/**
 * Removes jumps and branches to the very next instruction (left by empty branches and
 * loop tails), renumbering targets: each would be a step with no effect.
 */
function dropTrivialJumps(instrs: Instr[]): Instr[] {
  let list = instrs;
  for (;;) {
    const drop = list.findIndex((ins, i) => (ins.op === 'jump' || ins.op === 'branch') && ins.to === i + 1);
    if (drop < 0) return list;
    list = list
      .filter((_, i) => i !== drop)
      .map((ins) => {
        const fix = (t: number): number => (t > drop ? t - 1 : t);
        if (ins.op === 'jump' || ins.op === 'branch') return { ...ins, to: fix(ins.to) };
        if (ins.op === 'count') return { ...ins, exit: fix(ins.exit) };
        return ins;
      });
  }
}
