/**
 * What propagation keeps of each function between analyses: the calls its interpretation
 * visits from each entry state (with the states each runs in), the workspace functions
 * each call reaches when no call context binds it, and the functions it calls by name.
 * All of it depends only on the function's own facts, the symbols, the points-to sets and
 * the kernel model; so an analysis after an edit that changed some function bodies and
 * nothing else (localChange.ts) replays the previous propagation's breadth-first search
 * from this cache, interpreting again only the functions it forgot.
 */
import { forEachOp } from '../syntax/walkOps';
import { globalName } from '../syntax/globalName';
import type { KernelIndex } from '../kernel';
import type { CallVisit, FlowContext, FlowState } from './flow';
import { entryFromKey, interpret } from './flow';
import type { CallTarget } from './propagate';
import type { FnDef, Symbols } from './symbols';

/** One call an interpretation visited, with the states it runs in. */
export interface CachedCall {
  readonly call: CallVisit;
  readonly states: readonly FlowState[];
  /** The call's targets when no call context binds its callee, filled in by the first propagation that asks. */
  targets?: CallTarget[];
}

/** Entry-state keys per function (4 bases x IRQs off x atomic), as in the propagation's node numbers. */
const KEYS = 16;

/** Cached calls beyond this stay uncached, so a huge workspace pays no unbounded memory for it. */
const MAX_CACHED_CALLS = 2_000_000;

export class InterpretationCache {
  /** By `fnId * KEYS + entry key`. */
  private readonly calls = new Map<number, CachedCall[]>();
  /** Per function, the other workspace functions it calls by name, in the order it calls them. */
  private readonly callees = new Map<number, number[]>();
  private cachedCalls = 0;

  /** The calls `def` visits when entered with state `key`, interpreting it on a miss. */
  callsOf(ctx: FlowContext, def: FnDef, key: number): readonly CachedCall[] {
    const slot = def.id * KEYS + key;
    const known = this.calls.get(slot);
    if (known) return known;
    const calls: CachedCall[] = [];
    interpret(ctx, def, entryFromKey(key), (call, states) => calls.push({ call, states }));
    if (this.cachedCalls + calls.length <= MAX_CACHED_CALLS) {
      this.calls.set(slot, calls);
      this.cachedCalls += calls.length;
    }
    return calls;
  }

  /** Functions called by name from another function, in definition and call order. */
  directlyCalled(symbols: Symbols, kernel: KernelIndex): Set<number> {
    const out = new Set<number>();
    for (const def of symbols.defs) for (const id of this.calleesOf(def, symbols, kernel)) out.add(id);
    return out;
  }

  private calleesOf(def: FnDef, symbols: Symbols, kernel: KernelIndex): number[] {
    const known = this.callees.get(def.id);
    if (known) return known;
    const out: number[] = [];
    forEachOp(def.facts.body, (op) => {
      const name = op.op === 'call' ? globalName(op.callee) : undefined;
      if (name === undefined || kernel.isKernelApi(name)) return;
      for (const callee of symbols.resolve(name, def.file)) if (callee.id !== def.id) out.push(callee.id);
    });
    this.callees.set(def.id, out);
    return out;
  }

  /** Drops what was kept of functions whose bodies changed. */
  forget(fnIds: Iterable<number>): void {
    for (const id of fnIds) {
      this.callees.delete(id);
      for (let key = 0; key < KEYS; key++) {
        const slot = id * KEYS + key;
        this.cachedCalls -= this.calls.get(slot)?.length ?? 0;
        this.calls.delete(slot);
      }
    }
  }
}
