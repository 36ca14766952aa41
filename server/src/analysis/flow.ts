/**
 * Flow-sensitive interpretation of one function body from one entry state: which CPU
 * state (IRQs on/off, locks and preemption, interrupt base) each call runs in.
 *
 * A may-analysis over a small set of states per program point: branches are joined,
 * loops run until their states repeat, `return` ends a path, forward `goto` carries its
 * states to the label, and a condition on a context predicate (`if (in_interrupt())
 * return;`) keeps only the states in which the branch can be taken.
 *
 * Three refinements keep paths apart that a plain join would mix:
 * - a call to a workspace function applies that function's net effect (its exit states,
 *   from `CallSummaries`), so `foo_unlock(dev)` ends the caller's section;
 * - a trylock's effect holds only on the branch where its result is true;
 * - a side-effect-free test of local variables (`if (!mod)`), tested again before any
 *   assignment to them, takes the same way as the first time.
 * A path on which a last-reference test (`atomic_dec_and_test`) was true is marked: its
 * calls are the object's release, which propagation tells apart.
 */
import type { CallOp, Cond, Op, Pos, StoreOp } from '../syntax/facts';
import { globalName } from '../syntax/globalName';
import { forEachOp } from '../syntax/walkOps';
import type { Base, Context, KernelIndex } from '../kernel';
import type { FnDef, Symbols } from './symbols';

/** What a function is entered with: the key of the propagation. */
export interface EntryState {
  base: Base;
  irqsOff: boolean;
  atomic: boolean;
}

/** The call that last made a state IRQs-off or atomic, for the witness. */
export interface ContextReason {
  call: string;
  pos: Pos;
  /** The `#if` branch the call's macro variant sits under, when the macro has several. */
  cfg?: readonly string[];
}

export interface FlowState {
  readonly base: Base;
  readonly irqsOff: boolean;
  /** Locks, preempt, BH and RCU sections opened in this function minus those closed. */
  readonly depth: number;
  readonly entryAtomic: boolean;
  /** IRQ state at entry, which restoring a caller's saved flags gives back. */
  readonly entryIrqsOff: boolean;
  /**
   * IRQ state saved by `*_irqsave(…, flags)`, per flags variable: `flags=1,f=0`, or
   * `f=r:flags` when it was saved while the state came from a caller's `flags`.
   */
  readonly saved: string;
  /** The IRQ state is what restoring this caller-saved flags variable gave back (its value is the caller's). */
  readonly restoredFrom?: string;
  /** Side-effect-free conditions already tested on this path and the way taken: `!mod=1;x=0`. */
  readonly tested?: string;
  /** Locks taken in this function, innermost last (for hover). */
  readonly locks: readonly string[];
  readonly reason?: ContextReason;
  /** The last-reference test found true on this path: the calls after it release the object. */
  readonly lastRef?: string;
}

const BASES: readonly Base[] = ['process', 'softirq', 'hardirq', 'nmi'];
const MAX_STATES = 24;
const MAX_DEPTH = 4;
const MAX_MACRO_NESTING = 4;

export function isAtomic(s: FlowState): boolean {
  return s.entryAtomic ? s.depth >= 0 : s.depth > 0;
}

export function contextOf(s: { base: Base; irqsOff: boolean; atomic: boolean }): Context {
  if (s.base !== 'process') return s.base;
  if (s.irqsOff) return 'irqs-off';
  return s.atomic ? 'atomic' : 'process';
}

export function entryOf(s: FlowState): EntryState {
  return { base: s.base, irqsOff: s.irqsOff, atomic: isAtomic(s) };
}

/** How many entry-state keys there are. */
export const ENTRY_KEYS = 16;

/** Entry states as small integers below ENTRY_KEYS: 4 bases x IRQs off x atomic. */
export function entryKey(e: EntryState): number {
  return BASES.indexOf(e.base) | (e.irqsOff ? 4 : 0) | (e.atomic ? 8 : 0);
}

export function entryFromKey(k: number): EntryState {
  return { base: BASES[k & 3], irqsOff: (k & 4) !== 0, atomic: (k & 8) !== 0 };
}

