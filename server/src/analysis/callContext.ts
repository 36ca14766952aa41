/**
 * Argument sensitivity for function-pointer parameters.
 *
 * The points-to sets of parameters are context-insensitive: `bus_for_each_dev(…, fn)`'s
 * `fn` holds every function any caller passes, so a call through it from one caller
 * reaches the callbacks of all of them. A propagation node therefore carries a binding:
 * for each parameter the function calls through or passes on, the functions THIS caller
 * passed (a name, the caller's own bound parameter, or the points-to set of the value it
 * passed). A parameter used as the base of a call (`nb->notifier_call(…)`) binds to the
 * global object the caller passed (`&my_nb`), so the call reaches what that object's
 * initialiser stored, not every `notifier_block` of the tree; or to a struct the caller
 * embeds (`&efx->mdio`), so it reaches what the caller's directory stores through that
 * field (`efx->mdio.mdio_read = f`), not every driver's. A call through a bound
 * parameter resolves to the binding; a parameter left
 * unbound (a set over the bound, a value we cannot see, a function reached too many
 * ways) falls back to the insensitive set. A parameter a guard tests (paramGuards.ts)
 * binds to the constant the caller passed (`SIOCGMIIPHY`), so the callee runs only the
 * branches that constant selects. Bindings are interned; context 0 is "no binding".
 */
import * as path from 'path';
import type { Arg, CallOp, Pos } from '../syntax/facts';
import { isConstant, mayRun, paramGuards } from './paramGuards';
import type { ParamRoles } from './paramRoles';
import type { PointerEvidence, PointsTo } from './pointsTo';
import type { FnDef, Symbols } from './symbols';

/** Per bound parameter, the functions it can hold and where each was passed, the global object it points to, or the constant it is. */
export interface Binding {
  fns: ReadonlyMap<number, ReadonlyMap<number, PointerEvidence>>;
  objects: ReadonlyMap<number, string>;
  consts: ReadonlyMap<number, string>;
}

/** A parameter holding more functions than this is left to the insensitive set. */
const MAX_BOUND_SET = 16;
/** Distinct bindings per function before its callers fall back to context 0. */
const MAX_CONTEXTS_PER_FN = 64;

const NO_BINDING: Binding = { fns: new Map(), objects: new Map(), consts: new Map() };

export class CallContexts {
  private readonly bindings: Binding[] = [NO_BINDING];
  private readonly byKey = new Map<string, number>([['', 0]]);
  private readonly perFn = new Map<number, number>();
  /** `roles`: per function id, the parameters worth binding (paramRoles.ts), possibly kept from an earlier propagation. */
  constructor(
    private readonly symbols: Symbols,
    private readonly pointsTo: PointsTo,
    private readonly roles: readonly ParamRoles[],
  ) {}

  /** Whether some function ran out of contexts, so that which of its callers got one depended on the order they came in. */
  anyCapped(): boolean {
    for (const n of this.perFn.values()) if (n >= MAX_CONTEXTS_PER_FN) return true;
    return false;
  }

  /** The functions a call through `callee` reaches in context `ctx`, when the context binds the parameter it goes through. */
  boundTargets(ctx: number, callee: CallOp['callee'], def: FnDef): ReadonlyMap<number, PointerEvidence> | undefined {
    if (ctx === 0) return undefined;
    const b = this.bindings[ctx];
    if (callee.kind === 'name') return callee.param === undefined ? undefined : b.fns.get(callee.param);
    if (callee.kind !== 'field') return undefined;
    const param = def.facts.params.indexOf(callee.base);
    const object = param >= 0 ? b.objects.get(param) : undefined;
    if (object === undefined) return undefined;
    if (!object.startsWith(EMBEDDED)) return this.pointsTo.objectField(object, callee.field);
    // What the directory stores through the embedding field; nothing seen, the unbound set.
    const bar = object.lastIndexOf('|');
    const held = this.pointsTo.storedInDir(object.slice(EMBEDDED.length, bar), callee.field, object.slice(bar + 1));
    return held.size > 0 ? held : undefined;
  }

  /** Whether `call` of `def` can run in context `ctx`: false when the constants it binds fail the call's guard. */
  mayRun(ctx: number, def: FnDef, call: CallOp): boolean {
    return ctx === 0 || mayRun(def, call, this.bindings[ctx].consts);
  }

