/**
 * Constant arguments and the branches they rule out (value-dependent branches, C1 in
 * docs/triage.md).
 *
 * Many callbacks dispatch on an argument: an ioctl on `cmd`, a `reg()` on its
 * `TRACE_REG_*` type, a teardown on `final_down`. A caller that passes a constant
 * (`ioctl(dev, &ifr, SIOCGMIIPHY)`) runs only the branches that constant selects; taking
 * every branch reported the sleeping `SIOCSHWTSTAMP` case of every driver's ioctl under
 * bonding's RCU lock. Here each call of a body gets its guard: the tests on parameters
 * that every path to it passed — `switch (p)` case labels (with fall-through), `p == C`,
 * `p != C`, `p`, `!p` in an `if` — and a binding of parameters to constants tells
 * whether a guard can still hold.
 *
 * Conservative where syntax cannot tell: a parameter the body assigns or passes by
 * address has no guards; a branch containing a label (a `goto` may enter it past the
 * test) adds none; a test that is not one of the forms above constrains nothing. The one
 * assumption: two different constant names (`SIOCGMIIPHY`, `SIOCSHWTSTAMP`) denote
 * different values — C already requires it of the labels of one switch.
 */
import type { CallOp, Cond, CondAtom, Op } from '../syntax/facts';
import type { FnDef } from './symbols';
import { forEachOp } from '../syntax/walkOps';
import { integerLiteral } from '../syntax/integerLiteral';
import { balanced, stripParens } from '../syntax/balancedParens';

/**
 * One test on a parameter that a path to a call passed. `in`: a switch case entered by
 * `values`, or, when `otherwise` is set (a `default:` falls into it), by any value that
 * is none of `otherwise` (every label of the switch).
 */
export type Constraint =
  | { param: number; test: 'eq' | 'ne'; value: string }
  | { param: number; test: 'in'; values: readonly string[]; otherwise?: readonly string[] }
  | { param: number; test: 'truthy' | 'falsy' };

export interface ParamGuards {
  /** Per call of the body, the constraints on every path to it (calls without any are absent). */
  guards: ReadonlyMap<CallOp, readonly Constraint[]>;
  /** The parameters some guard tests, ascending. */
  tested: readonly number[];
  /** The parameters the body assigns, passes by address or keeps a pointer to, ascending: their value is no longer the caller's. */
  written: readonly number[];
}