function stateKey(s: FlowState): string {
  return `${s.base}|${s.irqsOff ? 1 : 0}|${s.depth}|${s.entryAtomic ? 1 : 0}|${s.saved}|${s.restoredFrom ?? ''}|${s.lastRef ?? ''}`;
}

/** What a finding's context depends on: IRQs off, else atomic, else neither. */
function contextClass(s: FlowState): string {
  return s.irqsOff ? 'irqs-off' : isAtomic(s) ? 'atomic' : 'process';
}

/** The tests two joined paths both remember: a branch memory survives a join only where it tells the paths apart. */
function commonTests(a: string | undefined, b: string | undefined): string | undefined {
  if (a === b) return a;
  if (!a || !b) return undefined;
  const other = new Set(b.split(';'));
  const both = a.split(';').filter((t) => other.has(t));
  return both.length > 0 ? both.join(';') : undefined;
}

function withTests(s: FlowState, tested: string | undefined): FlowState {
  if (tested === s.tested) return s;
  const { tested: _old, ...rest } = s;
  return tested ? { ...rest, tested } : rest;
}

function join(...sets: FlowState[][]): FlowState[] {
  const at = new Map<string, number>();
  const out: FlowState[] = [];
  for (const set of sets)
    for (const s of set) {
      const k = stateKey(s);
      const i = at.get(k);
      if (i !== undefined) {
        out[i] = withTests(out[i], commonTests(out[i].tested, s.tested));
        continue;
      }
      if (out.length >= MAX_STATES) continue;
      at.set(k, out.length);
      out.push(s);
    }
  return out;
}

/** The net effect of a call to a workspace function on its caller, one per exit state of the callee. */
export interface CallExit {
  irqsOff: boolean;
  /** Locks, preempt, BH and RCU sections opened minus closed. */
  depth: number;
  /** The IRQ state is what restoring this flags expression (in the callee's names) gave back. */
  restoredFrom?: string;
}

/** Per-function summaries: the exits of `def` entered in `entry`; undefined when the call leaves the context as it was (or is not known). */
export interface CallSummaries {
  exits(def: FnDef, entry: EntryState): readonly CallExit[] | undefined;
  /**
   * After the bodies of `changed` functions changed in place: recomputes their summaries
   * and says whether every one is as before. When one differs, whatever was interpreted
   * with the old one (callers' cached interpretations, other summaries) is stale.
   */
  refresh(changed: readonly FnDef[]): boolean;
}

/** A call as the interpreter sees it: a name after macro expansion, with argument texts. */
export interface CallVisit {
  op: CallOp;
  /** The called name, when the callee is a plain identifier (or a macro's inner call). */
  name?: string;
  args: string[];
  /** The workspace macro this call was expanded from. */
  viaMacro?: string;
}

export interface FlowContext {
  kernel: KernelIndex;
  symbols: Symbols;
  /** Without summaries a call to a workspace function does not change the caller's context. */
  summaries?: CallSummaries;
}

interface Outcome {
  next: FlowState[];
  returned: FlowState[];
  broke: FlowState[];
  continued: FlowState[];
}

function argVar(text: string | undefined): string {
  return (text ?? '').replace(/^&\s*/, '').replace(/\s+/g, '');
}

/** `dev->flags` in a callee whose parameter `dev` got `&priv->d`: `priv->d->flags`; the rest as it is. */
function inCallerNames(expr: string, params: readonly string[], args: readonly string[]): string {
  const m = /^\**([A-Za-z_]\w*)/.exec(expr);
  const i = m ? params.indexOf(m[1]) : -1;
  return i >= 0 && args[i] !== undefined ? `${argVar(args[i])}${expr.slice(m![0].length)}` : expr;
}

/** A saved-flags entry's value: `1`, `0`, or `r:<caller's flags>`. */
function savedValue(saved: string, v: string): string | undefined {
  const entry = saved.split(',').find((e) => e.startsWith(`${v}=`));
  return entry?.slice(v.length + 1);
}

function setSaved(saved: string, v: string, value: string): string {
  return `${saved.split(',').filter((e) => e !== '' && !e.startsWith(`${v}=`)).join(',')},${v}=${value}`;
}

