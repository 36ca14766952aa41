/**
 * Argument sensitivity for function-pointer parameters.
 *
 * The points-to sets of parameters are context-insensitive: `bus_for_each_dev(…, fn)`'s
 * `fn` holds every function any caller passes, so a call through it from one caller
 * reaches the callbacks of all of them. A propagation node therefore carries a binding:
 * for each parameter the function calls through or passes on, the functions THIS caller
 * passed (a name, the caller's own bound parameter, or the points-to set of the value it
 * passed). A call through a bound parameter resolves to the binding; a parameter left
 * unbound (a set over the bound, a value we cannot see, a function reached too many
 * ways) falls back to the insensitive set. Bindings are interned; context 0 is "no
 * binding".
 */
import type { Arg, CallOp, Pos } from '../syntax/facts';
import { forEachOp } from '../syntax/walkOps';
import type { PointerEvidence, PointsTo } from './pointsTo';
import type { FnDef, Symbols } from './symbols';

/** Per bound parameter, the functions it can hold and where each was passed. */
export type Binding = ReadonlyMap<number, ReadonlyMap<number, PointerEvidence>>;

/** A parameter holding more functions than this is left to the insensitive set. */
const MAX_BOUND_SET = 16;
/** Distinct bindings per function before its callers fall back to context 0. */
const MAX_CONTEXTS_PER_FN = 64;

const NO_BINDING: Binding = new Map();

export class CallContexts {
  private readonly bindings: Binding[] = [NO_BINDING];
  private readonly byKey = new Map<string, number>([['', 0]]);
  private readonly perFn = new Map<number, number>();
  /** Per function, the parameters worth binding (called through or passed on, and some function reaches them). */
  private readonly pointerParams = new Map<number, readonly number[]>();

  constructor(
    private readonly symbols: Symbols,
    private readonly pointsTo: PointsTo,
  ) {}

  binding(ctx: number): Binding {
    return this.bindings[ctx];
  }

  /** The functions a call through parameter `param` reaches in context `ctx`, when the context binds it. */
  boundTargets(ctx: number, callee: CallOp['callee']): ReadonlyMap<number, PointerEvidence> | undefined {
    if (ctx === 0 || callee.kind !== 'name' || callee.param === undefined) return undefined;
    return this.bindings[ctx].get(callee.param);
  }

  /** The context `callee` is entered in from a call at `at` in `caller` (itself in context `callerCtx`). */
  enter(callee: FnDef, args: readonly Arg[], caller: FnDef, callerCtx: number, at: Pos): number {
    const params = this.paramsOf(callee);
    if (params.length === 0) return 0;
    const bound = new Map<number, ReadonlyMap<number, PointerEvidence>>();
    for (const i of params) {
      const arg = args[i];
      if (!arg) continue;
      const set = this.valueSet(arg, caller, callerCtx, callee, at);
      if (set && set.size <= MAX_BOUND_SET) bound.set(i, set);
    }
    if (bound.size === 0) return 0;
    const key = `${callee.id}|${[...bound].map(([i, s]) => `${i}:${[...s.keys()].sort((a, b) => a - b).join(',')}`).join(';')}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const count = this.perFn.get(callee.id) ?? 0;
    if (count >= MAX_CONTEXTS_PER_FN) return 0;
    this.perFn.set(callee.id, count + 1);
    const id = this.bindings.length;
    this.bindings.push(bound);
    this.byKey.set(key, id);
    return id;
  }

  /** What an argument holds, as this caller sees it; undefined when it cannot tell. */
  private valueSet(arg: Arg, caller: FnDef, callerCtx: number, callee: FnDef, at: Pos): ReadonlyMap<number, PointerEvidence> | undefined {
    const value = arg.value;
    if (value.kind === 'other') return /^(NULL|0)$/.test(arg.text) ? NO_BINDING_SET : undefined;
    if (value.kind === 'name' && value.param === undefined && !value.local) {
      const fns = this.symbols.resolve(value.name, caller.file);
      if (fns.length > 0) {
        const evidence = { file: caller.file, pos: at, text: `${callee.facts.name}(…${arg.text}…) in ${caller.facts.name}` };
        return new Map(fns.map((f) => [f.id, evidence]));
      }
    }
    if (value.kind === 'name' && value.param !== undefined) {
      const own = this.bindings[callerCtx].get(value.param);
      if (own) return own;
    }
    return this.pointsTo.targets(value, caller);
  }

  private paramsOf(def: FnDef): readonly number[] {
    let params = this.pointerParams.get(def.id);
    if (params) return params;
    const used = new Set<number>();
    forEachOp(def.facts.body, (op) => {
      if (op.op !== 'call') return;
      if (op.callee.kind === 'name' && op.callee.param !== undefined) used.add(op.callee.param);
      for (const a of op.args) if (a.value.kind === 'name' && a.value.param !== undefined) used.add(a.value.param);
    });
    params = [...used].filter((i) => this.pointsTo.paramTargets(def, i).size > 0).sort((a, b) => a - b);
    this.pointerParams.set(def.id, params);
    return params;
  }
}

const NO_BINDING_SET: ReadonlyMap<number, PointerEvidence> = new Map();
