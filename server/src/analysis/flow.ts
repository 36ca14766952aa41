/**
 * Flow-sensitive interpretation of one function body from one entry state: which CPU
 * state (IRQs on/off, locks and preemption, interrupt base) each call runs in.
 *
 * A may-analysis over a small set of states per program point: branches are joined,
 * loops run until their states repeat, `return` ends a path, forward `goto` carries its
 * states to the label, and a condition on a context predicate (`if (in_interrupt())
 * return;`) keeps only the states in which the branch can be taken.
 */
import type { CallOp, Cond, Op, Pos } from '../syntax/facts';
import { globalName } from '../syntax/globalName';
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
}

export interface FlowState {
  readonly base: Base;
  readonly irqsOff: boolean;
  /** Locks, preempt, BH and RCU sections opened in this function minus those closed. */
  readonly depth: number;
  readonly entryAtomic: boolean;
  /** IRQ state at entry, which restoring a caller's saved flags gives back. */
  readonly entryIrqsOff: boolean;
  /** IRQ state saved by `*_irqsave(…, flags)`, per flags variable: `flags=1,f=0`. */
  readonly saved: string;
  /** Locks taken in this function, innermost last (for hover). */
  readonly locks: readonly string[];
  readonly reason?: ContextReason;
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
  return `${s.base}|${s.irqsOff ? 1 : 0}|${s.depth}|${s.entryAtomic ? 1 : 0}|${s.saved}`;
}

function join(...sets: FlowState[][]): FlowState[] {
  const seen = new Set<string>();
  const out: FlowState[] = [];
  for (const set of sets)
    for (const s of set) {
      const k = stateKey(s);
      if (seen.has(k) || out.length >= MAX_STATES) continue;
      seen.add(k);
      out.push(s);
    }
  return out;
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

class Interpreter {
  private readonly gotos = new Map<string, FlowState[]>();

  constructor(
    private readonly ctx: FlowContext,
    private readonly def: FnDef,
    private readonly visit: (call: CallVisit, states: readonly FlowState[]) => void,
  ) {}

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
    for (const op of ops) {
      if (op.op === 'label') {
        acc.next = join(acc.next, this.gotos.get(op.label) ?? []);
        this.gotos.delete(op.label);
        continue;
      }
      if (acc.next.length === 0) continue;
      const r = this.op(op, acc.next);
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
      case 'if': {
        const t = this.seq(op.then, this.refine(states, op.cond, true));
        const e = this.seq(op.else, this.refine(states, op.cond, false));
        return {
          next: join(t.next, e.next),
          returned: join(t.returned, e.returned),
          broke: join(t.broke, e.broke),
          continued: join(t.continued, e.continued),
        };
      }
      case 'loop': {
        let head = states;
        let exit: FlowState[] = op.doWhile ? [] : states;
        let returned: FlowState[] = [];
        for (let i = 0; i < 3; i++) {
          const r = this.seq(op.body, head);
          returned = join(returned, r.returned);
          exit = join(exit, r.broke, r.next, r.continued);
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
      case 'label':
      case 'store':
        return { next: states, returned: none, broke: none, continued: none };
    }
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

  private named(op: CallOp, name: string | undefined, args: string[], states: FlowState[], viaMacro: string | undefined, nesting: number): FlowState[] {
    const { kernel, symbols } = this.ctx;
    if (name && nesting < MAX_MACRO_NESTING && !kernel.isKernelApi(name) && symbols.resolve(name, this.def.file).length === 0) {
      const macro = symbols.macro(name, this.def.file);
      if (macro) {
        let cur = states;
        for (const inner of macro.facts.calls) {
          const innerArgs = inner.args.map((a) => (a.param !== undefined ? args[a.param] ?? a.text : a.text));
          cur = this.named(op, inner.callee, innerArgs, cur, viaMacro ?? name, nesting + 1);
        }
        return cur;
      }
    }
    this.visit({ op, ...(name ? { name } : {}), args, ...(viaMacro ? { viaMacro } : {}) }, states);
    const change = name ? kernel.contextChange(name) : undefined;
    if (!change || !name) return states;
    const reason = { call: name, pos: op.at };
    return join(
      states.map((s) => {
        let { irqsOff, depth, saved, locks } = s;
        let because = s.reason;
        for (const effect of change.effects) {
          switch (effect) {
            case 'irq-disable':
              if (!irqsOff) because = reason;
              irqsOff = true;
              break;
            case 'irq-enable':
              irqsOff = false;
              break;
            case 'irq-save': {
              const v = argVar(args[change.flagsArg ?? 0]);
              saved = `${saved.split(',').filter((e) => e !== '' && !e.startsWith(`${v}=`)).join(',')},${v}=${irqsOff ? 1 : 0}`;
              if (!irqsOff) because = reason;
              irqsOff = true;
              break;
            }
            case 'irq-restore': {
              const v = argVar(args[change.flagsArg ?? 0]);
              const entry = saved.split(',').find((e) => e.startsWith(`${v}=`));
              // Flags saved by a caller: restoring gives back the state the function was entered with.
              irqsOff = entry ? entry.endsWith('=1') : s.entryIrqsOff;
              break;
            }
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
        const next: FlowState = { ...s, irqsOff, depth, saved, locks, reason: undefined };
        // The reason stays only while the state it explains lasts.
        const keep = irqsOff || isAtomic(next) ? because : undefined;
        return keep ? { ...next, reason: keep } : next;
      }),
    );
  }
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
  return new Interpreter(ctx, def, visit).run(entry);
}