/** A trylock just called, whose result a following test may read (directly, or through the variable it was stored in). */
interface PendingTry {
  call: string;
  variable?: string;
  /** The states before the call: where the trylock failed. */
  failed: FlowState[];
}

/** The key a correlated test is remembered by, when every atom is a bare local or parameter (`mod`, `!mod`, `a && !b`). */
function pureTestKey(cond: Cond, locals: ReadonlySet<string>): string | undefined {
  if (cond.atoms.length === 0 || cond.text.startsWith('#if')) return undefined;
  for (const a of cond.atoms) {
    if (a.call || !a.read || !locals.has(a.read)) return undefined;
    if (a.text.replace(/[\s()!]/g, '') !== a.read) return undefined;
  }
  return `${cond.join}:${cond.atoms.map((a) => `${a.negated ? '!' : ''}${a.read}`).join(',')}`.replace(/[;=]/g, '');
}

/** `#if` conditions as remembered tests: `!(A || B)` is the `0` way of `A || B`. */
function cfgTests(cfg: readonly string[]): string[] {
  return cfg.map((c) => {
    const negated = /^!\(.*\)$/.test(c) ? c.slice(2, -1) : /^!\w+$/.test(c) ? c.slice(1) : undefined;
    return `#${(negated ?? c).replace(/[;=]/g, '')}=${negated === undefined ? 1 : 0}`;
  });
}

/** The states that can take the `#if` branch `cfg`, remembering that they did. */
function chooseBranch(states: FlowState[], cfg: readonly string[]): FlowState[] {
  return takeWays(states, cfgTests(cfg));
}

/** The states that can take the ways `ways` (remembered tests, `key=1` or `key=0`): those that did not take another way of one before; each remembers them. */
function takeWays(states: FlowState[], ways: readonly string[]): FlowState[] {
  const theirs = new Set(ways.map((t) => `${t.slice(0, -1)}${t.endsWith('1') ? 0 : 1}`));
  return states
    .filter((s) => !s.tested?.split(';').some((t) => theirs.has(t)))
    .map((s) => {
      const had = new Set(s.tested ? s.tested.split(';') : []);
      const added = ways.filter((t) => !had.has(t));
      return added.length === 0 ? s : withTests(s, [...had, ...added].join(';'));
    });
}

/** The variables a test key reads. */
function testVariables(key: string): string[] {
  return key.slice(key.indexOf(':') + 1).split(',').map((a) => a.replace(/^!/, ''));
}

class Interpreter {
  private readonly gotos = new Map<string, FlowState[]>();
  /** Set while a call applies a trylock's effect. */
  private triedLock = false;
  /** Parameters and variables stored to as locals: what a correlated test may read. */
  private readonly locals: Set<string>;

  constructor(
    private readonly ctx: FlowContext,
    private readonly def: FnDef,
    private visit: (call: CallVisit, states: readonly FlowState[]) => void,
  ) {
    this.locals = new Set(def.facts.params.filter((p) => p !== ''));
    forEachOp(def.facts.body, (op) => {
      if (op.op === 'store' && op.target.kind === 'name' && op.target.local) this.locals.add(op.target.name);
    });
  }

  /** Whether states went back to a label met before (a backward `goto`): the exits miss what they would have reached. */
  get leftWaiting(): boolean {
    return this.gotos.size > 0;
  }

  run(entry: EntryState): FlowState[] {
    const start: FlowState = {
      base: entry.base,
      irqsOff: entry.irqsOff,
      depth: 0,
      entryAtomic: entry.atomic,
      entryIrqsOff: entry.irqsOff,
      saved: '',
      locks: [],
    };
    const out = this.seq(this.def.facts.body, [start]);
    return join(out.next, out.returned);
  }

