/**
 * Where to insert a probe for one entry: a function at each direct-call depth from it,
 * and the target of a function-pointer hop, found by walking the syntax layer's facts of
 * the driver directory (not the analysis, whose recall is what is measured).
 */
import type { FileFacts, FunctionFacts, Op, ValueRef } from '../../server/src/syntax';
import { forEachOp } from '../../server/src/syntax/walkOps';
import { pick as pickIndex, type Rng } from '../../server/src/sim/prng';

export type HopKind = 'direct' | 'pointer';

/**
 * How a pointer hop reaches its target: through a struct field the directory stores the
 * function into (`q->ops->flush(q)`, `.flush = f`), through a parameter a caller on the
 * path passes the function to (`run(q, done)` calling `cb(q)`), or through a local
 * variable loaded with the function or from such a field (`fn = q->handler; fn(q)`).
 */
export type PointerVia = 'field' | 'argument' | 'local';

export interface Probe {
  hop: HopKind;
  /** For a pointer hop: how the pointer reaches the probed function. */
  via?: PointerVia;
  /** Calls from the entry to the probed function (a pointer hop counts as one). */
  depth: number;
  file: string;
  fn: FunctionFacts;
  /** The functions from the entry to `fn`, entry first. */
  chain: string[];
}

export interface DirIndex {
  files: Map<string, FileFacts>;
  /** Definitions by name, across the directory's files. */
  byName: Map<string, Array<{ file: string; fn: FunctionFacts }>>;
}

export function indexDir(facts: readonly FileFacts[]): DirIndex {
  const files = new Map<string, FileFacts>();
  const byName = new Map<string, Array<{ file: string; fn: FunctionFacts }>>();
  for (const f of facts) {
    files.set(f.path, f);
    for (const fn of f.functions) {
      const defs = byName.get(fn.name) ?? [];
      defs.push({ file: f.path, fn });
      byName.set(fn.name, defs);
    }
  }
  return { files, byName };
}

/** A name as C resolves it from `file`: the file's own definition, else one in a `.c`, else a header's. */
export function resolve(index: DirIndex, file: string, name: string): { file: string; fn: FunctionFacts } | undefined {
  const defs = index.byName.get(name);
  if (!defs) return undefined;
  return defs.find((d) => d.file === file) ?? defs.find((d) => !d.fn.isStatic && d.file.endsWith('.c')) ?? defs.find((d) => d.file.endsWith('.h'));
}

function calls(body: readonly Op[]): Array<Extract<Op, { op: 'call' }>> {
  const out: Array<Extract<Op, { op: 'call' }>> = [];
  forEachOp(body, (op) => {
    if (op.op === 'call') out.push(op);
  });
  return out;
}

interface Reached {
  file: string;
  fn: FunctionFacts;
  depth: number;
  chain: string[];
  via?: PointerVia;
}

const key = (file: string, fn: FunctionFacts): string => `${file}:${fn.span.start.line}`;

/** Breadth-first over direct calls from the entry, up to `maxDepth`. */
export function reachDirect(index: DirIndex, entry: { file: string; fn: FunctionFacts }, maxDepth: number): Reached[] {
  const seen = new Set([key(entry.file, entry.fn)]);
  let frontier: Reached[] = [{ ...entry, depth: 0, chain: [entry.fn.name] }];
  const all = [...frontier];
  for (let depth = 1; depth <= maxDepth; depth++) {
    const next: Reached[] = [];
    for (const r of frontier) {
      for (const c of calls(r.fn.body)) {
        if (c.callee.kind !== 'name' || c.callee.param !== undefined || c.callee.local) continue;
        const def = resolve(index, r.file, c.callee.name);
        if (!def || seen.has(key(def.file, def.fn))) continue;
        seen.add(key(def.file, def.fn));
        next.push({ ...def, depth, chain: [...r.chain, def.fn.name] });
      }
    }
    all.push(...next);
    frontier = next;
  }
  return all;
}

/** Per field name, the plain names the directory stores into a field of that name (designated initialisers, assignments). */
function fieldStores(index: DirIndex): Map<string, string[]> {
  const storedIn = new Map<string, string[]>();
  const noteStore = (target: ValueRef, value: ValueRef): void => {
    if (target.kind !== 'field' || value.kind !== 'name' || value.param !== undefined || value.local) return;
    storedIn.set(target.field, [...(storedIn.get(target.field) ?? []), value.name]);
  };
  for (const f of index.files.values()) {
    for (const s of f.stores) noteStore(s.target, s.value);
    for (const fn of f.functions) forEachOp(fn.body, (op) => op.op === 'store' && noteStore(op.target, op.value));
  }
  return storedIn;
}

/** The names a function pointer held in local `name` of `fn` may hold: functions stored into it, or into the field it is loaded from. */
function localTargets(fn: FunctionFacts, name: string, storedIn: Map<string, string[]>): string[] {
  const out: string[] = [];
  forEachOp(fn.body, (op) => {
    if (op.op !== 'store' || op.target.kind !== 'name' || op.target.name !== name) return;
    if (op.value.kind === 'name' && op.value.param === undefined && !op.value.local) out.push(op.value.name);
    else if (op.value.kind === 'field') out.push(...(storedIn.get(op.value.field) ?? []));
  });
  return out;
}

/** The calls `fn` makes through its parameter `index`. */
function paramCalls(fn: FunctionFacts, index: number): Array<Extract<Op, { op: 'call' }>> {
  return calls(fn.body).filter((c) => c.callee.kind === 'name' && c.callee.param === index);
}

