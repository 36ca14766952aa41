/**
 * An edit whose effect stays inside function bodies: the same files, the same functions
 * (names, signatures, order), the same file-scope facts, and in every changed body the
 * same pointer stores, registrations and function-carrying arguments. Then the symbols,
 * the points-to sets and the entry points of the previous analysis still hold once
 * positions are moved; only the propagation must run again, and it can reuse the
 * interpretation of every function whose body did not change (propagationCache.ts).
 *
 * Why these facts and not others: the points-to sets are built from stores and from
 * arguments (an argument that can carry no function only adds copy edges out of empty
 * locations, see PointsTo.mayCarryFunctions), the entry points from registration calls,
 * workspace macros that may expand to them, and stores. A function with a store to a field
 * the kernel calls is read whole (its mode calls pick the entry's context), so any change
 * to it is not local.
 */
import { isPos, type FileFacts, type FunctionFacts, type Op, type Pos } from '../syntax/facts';
import { sameOrigin, takeOrigin } from '../syntax/functionMemo';
import { forEachOp } from '../syntax/walkOps';
import { globalName } from '../syntax/globalName';
import type { KernelIndex } from '../kernel';
import type { PointsTo } from './pointsTo';
import { notifierChainsOf } from './notifierChains';
import type { FnDef, Symbols } from './symbols';

/** A change to apply in place to the previous analysis's facts. */
export interface LocalChange {
  /** The definitions whose bodies changed. */
  changed: FnDef[];
  /** Moves positions into the previous facts and puts the changed bodies in; afterwards the previous facts are the new ones. */
  apply(): void;
}

/** What a changed body is compared by, and the op whose position earlier phases' results hold. */
interface InterfacePart {
  op: { at: Pos };
  part: unknown;
}

interface Previous {
  files: readonly FileFacts[];
  symbols: Symbols;
  pointsTo: PointsTo;
  kernel: KernelIndex;
}

/** The change from `previous.files` to `files` when it stays inside function bodies; undefined otherwise. */
export function localChange(previous: Previous, files: readonly FileFacts[]): LocalChange | undefined {
  if (previous.files.length !== files.length) return undefined;
  const changed: FnDef[] = [];
  const moves: Array<[unknown, unknown]> = [];
  /** Unchanged functions that moved: old facts and new. */
  const movedFunctions: Array<[FunctionFacts, FunctionFacts]> = [];
  const replaced: Array<{ file: FileFacts; index: number; old: FunctionFacts; facts: FunctionFacts }> = [];
  /** Old ops whose position objects entries and pointer evidence hold, and the new ops that take those objects over. */
  const kept: Array<[{ at: Pos }, { at: Pos }]> = [];
  for (let i = 0; i < files.length; i++) {
    const before = previous.files[i];
    const after = files[i];
    if (before === after) continue;
    if (before.path !== after.path || before.functions.length !== after.functions.length || !sameSlots(before, after)) return undefined;
    for (const key of Object.keys(before) as Array<keyof FileFacts>) {
      if (key === 'functions') continue;
      if (!sameButPositions(before[key], after[key])) return undefined;
      moves.push([before[key], after[key]]);
    }
    for (let j = 0; j < before.functions.length; j++) {
      const old = before.functions[j];
      const now = after.functions[j];
      if (sameFunctionButPositions(old, now)) {
        if (!samePlace(old, now)) movedFunctions.push([old, now]);
        continue;
      }
      const def = defOfFunction(previous, i, j);
      if (!def || !sameButPositions({ ...old, body: [] }, { ...now, body: [] })) return undefined;
      const parts = (facts: FunctionFacts): InterfacePart[] | undefined => interfaceOf({ id: def.id, file: def.file, facts }, previous);
      const oldParts = parts(old);
      const newParts = parts(now);
      if (!oldParts || !newParts || !sameButPositions(oldParts.map((p) => p.part), newParts.map((p) => p.part))) return undefined;
      oldParts.forEach((p, k) => kept.push([p.op, newParts[k].op]));
      moves.push([{ ...old, body: [] }, { ...now, body: [] }]);
      changed.push(def);
      replaced.push({ file: before, index: j, old, facts: now });
    }
  }
  if (changed.length === 0) return undefined;
  return {
    changed,
    apply(): void {
      for (const [from, to] of moves) movePositions(from, to);
      for (const [from, to] of movedFunctions) moveFunctionPositions(from, to);
      // Entries, pointer evidence and configured entries hold the old position objects:
      // the new facts take them over (with the new positions), so later moves reach them.
      for (const [from, to] of kept) {
        movePositions(from.at, to.at);
        to.at = from.at;
      }
      for (const { file, index, old, facts } of replaced) {
        facts.span = old.span;
        facts.nameSpan = old.nameSpan;
        file.functions[index] = facts;
      }
      changed.forEach((def, k) => (def.facts = replaced[k].facts));
    },
  };
}

/**
 * The definition of `previous.files[file].functions[index]`. Symbols numbers the
 * definitions in file and function order, so it is found by counting, not by a map of
 * the workspace's every function made at each edit; checked, since a caller may have
 * built the symbols otherwise.
 */
function defOfFunction(previous: Previous, file: number, index: number): FnDef | undefined {
  let id = index;
  for (let i = 0; i < file; i++) id += previous.files[i].functions.length;
  const facts = previous.files[file].functions[index];
  const def = previous.symbols.defs[id];
  return def?.facts === facts ? def : previous.symbols.defs.find((d) => d.facts === facts);
}

/**
 * Whether two versions of a function are equal but for positions: at once when the
 * function memo made both from one kept entry, else by comparing them.
 */