  private seq(ops: readonly Op[], states: FlowState[]): Outcome {
    const acc: Outcome = { next: states, returned: [], broke: [], continued: [] };
    let pending: PendingTry | undefined;
    for (const op of ops) {
      if (op.op === 'label') {
        acc.next = join(acc.next, this.gotos.get(op.label) ?? []);
        this.gotos.delete(op.label);
        pending = undefined;
        continue;
      }
      if (acc.next.length === 0) continue;
      const before = acc.next;
      let r: Outcome;
      if (op.op === 'if' && pending && this.testsTry(op.cond, pending) !== undefined) r = this.ifOp(op, this.tryBranches(op.cond, pending, before));
      else r = this.op(op, acc.next);
      pending = this.nextPending(op, pending, before);
      acc.next = r.next;
      acc.returned = join(acc.returned, r.returned);
      acc.broke = join(acc.broke, r.broke);
      acc.continued = join(acc.continued, r.continued);
    }
    return acc;
  }

  private op(op: Op, states: FlowState[]): Outcome {
    const none: FlowState[] = [];
    switch (op.op) {
      case 'call':
        return { next: this.call(op, states), returned: none, broke: none, continued: none };
      case 'if':
        return this.ifOp(op, { then: states, else: states });
      case 'loop': {
        // `for (;;)` and `while (1)` leave only by break, return or goto (panic() never
        // returns from its final loop). A `do … while (1)` is left as any loop: the
        // dialect writes it for `do_each_…` iterators whose end the macro tests.
        const forever = !op.doWhile && /^(1|true|)$/.test(op.cond.text);
        let head = states;
        let exit: FlowState[] = op.doWhile || forever ? [] : states;
        let returned: FlowState[] = [];
        for (let i = 0; i < 3; i++) {
          const r = this.seq(op.body, head);
          returned = join(returned, r.returned);
          exit = forever ? join(exit, r.broke) : join(exit, r.broke, r.next, r.continued);
          const nextHead = join(head, r.next, r.continued);
          if (nextHead.length === head.length) break;
          head = nextHead;
        }
        return { next: exit, returned, broke: none, continued: none };
      }
      case 'switch': {
        let next: FlowState[] = op.hasDefault ? [] : states;
        let returned: FlowState[] = [];
        let continued: FlowState[] = [];
        for (const c of op.cases) {
          const r = this.seq(c, states);
          next = join(next, r.next, r.broke);
          returned = join(returned, r.returned);
          continued = join(continued, r.continued);
        }
        return { next, returned, broke: none, continued };
      }
      case 'return':
        return { next: none, returned: states, broke: none, continued: none };
      case 'break':
        return { next: none, returned: none, broke: states, continued: none };
      case 'continue':
        return { next: none, returned: none, broke: none, continued: states };
      case 'goto':
        this.gotos.set(op.label, join(this.gotos.get(op.label) ?? [], states));
        return { next: none, returned: none, broke: none, continued: none };
      case 'store':
        return { next: this.forgetTests(states, op), returned: none, broke: none, continued: none };
      case 'label':
        return { next: states, returned: none, broke: none, continued: none };
    }
  }

  /** Runs `f` without reporting calls to the visitor. */
  private quietly<T>(f: () => T): T {
    const visit = this.visit;
    this.visit = () => {};
    try {
      return f();
    } finally {
      this.visit = visit;
      this.triedLock = false;
    }
  }

  /** An `if` whose branches start from the given states (before the condition's own refinement). */
  private ifOp(op: Extract<Op, { op: 'if' }>, from: { then: FlowState[]; else: FlowState[] }): Outcome {
    const key = pureTestKey(op.cond, this.locals);
    const branch = (states: FlowState[], way: boolean): FlowState[] => {
      const refined = this.lastReference(this.refine(states, op.cond, way), op.cond, way);
      // Tested before on this path: only the way taken then.
      return key === undefined ? refined : takeWays(refined, [`${key}=${way ? 1 : 0}`]);
    };
    const t = this.seq(op.then, branch(from.then, true));
    const e = this.seq(op.else, branch(from.else, false));
    return {
      next: join(t.next, e.next),
      returned: join(t.returned, e.returned),
      broke: join(t.broke, e.broke),
      continued: join(t.continued, e.continued),
    };
  }