/**
 * Whether a call with `given` arguments can reach `fn` through a pointer: the pointer's
 * type fixes the parameters, so a function with more is the value of another struct's
 * field of the same name (`.write` of a tty_ldisc_ops is no tty_operations' `->write`).
 */
function arityFits(fn: FunctionFacts, given: number): boolean {
  const needed = fn.params.length === 1 && fn.params[0] === '' ? 0 : fn.params.length;
  return given >= needed;
}

/**
 * The directory's functions that the reached functions call through a function pointer
 * (see PointerVia), each with the pointer's way. Targets that direct calls also reach
 * are left out, since their witness would not need the hop.
 */
export function pointerTargets(index: DirIndex, reached: readonly Reached[]): Reached[] {
  const direct = new Set(reached.map((r) => key(r.file, r.fn)));
  const storedIn = fieldStores(index);
  const out: Reached[] = [];
  const taken = new Set<string>();
  const add = (from: Reached, name: string, args: number, via: PointerVia, depth: number, hop: string[]): void => {
    const def = resolve(index, from.file, name);
    if (!def || !arityFits(def.fn, args) || direct.has(key(def.file, def.fn)) || taken.has(key(def.file, def.fn))) return;
    taken.add(key(def.file, def.fn));
    out.push({ ...def, depth, via, chain: [...from.chain, ...hop.slice(0, -1), `${hop[hop.length - 1]}:${def.fn.name}`] });
  };
  for (const r of reached) {
    for (const c of calls(r.fn.body)) {
      const callee = c.callee;
      if (callee.kind === 'field') {
        for (const name of storedIn.get(callee.field) ?? []) add(r, name, c.args.length, 'field', r.depth + 1, [`->${callee.field}`]);
      } else if (callee.kind === 'name' && callee.local) {
        for (const name of localTargets(r.fn, callee.name, storedIn)) add(r, name, c.args.length, 'local', r.depth + 1, [`->${callee.name}`]);
      } else if (callee.kind === 'name' && callee.param === undefined) {
        // A direct call that hands one of the directory's functions to a parameter the callee calls.
        const f = resolve(index, r.file, callee.name);
        if (!f) continue;
        c.args.forEach((arg, i) => {
          const through = paramCalls(f.fn, i);
          if (arg.value.kind !== 'name' || arg.value.param !== undefined || arg.value.local || through.length === 0) return;
          add(r, arg.value.name, Math.min(...through.map((t) => t.args.length)), 'argument', r.depth + 2, [f.fn.name, `->${f.fn.params[i] || `arg${i}`}`]);
        });
      }
    }
  }
  return out;
}

export function pick<T>(items: readonly T[], random: Rng): T | undefined {
  return items.length === 0 ? undefined : items[pickIndex(random, items.length)];
}

export function shuffle<T>(items: readonly T[], random: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = pickIndex(random, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** One probe per direct depth 0..maxDepth the driver has, and one pointer hop per way (PointerVia) it has one. */
export function planProbes(index: DirIndex, entry: { file: string; fn: FunctionFacts }, maxDepth: number, random: Rng): Probe[] {
  const reached = reachDirect(index, entry, maxDepth);
  const probes: Probe[] = [];
  for (let d = 0; d <= maxDepth; d++) {
    const r = pick(reached.filter((x) => x.depth === d), random);
    if (r) probes.push({ hop: 'direct', depth: d, file: r.file, fn: r.fn, chain: r.chain });
  }
  // The hop may start one call deeper than the direct probes go: ops calls sit low in a driver.
  const hops = pointerTargets(index, reachDirect(index, entry, maxDepth + 1));
  for (const via of ['field', 'argument', 'local'] as const) {
    const hop = pick(hops.filter((h) => h.via === via), random);
    if (hop) probes.push({ hop: 'pointer', via, depth: hop.depth, file: hop.file, fn: hop.fn, chain: hop.chain });
  }
  return probes;
}

export const PROBE_CALL = 'smp_call_function(irqlens_probe_fn, NULL, 1);';
const PROBE_DECL = 'void irqlens_probe_fn(void *info);';

/**
 * The text with the probe call inserted just after the `{` of each function's body, on
 * the same line so that no line moves; the dummy callback is declared on the first line
 * when that line is a comment (as SPDX headers are). Returns the probe lines, by function.
 */
export function insertProbes(text: string, fns: readonly FunctionFacts[]): { text: string; lines: Map<FunctionFacts, number> } {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offsetOf = (line: number, col: number): number => lineStarts[line] + col;
  const inserts: Array<{ at: number; fn: FunctionFacts }> = [];
  for (const fn of fns) {
    const open = text.indexOf('{', offsetOf(fn.nameSpan.end.line, fn.nameSpan.end.col));
    if (open >= 0 && open < offsetOf(fn.span.end.line, fn.span.end.col)) inserts.push({ at: open + 1, fn });
  }
  inserts.sort((a, b) => b.at - a.at);
  let out = text;
  const lines = new Map<FunctionFacts, number>();
  for (const ins of inserts) {
    out = out.slice(0, ins.at) + ` ${PROBE_CALL}` + out.slice(ins.at);
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= ins.at) line++;
    lines.set(ins.fn, line);
  }
  if (lines.size > 0 && /^\s*(\/\/|\/\*|$)/.test(out.slice(0, lineStarts[1] ?? out.length))) out = PROBE_DECL + out;
  return { text: out, lines };
}
