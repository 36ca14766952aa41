/**
 * What propagation keeps of each function between analyses: the calls its interpretation
 * visits from each entry state (with what propagation derives from the states each runs
 * in, callPlan.ts; not the states themselves), the workspace functions each call reaches when no call context
 * binds it, the functions it calls by name, and how it uses its parameters. All of it
 * depends only on the function's own facts, the symbols, the points-to sets and the
 * kernel model; so an analysis after an edit that changed some function bodies and
 * nothing else (localChange.ts) runs the whole breadth-first search again (its order
 * decides witnesses and call contexts) from this cache, interpreting again only the
 * functions it forgot.
 */
import { forEachOp } from '../syntax/walkOps';
import { globalName } from '../syntax/globalName';
import type { KernelIndex } from '../kernel';
import type { CallOp } from '../syntax/facts';
import type { FlowContext } from './flow';
import { ENTRY_KEYS as KEYS, entryFromKey, interpret } from './flow';
import { planOf, type CallPlan } from './callPlan';
import type { CallTarget } from './propagate';
import { paramRoles, paramUses, sameUses, type ParamRoles, type ParamUse } from './paramRoles';
import type { PointsTo } from './pointsTo';
import type { FnDef, Symbols } from './symbols';

/**
 * One call an interpretation visited (its CallVisit less the argument texts, which only
 * the plan reads), with what its states mean for propagation.
 */
export interface CachedCall {
  readonly op: CallOp;
  readonly name: string | undefined;
  readonly viaMacro: string | undefined;
  readonly plan: CallPlan;
  /** The call's targets when no call context binds its callee, filled in by the first propagation that asks. */
  targets: CallTarget[] | undefined;
}

/** A function's calls from one entry state. */
export interface CachedSlot {
  readonly calls: readonly CachedCall[];
  /** The calls that do anything in a node without call context (a hit, or a target), filled in by the first propagation that asks. */
  unbound: readonly CachedCall[] | undefined;
  /** Likewise in a call context: `unbound` and the calls through a parameter the context may bind. */
  bound: readonly CachedCall[] | undefined;
}

export const NO_CALLS: readonly CachedCall[] = Object.freeze([]);

/** Cached calls beyond this stay uncached, so a huge workspace pays no unbounded memory for it. */
const MAX_CACHED_CALLS = 1_000_000;

export class PropagationCache {
  /** By `fnId * KEYS + entry key`. */
  private readonly slots = new Map<number, CachedSlot>();
  /** Per function, the other workspace functions it calls by name, in the order it calls them. */
  private readonly callees = new Map<number, number[]>();
  private readonly paramUses = new Map<number, readonly ParamUse[]>();
  /** The functions called by name (see directlyCalled), while no function's callees changed. */
  private called: Set<number> | undefined;
  private roles: ParamRoles[] | undefined;
  private cachedCalls = 0;

  /** The calls `def` visits when entered with state `key`, interpreting it on a miss. */
  slotOf(ctx: FlowContext, def: FnDef, key: number): CachedSlot {
    const id = def.id * KEYS + key;
    const known = this.slots.get(id);
    if (known) return known;
    const visited: CachedCall[] = [];
    interpret(ctx, def, entryFromKey(key), (call, states) =>
      visited.push({ op: call.op, name: call.name, viaMacro: call.viaMacro, plan: planOf(ctx.kernel, call, states), targets: undefined }),
    );
    // An array grown by `push` keeps up to half its length spare; a kept one is copied to its size.
    const calls = visited.length === 0 ? NO_CALLS : visited.slice();
    const slot: CachedSlot = { calls, unbound: undefined, bound: undefined };
    if (this.cachedCalls + calls.length <= MAX_CACHED_CALLS) {
      this.slots.set(id, slot);
      this.cachedCalls += calls.length;
    }
    return slot;
  }

  /** Whether the calls of `def` from state `key` are kept. */
  has(def: FnDef, key: number): boolean {
    return this.slots.has(def.id * KEYS + key);
  }

  /** Functions called by name from another function, in definition and call order. Read only. */
  directlyCalled(symbols: Symbols, kernel: KernelIndex): ReadonlySet<number> {
    if (this.called) return this.called;
    const out = new Set<number>();
    for (const def of symbols.defs) for (const id of this.calleesOf(def, symbols, kernel)) out.add(id);
    return (this.called = out);
  }

  /** Per function id, the parameters a call context binds (paramRoles.ts). */
  paramRolesOf(symbols: Symbols, pointsTo: PointsTo): readonly ParamRoles[] {
    return (this.roles ??= paramRoles(symbols, pointsTo, (def) => this.paramUsesOf(def, symbols)));
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

  private paramUsesOf(def: FnDef, symbols: Symbols): readonly ParamUse[] {
    let uses = this.paramUses.get(def.id);
    if (!uses) this.paramUses.set(def.id, (uses = paramUses(def, symbols)));
    return uses;
  }

  /**
   * Drops what was kept of functions whose bodies changed (`changed`, holding their new
   * bodies already), and `called` and `roles` when one's callees or parameter uses differ
   * now: compared here, while what they were made from is at hand.
   */
  forget(changed: readonly FnDef[], symbols: Symbols, kernel: KernelIndex): void {
    for (const def of changed) {
      const id = def.id;
      const callees = this.callees.get(id);
      const uses = this.paramUses.get(id);
      this.callees.delete(id);
      this.paramUses.delete(id);
      if (this.called && !(callees && sameIds(callees, this.calleesOf(def, symbols, kernel)))) this.called = undefined;
      if (this.roles && !(uses && sameUses(uses, this.paramUsesOf(def, symbols)))) this.roles = undefined;
      for (let key = 0; key < KEYS; key++) {
        const slot = id * KEYS + key;
        this.cachedCalls -= this.slots.get(slot)?.calls.length ?? 0;
        this.slots.delete(slot);
      }
    }
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