  /** The context `callee` is entered in from a call at `at` in `caller` (itself in context `callerCtx`). */
  enter(callee: FnDef, args: readonly Arg[], caller: FnDef, callerCtx: number, at: Pos): number {
    const params = this.roles[callee.id];
    if (params.fns.length === 0 && params.objects.length === 0 && params.consts.length === 0) return 0;
    const fns = new Map<number, ReadonlyMap<number, PointerEvidence>>();
    for (const i of params.fns) {
      const arg = args[i];
      if (!arg) continue;
      const set = this.valueSet(arg, caller, callerCtx, callee, at);
      if (set && set.size <= MAX_BOUND_SET) fns.set(i, set);
    }
    const objects = new Map<number, string>();
    for (const i of params.objects) {
      const object = args[i] ? this.objectOf(args[i], caller, callerCtx) : undefined;
      if (object !== undefined) objects.set(i, object);
    }
    const consts = new Map<number, string>();
    for (const i of params.consts) {
      const value = args[i] ? this.constantOf(args[i], caller, callerCtx) : undefined;
      if (value !== undefined) consts.set(i, value);
    }
    if (fns.size === 0 && objects.size === 0 && consts.size === 0) return 0;
    const fnKey = [...fns].map(([i, set]) => `${i}:${[...set.keys()].sort((a, b) => a - b).join(',')}`);
    const objectKey = [...objects].map(([i, o]) => `${i}@${o}`);
    const constKey = [...consts].map(([i, c]) => `${i}=${c}`);
    const key = `${callee.id}|${fnKey.join(';')}|${objectKey.join(';')}|${constKey.join(';')}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const count = this.perFn.get(callee.id) ?? 0;
    if (count >= MAX_CONTEXTS_PER_FN) return 0;
    this.perFn.set(callee.id, count + 1);
    const id = this.bindings.length;
    this.bindings.push({ fns, objects, consts });
    this.byKey.set(key, id);
    return id;
  }

  /** The object an argument points to: a global (`&my_nb`), an embedded struct (`&efx->mdio`), or the caller's own bound parameter. */
  private objectOf(arg: Arg, caller: FnDef, callerCtx: number): string | undefined {
    const value = arg.value;
    if (value.kind === 'field' && arg.text.trimStart().startsWith('&')) return `${EMBEDDED}${path.dirname(caller.file)}|${value.field}`;
    if (value.kind !== 'name') return undefined;
    if (value.param !== undefined) return this.bindings[callerCtx].objects.get(value.param);
    return value.local ? undefined : this.pointsTo.object(value.name, caller.file);
  }

  /** The constant an argument is (`SIOCGMIIPHY`, `0`, or the caller's own bound parameter while the caller has not written it). */
  private constantOf(arg: Arg, caller: FnDef, callerCtx: number): string | undefined {
    if (isConstant(arg.text)) return arg.text;
    const value = arg.value;
    if (value.kind !== 'name' || value.param === undefined || paramGuards(caller).written.includes(value.param)) return undefined;
    return this.bindings[callerCtx].consts.get(value.param);
  }

  /** What an argument holds, as this caller sees it; undefined when it cannot tell. */
  private valueSet(arg: Arg, caller: FnDef, callerCtx: number, callee: FnDef, at: Pos): ReadonlyMap<number, PointerEvidence> | undefined {
    const value = arg.value;
    if (value.kind === 'other') return /^0$/.test(arg.text) ? NO_BINDING_SET : undefined;
    if (value.kind === 'name' && value.param === undefined && !value.local) {
      const fns = this.symbols.resolve(value.name, caller.file);
      if (fns.length > 0) {
        const evidence = { file: caller.file, pos: at, text: `${callee.facts.name}(…${arg.text}…) in ${caller.facts.name}` };
        return new Map(fns.map((f) => [f.id, evidence]));
      }
    }
    if (value.kind === 'name' && value.param !== undefined) {
      const own = this.bindings[callerCtx].fns.get(value.param);
      if (own) return own;
    }
    return this.pointsTo.targets(value, caller);
  }
}

const NO_BINDING_SET: ReadonlyMap<number, PointerEvidence> = new Map();

/** Marks an object that is a struct embedded in another (`&efx->mdio`), as `&<caller's directory>|<field>`; a global's key is its file's path. */
const EMBEDDED = '&';
