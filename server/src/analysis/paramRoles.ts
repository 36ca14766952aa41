/**
 * Which parameters of each function a call context binds (callContext.ts): as functions
 * (called through, or passed on, and some function reaches them), as objects (a call's
 * base, or passed on to a callee that binds that argument as an object) and as
 * constants (tested by a guard, paramGuards.ts, or passed on to a callee that binds that
 * argument as a constant); an object or constant parameter the function writes (a walker's
 * `h = h->next`) is neither.
 *
 * The object and constant roles are least fixpoints over the whole workspace, so they do not depend
 * on the order the search asks for them in: a search after an edit (propagationCache.ts)
 * may keep them, while roles computed on demand through recursion would depend on which
 * function of a cycle was asked first.
 */
import { forEachOp } from '../syntax/walkOps';
import { paramGuards } from './paramGuards';
import type { PointsTo } from './pointsTo';
import type { FnDef, Symbols } from './symbols';

/**
 * How a function uses its parameters: tested by a guard, then written (assigned or passed
 * by address; each ascending), then in body order called through, used as a call's base
 * object, or passed on (as argument `at`) to the workspace functions `callees`.
 */
export type ParamUse =
  | { kind: 'tested'; param: number }
  | { kind: 'written'; param: number }
  | { kind: 'called'; param: number }
  | { kind: 'object'; param: number }
  | { kind: 'passed'; param: number; at: number; callees: readonly FnDef[] };

/** The parameters worth binding, ascending. */
export interface ParamRoles {
  fns: readonly number[];
  objects: readonly number[];
  consts: readonly number[];
}

export function paramUses(def: FnDef, symbols: Symbols): ParamUse[] {
  const guards = paramGuards(def);
  const out: ParamUse[] = [...guards.tested.map((param): ParamUse => ({ kind: 'tested', param })), ...guards.written.map((param): ParamUse => ({ kind: 'written', param }))];
  forEachOp(def.facts.body, (op) => {
    if (op.op !== 'call') return;
    if (op.callee.kind === 'name' && op.callee.param !== undefined) out.push({ kind: 'called', param: op.callee.param });
    if (op.callee.kind === 'field') {
      const i = def.facts.params.indexOf(op.callee.base);
      if (i >= 0) out.push({ kind: 'object', param: i });
    }
    const callees = op.callee.kind === 'name' && op.callee.param === undefined && !op.callee.local ? symbols.resolve(op.callee.name, def.file) : [];
    op.args.forEach((a, at) => {
      if (a.value.kind === 'name' && a.value.param !== undefined) out.push({ kind: 'passed', param: a.value.param, at, callees });
    });
  });
  return out;
}

/** Whether two functions' uses bind the same parameters the same way. */
export function sameUses(a: readonly ParamUse[], b: readonly ParamUse[]): boolean {
  const key = (u: ParamUse): string => (u.kind === 'passed' ? `p${u.param}:${u.at}:${u.callees.map((c) => c.id).join(',')}` : `${u.kind[0]}${u.param}`);
  return a.length === b.length && a.every((u, i) => key(u) === key(b[i]));
}

/** Whether two workspaces' roles (by function id) bind the same parameters. */
export function sameRoles(a: readonly ParamRoles[], b: readonly ParamRoles[]): boolean {
  const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((n, i) => n === y[i]);
  return a === b || (a.length === b.length && a.every((r, i) => same(r.fns, b[i].fns) && same(r.objects, b[i].objects) && same(r.consts, b[i].consts)));
}

/** The roles of every function's parameters, indexed by function id. */
export function paramRoles(symbols: Symbols, pointsTo: PointsTo, uses: (def: FnDef) => readonly ParamUse[]): ParamRoles[] {
  /** Per callee and argument position (`calleeId:at`), the callers' parameters passed there. */
  const passedTo = new Map<string, Array<[number, number]>>();
  for (const def of symbols.defs) {
    for (const use of uses(def)) {
      if (use.kind !== 'passed') continue;
      for (const c of use.callees) {
        const key = `${c.id}:${use.at}`;
        const list = passedTo.get(key);
        if (list) list.push([def.id, use.param]);
        else passedTo.set(key, [[def.id, use.param]]);
      }
    }
  }
  // A parameter the function wrote no longer holds the object or constant its caller passed.
  const objects = passedOn(symbols, uses, passedTo, 'object', 'written');
  const consts = passedOn(symbols, uses, passedTo, 'tested', 'written');
  const byIndex = (a: number, b: number): number => a - b;
  return symbols.defs.map((def) => {
    const fnParams = new Set<number>();
    for (const use of uses(def)) if (use.kind === 'called' || use.kind === 'passed') fnParams.add(use.param);
    return {
      fns: [...fnParams].filter((i) => pointsTo.paramTargets(def, i).size > 0).sort(byIndex),
      objects: [...objects[def.id]].sort(byIndex),
      consts: [...consts[def.id]].sort(byIndex),
    };
  });
}

/**
 * Per function id, the parameters used as `seed` uses them, or passed on to a callee's
 * parameter that is, unless used as `blocker` (then neither): a least fixpoint.
 */
function passedOn(symbols: Symbols, uses: (def: FnDef) => readonly ParamUse[], passedTo: ReadonlyMap<string, ReadonlyArray<[number, number]>>, seed: 'object' | 'tested', blocker?: 'written'): Array<Set<number>> {
  const roles = symbols.defs.map(() => new Set<number>());
  const blocked = symbols.defs.map((def) => new Set(blocker ? uses(def).flatMap((u) => (u.kind === blocker ? [u.param] : [])) : []));
  const work: Array<[number, number]> = [];
  const add = (fn: number, param: number): void => {
    if (roles[fn].has(param)) return;
    roles[fn].add(param);
    work.push([fn, param]);
  };
  for (const def of symbols.defs) for (const use of uses(def)) if (use.kind === seed && !blocked[def.id].has(use.param)) add(def.id, use.param);
  for (let head = 0; head < work.length; head++) {
    const [callee, at] = work[head];
    for (const [caller, param] of passedTo.get(`${callee}:${at}`) ?? []) if (!blocked[caller].has(param)) add(caller, param);
  }
  return roles;
}