  /** A store to (or a call given the address of) a variable a remembered test reads ends that memory. */
  private forgetTests(states: FlowState[], op: StoreOp | { written: string[] }): FlowState[] {
    const written = 'written' in op ? op.written : op.target.kind === 'name' ? [op.target.name] : [];
    if (written.length === 0) return states;
    return states.map((s) => {
      if (!s.tested) return s;
      const kept = s.tested.split(';').filter((t) => t.startsWith('#') || !testVariables(t.slice(0, t.lastIndexOf('='))).some((v) => written.includes(v)));
      return withTests(s, kept.length > 0 ? kept.join(';') : undefined);
    });
  }

  /** After `op`: the trylock whose result the next op may test. */
  private nextPending(op: Op, pending: PendingTry | undefined, before: FlowState[]): PendingTry | undefined {
    if (op.op === 'call') {
      if (!this.triedLock) return undefined;
      this.triedLock = false;
      const call = globalName(op.callee);
      return call === undefined ? undefined : { call, failed: before };
    }
    // `p = my_trylock(x);` keeps the trylock for a test of `p`.
    if (op.op === 'store' && pending && op.target.kind === 'name' && op.valueText.startsWith(`${pending.call}(`)) return { ...pending, variable: op.target.name };
    return undefined;
  }

  /** The index of the condition's atom that reads the pending trylock's result. */
  private testsTry(cond: Cond, pending: PendingTry): number | undefined {
    const i = cond.atoms.findIndex((a) =>
      pending.variable === undefined ? a.call === pending.call : !a.call && a.read === pending.variable && a.text.replace(/[\s()!]/g, '') === pending.variable,
    );
    return i >= 0 ? i : undefined;
  }

  /**
   * The states each branch of a test of a trylock's result starts from: where the atom
   * is known true the trylock succeeded (the states after it), where known false it
   * failed (the states before it), elsewhere either.
   */
  private tryBranches(cond: Cond, pending: PendingTry, succeeded: FlowState[]): { then: FlowState[]; else: FlowState[] } {
    const atom = cond.atoms[this.testsTry(cond, pending) ?? 0];
    const single = cond.atoms.length === 1;
    const either = join(succeeded, pending.failed);
    const whenTrue = atom.negated ? pending.failed : succeeded;
    const whenFalse = atom.negated ? succeeded : pending.failed;
    return {
      then: single || cond.join === 'and' ? whenTrue : either,
      else: single || cond.join === 'or' ? whenFalse : either,
    };
  }

  /** The states of a branch where a last-reference test in the condition is known true, marked so. */
  private lastReference(states: FlowState[], cond: Cond, branch: boolean): FlowState[] {
    // The atoms' values are known only where `a && b` holds or `a || b` fails (or there is one atom).
    if (cond.atoms.length > 1 && (cond.join === 'and') !== branch) return states;
    const test = cond.atoms.find((a) => a.call !== undefined && a.negated !== branch && this.ctx.kernel.isLastReferenceTest(a.call))?.call;
    return test === undefined ? states : states.map((s) => (s.lastRef ? s : { ...s, lastRef: test }));
  }

  /** Keeps the states in which the branch (`then` or `else`) of a condition can be taken. */
  private refine(states: FlowState[], cond: Cond, branch: boolean): FlowState[] {
    const preds = cond.atoms.map((a) => (a.call ? { atom: a, pred: this.ctx.kernel.predicate(a.call) } : { atom: a, pred: undefined }));
    if (!preds.some((p) => p.pred)) return states;
    // `a && b` taken: every atom holds. Not taken: some atom fails, which only a single atom pins down.
    // `a || b` is the mirror image.
    const allMustHold = cond.join === 'and' ? branch : !branch;
    if (!allMustHold && preds.length > 1) return states;
    return states.filter((s) =>
      preds.every(({ atom, pred }) => {
        if (!pred) return true;
        let holds = pred.bases.includes(s.base) || (pred.irqsOff === true && s.irqsOff) || (pred.atomic === true && isAtomic(s));
        if (pred.negated) holds = !holds;
        if (atom.negated) holds = !holds;
        return holds === branch;
      }),
    );
  }