const NUMBER = /^-?(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/;
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Whether an argument's text is a constant: a number, `true`/`false`/`NULL`, or an all-caps macro or enumerator. */
export function isConstant(text: string): boolean {
  return NUMBER.test(text) || text === 'true' || text === 'false' || CONSTANT_NAME.test(text);
}

const memo = new WeakMap<readonly Op[], ParamGuards>();

/** The guards of `def`'s calls, remembered per body (an edited body is a new array). */
export function paramGuards(def: FnDef): ParamGuards {
  let out = memo.get(def.facts.body);
  if (!out) {
    out = computeGuards(def);
    memo.set(def.facts.body, out);
  }
  return out;
}

function computeGuards(def: FnDef): ParamGuards {
  const params = new Map<string, number>();
  def.facts.params.forEach((p, i) => {
    if (p !== '') params.set(p, i);
  });
  const written: number[] = [];
  for (const name of writtenNames(def.facts.body)) {
    const i = params.get(name);
    if (i !== undefined) written.push(i);
    params.delete(name);
  }
  const guards = new Map<CallOp, readonly Constraint[]>();
  if (params.size > 0) walk(def.facts.body, [], params, guards);
  const tested = new Set<number>();
  for (const g of guards.values()) for (const c of g) tested.add(c.param);
  return { guards, tested: [...tested].sort((a, b) => a - b), written: written.sort((a, b) => a - b) };
}

function walk(ops: readonly Op[], guard: readonly Constraint[], params: ReadonlyMap<string, number>, out: Map<CallOp, readonly Constraint[]>): void {
  for (const op of ops) {
    switch (op.op) {
      case 'call':
        if (guard.length > 0) out.set(op, guard);
        break;
      case 'if':
        walk(op.then, hasLabel(op.then) ? guard : [...guard, ...condConstraints(op.cond, true, params)], params, out);
        walk(op.else, hasLabel(op.else) ? guard : [...guard, ...condConstraints(op.cond, false, params)], params, out);
        break;
      case 'loop':
        walk(op.body, guard, params, out);
        break;
      case 'switch': {
        const param = op.subject === undefined ? undefined : params.get(op.subject);
        op.cases.forEach((ops, i) => {
          const entry = param === undefined || hasLabel(ops) ? undefined : entryLabels(op, i);
          walk(ops, entry && param !== undefined ? [...guard, { param, test: 'in', ...entry }] : guard, params, out);
        });
        break;
      }
      default:
        break;
    }
  }
}

/**
 * The labels that enter case `i`: its own and those of the cases falling through into
 * it, and whether `default:` is one of them; undefined when statements before the first
 * label are (a jump may enter those).
 */
function entryLabels(op: Extract<Op, { op: 'switch' }>, i: number): { values: string[]; otherwise?: string[] } | undefined {
  const values: string[] = [];
  let otherwise: string[] | undefined;
  // An unlabelled entry past the first `case` is the `default:`; before it, statements.
  const firstCase = op.labels.findIndex((l) => l !== '');
  for (let j = i; j >= 0; j--) {
    if (j < i && !fallsThrough(op.cases[j])) break;
    const label = op.labels[j] ?? '';
    if (label !== '') values.push(label);
    else if (op.hasDefault && firstCase >= 0 && j > firstCase) otherwise = op.labels.filter((l) => l !== '');
    else return undefined;
  }
  return otherwise ? { values, otherwise } : { values };
}

function fallsThrough(ops: readonly Op[]): boolean {
  const last = ops[ops.length - 1];
  return !last || !(last.op === 'break' || last.op === 'return' || last.op === 'goto' || last.op === 'continue');
}

function hasLabel(ops: readonly Op[]): boolean {
  return ops.some((op) => {
    switch (op.op) {
      case 'label':
        return true;
      case 'if':
        return hasLabel(op.then) || hasLabel(op.else);
      case 'loop':
        return hasLabel(op.body);
      case 'switch':
        return op.cases.some(hasLabel);
      default:
        return false;
    }
  });
}

/** Variables the body assigns, increments, passes by address or keeps a pointer to. */
function writtenNames(ops: readonly Op[]): Set<string> {
  const out = new Set<string>();
  forEachOp(ops, (op) => {
    // Its address passed to a call or kept in a pointer: the value may change through it.
    const addressOf = (text: string): void => {
      if (/^&\s*\w+$/.test(text)) out.add(text.replace(/^&\s*/, ''));
    };
    if (op.op === 'store') {
      if (op.target.kind === 'name') out.add(op.target.name);
      addressOf(op.valueText);
    }
    if (op.op === 'call') for (const a of op.args) addressOf(a.text);
  });
  return out;
}

/** What taking the `way` branch of `cond` says about parameters: every atom of an `and` taken true, of an `or` taken false. */
function condConstraints(cond: Cond, way: boolean, params: ReadonlyMap<string, number>): Constraint[] {
  if (cond.text.startsWith('#if') || cond.atoms.length === 0) return [];
  if (cond.atoms.length > 1 && (cond.join === 'and') !== way) return [];
  const out: Constraint[] = [];
  for (const atom of cond.atoms) {
    const c = atomConstraint(atom, way, params);
    if (c) out.push(c);
  }
  return out;
}

/** `p`, `!p`, `p == C`, `C != p` (inside parentheses, `!` and `likely()`/`unlikely()`), taken `way`. */
function atomConstraint(atom: CondAtom, way: boolean, params: ReadonlyMap<string, number>): Constraint | undefined {
  let text = atom.text.replace(/\s+/g, ' ').trim();
  let negated = !way;
  for (let guard = 0; guard < 8; guard++) {
    const likely = /^(?:un)?likely\s*\((.*)\)$/.exec(text);
    if (likely && balanced(likely[1])) text = likely[1].trim();
    else if (text.startsWith('(') && stripParens(text) !== text) text = stripParens(text);
    else if (text.startsWith('!') && !text.startsWith('!=')) {
      negated = !negated;
      text = text.slice(1).trim();
    } else break;
  }
  const bare = params.get(text);
  if (bare !== undefined) return { param: bare, test: negated ? 'falsy' : 'truthy' };
  const cmp = /^(\w+) ?(==|!=) ?(\w+)$/.exec(text);
  if (!cmp) return undefined;
  const [, left, operator, right] = cmp;
  const onLeft = params.get(left);
  const param = onLeft ?? params.get(right);
  const value = onLeft !== undefined ? right : left;
  if (param === undefined || !isConstant(value)) return undefined;
  return { param, test: (operator === '==') !== negated ? 'eq' : 'ne', value };
}

/**
 * Whether constants `a` and `b` are equal: true, false, or undefined when syntax cannot
 * tell (a name against a number).
 */
function sameValue(a: string, b: string): boolean | undefined {
  if (a === b) return true;
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (na === undefined && nb === undefined && isConstant(a) && isConstant(b)) return false;
  return undefined;
}

function numberOf(text: string): number | undefined {
  if (text === 'false' || text === 'NULL') return 0;
  if (text === 'true') return 1;
  return integerLiteral(text);
}

/** Whether a constraint can hold with its parameter bound to `value`; false only when it certainly cannot. */
function mayHold(c: Constraint, value: string): boolean {
  switch (c.test) {
    case 'truthy':
      return numberOf(value) !== 0;
    case 'falsy': {
      const n = numberOf(value);
      return n === undefined || n === 0;
    }
    case 'eq':
      return sameValue(value, c.value) !== false;
    case 'ne':
      return sameValue(value, c.value) !== true;
    case 'in':
      return c.values.some((v) => sameValue(value, v) !== false) || (c.otherwise !== undefined && c.otherwise.every((v) => sameValue(value, v) !== true));
  }
}

/** Whether `call` of `def` can run with the parameters `consts` binds (by index, to constant texts). */
export function mayRun(def: FnDef, call: CallOp, consts: ReadonlyMap<number, string>): boolean {
  if (consts.size === 0) return true;
  const guard = paramGuards(def).guards.get(call);
  if (!guard) return true;
  return guard.every((c) => {
    const value = consts.get(c.param);
    return value === undefined || mayHold(c, value);
  });
}
