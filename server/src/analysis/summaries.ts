/**
 * Per-function summaries of the net effect of a call on the caller's context: the exit
 * states of the callee interpreted from the caller's state (flow.ts), as IRQ state and
 * lock depth relative to the entry. A wrapper that releases the caller's lock
 * (`foo_unlock(dev)` around `spin_unlock_irqrestore`) thus ends the caller's atomic
 * section, and one that takes a lock starts it.
 *
 * Only a certain effect is applied (see summaryOf). Computed on demand and kept per
 * (function, entry state). A call back into a summary
 * still being computed (recursion), or deeper than MAX_NESTING, counts as no change.
 */
import type { CallExit, CallSummaries, EntryState, FlowContext, FlowState } from './flow';
import { ENTRY_KEYS, entryFromKey, entryKey, interpretExits } from './flow';
import type { FnDef, Symbols } from './symbols';
import type { KernelIndex } from '../kernel';

const MAX_NESTING = 24;

export class FunctionSummaries implements CallSummaries {
  private readonly done = new Map<number, readonly CallExit[] | undefined>();
  private readonly active = new Set<number>();
  private readonly ctx: FlowContext;

  constructor(kernel: KernelIndex, symbols: Symbols) {
    this.ctx = { kernel, symbols, summaries: this };
  }

  exits(def: FnDef, entry: EntryState): readonly CallExit[] | undefined {
    const key = def.id * ENTRY_KEYS + entryKey(entry);
    if (this.done.has(key)) return this.done.get(key);
    if (this.active.has(key) || this.active.size >= MAX_NESTING) return undefined;
    this.active.add(key);
    let exits: readonly CallExit[] | undefined;
    try {
      exits = summaryOf(interpretExits(this.ctx, def, entry, () => {}), entry);
    } finally {
      this.active.delete(key);
    }
    this.done.set(key, exits);
    return exits;
  }

  refresh(changed: readonly FnDef[]): boolean {
    const before: Array<[FnDef, number, readonly CallExit[] | undefined]> = [];
    for (const def of changed) {
      for (let key = 0; key < ENTRY_KEYS; key++) {
        const at = def.id * ENTRY_KEYS + key;
        if (!this.done.has(at)) continue;
        before.push([def, key, this.done.get(at)]);
        this.done.delete(at);
      }
    }
    return before.every(([def, key, old]) => sameExits(this.exits(def, entryFromKey(key)), old));
  }
}

function sameExits(a: readonly CallExit[] | undefined, b: readonly CallExit[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x.irqsOff === b[i].irqsOff && x.depth === b[i].depth && x.restoredFrom === b[i].restoredFrom);
}

/**
 * The callee's effect when every exit agrees on it; none when it has no exit (it does
 * not return: do_task_dead(), panic(), so the caller's path ends there); undefined when
 * every exit is the entry state again, when the exits differ, or when there is none but
 * states a backward `goto` took were not followed (one may return). Exits differ where the effect depends on a result the caller tests
 * (`ring_buffer_lock_reserve()` returns with preemption off only when it returns an
 * event): applied path-insensitively, each such call would add its depths to every
 * later one, so an uncertain effect is left out, as before summaries.
 */
function summaryOf({ exits: states, incomplete }: { exits: readonly FlowState[]; incomplete: boolean }, entry: EntryState): CallExit[] | undefined {
  const seen = new Map<string, CallExit>();
  for (const s of states) {
    const x: CallExit = { irqsOff: s.irqsOff, depth: s.depth, ...(s.restoredFrom !== undefined ? { restoredFrom: s.restoredFrom } : {}) };
    seen.set(`${x.irqsOff}|${x.depth}|${x.restoredFrom ?? ''}`, x);
  }
  const exits = [...seen.values()];
  if (exits.length === 0) return incomplete ? undefined : [];
  if (exits.length !== 1) return undefined;
  const [x] = exits;
  return x.irqsOff === entry.irqsOff && x.depth === 0 && x.restoredFrom === undefined ? undefined : exits;
}

/** The flow context of an analysis: the kernel model, the symbols and their call summaries. */
export function flowContext(kernel: KernelIndex, symbols: Symbols): FlowContext {
  return { kernel, symbols, summaries: new FunctionSummaries(kernel, symbols) };
}