  private call(op: CallOp, states: FlowState[]): FlowState[] {
    return this.named(op, globalName(op.callee), op.args.map((a) => a.text), states, undefined, 0);
  }

  private named(op: CallOp, name: string | undefined, args: string[], states: FlowState[], viaMacro: string | undefined, nesting: number, cfg?: readonly string[]): FlowState[] {
    const { kernel, symbols } = this.ctx;
    if (name && nesting < MAX_MACRO_NESTING && !kernel.isKernelApi(name) && symbols.resolve(name, this.def.file).length === 0) {
      const variants = symbols.macroVariants(name, this.def.file);
      if (variants.length > 0) {
        const expand = (tagged: boolean): FlowState[][] =>
          variants.map((macro) => {
            // A path that already took another branch of the same `#if` takes this macro's variant of that branch too.
            let cur = variants.length > 1 && macro.facts.cfg ? chooseBranch(states, macro.facts.cfg) : states;
            for (const inner of macro.facts.calls) {
              const innerArgs = inner.args.map((a) => (a.param !== undefined ? args[a.param] ?? a.text : a.text));
              cur = this.named(op, inner.callee, innerArgs, cur, viaMacro ?? name, nesting + 1, tagged && macro.facts.cfg ? macro.facts.cfg : cfg);
            }
            return cur;
          });
        if (variants.length === 1) return join(...expand(false));
        // A macro defined per `#if` branch: a context only some variants make is one
        // configuration, not certain, so its reason carries the variant's branch.
        const made = this.quietly(() => expand(false)).map((out) => new Set(out.map(contextClass)));
        const everywhere = [...made[0]].filter((c) => made.every((m) => m.has(c)));
        if (made.every((m) => m.size === everywhere.length)) return join(...expand(false));
        const own = (r: ContextReason | undefined): boolean => variants.some((v) => v.facts.cfg !== undefined && v.facts.cfg === r?.cfg);
        return join(...expand(true)).map((s) => (s.reason && own(s.reason) && everywhere.includes(contextClass(s)) ? { ...s, reason: { call: s.reason.call, pos: s.reason.pos } } : s));
      }
    }
    this.visit({ op, ...(name ? { name } : {}), args, ...(viaMacro ? { viaMacro } : {}) }, states);
    const change = name ? kernel.contextChange(name) : undefined;
    if (!name) return states;
    const reason: ContextReason = { call: name, pos: op.at, ...(cfg ? { cfg } : {}) };
    if (!change) return this.summarised(name, args, states, reason);
    if (change.onSuccess) this.triedLock = true;
    return join(
      states.map((s) => {
        let { irqsOff, depth, saved, locks, restoredFrom } = s;
        let because = s.reason;
        for (const effect of change.effects) {
          switch (effect) {
            case 'irq-disable':
              if (!irqsOff) because = reason;
              irqsOff = true;
              restoredFrom = undefined;
              break;
            case 'irq-enable':
              irqsOff = false;
              restoredFrom = undefined;
              break;
            case 'irq-save': {
              const v = argVar(args[change.flagsArg ?? 0]);
              saved = setSaved(saved, v, restoredFrom !== undefined ? `r:${restoredFrom}` : irqsOff ? '1' : '0');
              if (!irqsOff) because = reason;
              irqsOff = true;
              restoredFrom = undefined;
              break;
            }
            case 'irq-restore':
              ({ irqsOff, restoredFrom } = restore(s, saved, argVar(args[change.flagsArg ?? 0])));
              break;
            case 'lock':
            case 'preempt-disable':
            case 'bh-disable':
            case 'rcu-lock':
              if (!isAtomic(s) && !because) because = reason;
              depth = Math.min(depth + 1, MAX_DEPTH);
              if (effect === 'lock') locks = [...locks, argVar(args[change.lockArg ?? 0]) || name];
              break;
            case 'unlock':
            case 'preempt-enable':
            case 'bh-enable':
            case 'rcu-unlock':
              depth = Math.max(depth - 1, -MAX_DEPTH);
              if (effect === 'unlock') {
                const lock = argVar(args[change.lockArg ?? 0]);
                const i = locks.lastIndexOf(lock);
                locks = i >= 0 ? [...locks.slice(0, i), ...locks.slice(i + 1)] : locks.slice(0, -1);
              }
              break;
          }
        }
        return settle(s, { irqsOff, depth, saved, locks, restoredFrom }, because);
      }),
    );
  }