function sameFunctionButPositions(a: FunctionFacts, b: FunctionFacts): boolean {
  return sameOrigin(a, b) || sameButPositions(a, b);
}

/**
 * Whether two versions of a function, equal but for positions, also have the same ones,
 * so that moving positions from one to the other changes nothing: the memo's facts are
 * a function of its text, column and start row, and a same origin means the same text
 * and column.
 */
function samePlace(a: FunctionFacts, b: FunctionFacts): boolean {
  return sameOrigin(a, b) && a.span.start.line === b.span.start.line;
}

/**
 * Whether every function object of `after` that is one of `before` is at the same index.
 * The function memo hands out an unmoved function's kept object again; moving or
 * replacing the previous version's functions in place is sound only when such an object
 * is its own previous version (functionMemo.ts).
 */
function sameSlots(before: FileFacts, after: FileFacts): boolean {
  let old: Set<FunctionFacts> | undefined;
  for (let j = 0; j < after.functions.length; j++) {
    const now = after.functions[j];
    if (now === before.functions[j]) continue;
    old ??= new Set(before.functions);
    if (old.has(now)) return false;
  }
  return true;
}

/** `sameButPositions` of two versions of a file, asking the memo about each function first. */
export function sameFileButPositions(a: FileFacts, b: FileFacts): boolean {
  if (a.functions.length !== b.functions.length || !sameSlots(a, b)) return false;
  for (let j = 0; j < a.functions.length; j++) if (!sameFunctionButPositions(a.functions[j], b.functions[j])) return false;
  for (const key in a) if (key !== 'functions' && (!(key in b) || !sameButPositions(a[key as keyof FileFacts], b[key as keyof FileFacts]))) return false;
  for (const key in b) if (!(key in a)) return false;
  return true;
}

/** `movePositions` of two versions of a file that are equal but for positions, skipping the functions that did not move. */
export function moveFilePositions(from: FileFacts, to: FileFacts): void {
  for (const key in from) if (key !== 'functions') movePositions(from[key as keyof FileFacts], to[key as keyof FileFacts]);
  from.functions.forEach((f, j) => {
    if (!samePlace(f, to.functions[j])) moveFunctionPositions(f, to.functions[j]);
  });
}

/** `movePositions` of a function, after which the old facts count as made where the new ones were (takeOrigin). */
function moveFunctionPositions(from: FunctionFacts, to: FunctionFacts): void {
  movePositions(from, to);
  takeOrigin(from, to);
}

/**
 * The parts of a body the phases before propagation read, in order: stores, calls that
 * register (an entry point or a notifier block) or may expand to a registration, and arguments that may carry a function to
 * a workspace function's parameter. Undefined when the body stores to a field the kernel
 * calls (then the whole body matters).
 */
function interfaceOf(def: FnDef, { symbols, pointsTo, kernel }: Previous): InterfacePart[] | undefined {
  const parts: InterfacePart[] = [];
  let whole = false;
  const chains = notifierChainsOf(symbols, pointsTo, kernel);
  forEachOp(def.facts.body, (op: Op) => {
    if (op.op === 'store') {
      if (op.target.kind === 'field' && kernel.fieldRegistrations(op.target.field).length > 0) whole = true;
      parts.push({ op, part: op });
      return;
    }
    if (op.op !== 'call') return;
    const callee = op.callee;
    if (callee.kind === 'name' && (kernel.registration(callee.name) || chains.isRegistration(callee.name, def.file) || (!kernel.isKernelApi(callee.name) && symbols.resolve(callee.name, def.file).length === 0 && symbols.macroVariants(callee.name, def.file).length > 0))) {
      parts.push({ op, part: op });
      return;
    }
    const name = globalName(callee);
    const direct = name === undefined ? [] : symbols.resolve(name, def.file);
    const targets = direct.length > 0 ? direct.map((d) => d.id) : [...pointsTo.targets(callee, def).keys()];
    const carried = op.args.flatMap((a, i) => (pointsTo.mayCarryFunctions(a.value, def) ? [{ i, value: a.value }] : []));
    if (carried.length > 0 && targets.length > 0) parts.push({ op, part: { callee, targets, carried } });
  });
  return whole ? undefined : parts;
}

/**
 * Structural equality that ignores every `Pos` value. Loops rather than `every` and
 * `Object.keys`: this runs over a whole file's facts at every keystroke (5 ms on a
 * 5,000-line file before, 2 ms after).
 */
export function sameButPositions(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const array = Array.isArray(a);
  if (array !== Array.isArray(b)) return false;
  if (array) {
    const bs = b as unknown[];
    if (a.length !== bs.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameButPositions(a[i], bs[i])) return false;
    return true;
  }
  if (isPos(a) && isPos(b)) return true;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let keys = 0;
  for (const k in ra) {
    keys++;
    if (!(k in rb) || !sameButPositions(ra[k], rb[k])) return false;
  }
  for (const k in rb) {
    if (!(k in ra)) return false;
    keys--;
  }
  return keys === 0;
}

/** Copies every position of `to` into the matching position object of `from` (same shape, checked before). */
export function movePositions(from: unknown, to: unknown): void {
  if (typeof from !== 'object' || from === null || typeof to !== 'object' || to === null) return;
  if (Array.isArray(from)) {
    const ts = to as unknown[];
    for (let i = 0; i < from.length; i++) movePositions(from[i], ts[i]);
    return;
  }
  if (isPos(from) && isPos(to)) {
    from.line = to.line;
    from.col = to.col;
    return;
  }
  const rf = from as Record<string, unknown>;
  const rt = to as Record<string, unknown>;
  for (const k in rf) movePositions(rf[k], rt[k]);
}