  /** A call to workspace functions: each exit of each definition, applied to each state. */
  private summarised(name: string, args: readonly string[], states: FlowState[], reason: ContextReason): FlowState[] {
    const { summaries, symbols, kernel } = this.ctx;
    if (!summaries || kernel.isKernelApi(name)) return states;
    const defs = symbols.resolve(name, this.def.file);
    if (defs.length === 0) return states;
    const out: FlowState[][] = [];
    for (const s of states) {
      const after: FlowState[] = [];
      for (const def of defs) {
        const exits = summaries.exits(def, entryOf(s));
        if (!exits) {
          after.push(s);
          continue;
        }
        for (const x of exits) after.push(applyExit(s, x, def.facts.params, args, reason));
      }
      out.push(after);
    }
    return join(...out);
  }
}

/** The IRQ state `irq-restore` of `v` gives back: the saved value, or the caller's (the entry state, remembered symbolically). */
function restore(s: FlowState, saved: string, v: string): { irqsOff: boolean; restoredFrom?: string } {
  const value = savedValue(saved, v);
  if (value === '1' || value === '0') return { irqsOff: value === '1' };
  return { irqsOff: s.entryIrqsOff, restoredFrom: value?.startsWith('r:') ? value.slice(2) : v };
}

/** A state after a change; the reason stays only while the state it explains lasts. */
function settle(s: FlowState, change: Pick<FlowState, 'irqsOff' | 'depth' | 'saved' | 'locks' | 'restoredFrom'>, because: ContextReason | undefined): FlowState {
  const { reason: _r, restoredFrom: _f, ...rest } = s;
  const next: FlowState = { ...rest, ...change };
  if (next.restoredFrom === undefined) delete (next as { restoredFrom?: string }).restoredFrom;
  const keep = next.irqsOff || isAtomic(next) ? because : undefined;
  return keep ? { ...next, reason: keep } : next;
}

/** The caller's state after a callee that ended in exit `x`. */
function applyExit(s: FlowState, x: CallExit, params: readonly string[], args: readonly string[], reason: ContextReason): FlowState {
  let irqsOff = x.irqsOff;
  let restoredFrom: string | undefined;
  if (x.restoredFrom !== undefined) ({ irqsOff, restoredFrom } = restore(s, s.saved, inCallerNames(x.restoredFrom, params, args)));
  const depth = Math.max(-MAX_DEPTH, Math.min(MAX_DEPTH, s.depth + x.depth));
  const locks = x.depth < 0 ? s.locks.slice(0, Math.max(0, s.locks.length + x.depth)) : x.depth > 0 ? [...s.locks, `${reason.call}()`] : s.locks;
  const wasHeld = s.irqsOff || isAtomic(s);
  const because = wasHeld ? s.reason : reason;
  return settle(s, { irqsOff, depth, saved: s.saved, locks, restoredFrom }, because);
}

/**
 * Interprets `def` from `entry`, calling `visit` for every call with the states it can
 * run in (before the call's own effect). Returns the states at the function's exits.
 */
export function interpret(
  ctx: FlowContext,
  def: FnDef,
  entry: EntryState,
  visit: (call: CallVisit, states: readonly FlowState[]) => void,
): FlowState[] {
  return interpretExits(ctx, def, entry, visit).exits;
}

/**
 * `interpret`, saying besides whether the exits may be incomplete: states that a backward
 * `goto` sent to a label met before are not followed, so the exits miss what they reach.
 */
export function interpretExits(
  ctx: FlowContext,
  def: FnDef,
  entry: EntryState,
  visit: (call: CallVisit, states: readonly FlowState[]) => void,
): { exits: FlowState[]; incomplete: boolean } {
  const interpreter = new Interpreter(ctx, def, visit);
  const exits = interpreter.run(entry);
  return { exits, incomplete: interpreter.leftWaiting };
}
