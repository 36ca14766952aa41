/**
 * Which functions a function pointer can hold: a field-based, flow-insensitive
 * inclusion analysis over the workspace's stores and call arguments.
 *
 * Abstract locations are struct fields (`cyc_handler.cyh_func`, keyed by struct type
 * where the declaration or a cast says it, else by field name alone), variables, and
 * parameters. A store `x->f = fn` puts `fn` in `x.f`; a copy `a->f = b->g` or a whole
 * struct copy flows one location into another; an argument flows into the callee's
 * parameter. Every function that reaches a location keeps the store that put it there
 * first, which the witness shows as the evidence for an indirect hop.
 *
 * A field whose struct type stays unknown, or whose struct name several drivers define
 * each for themselves, is matched only within the calling file's directory: across a
 * tree like drivers/, `ops->write` in one driver must not reach every `.write` of
 * every other driver.
 */
import * as path from 'path';
import type { Pos, StoreOp, ValueRef } from '../syntax/facts';
import { forEachOp } from '../syntax/walkOps';
import { globalName } from '../syntax/globalName';
import type { FnDef, Symbols } from './symbols';

export interface PointerEvidence {
  file: string;
  pos: Pos;
  /** What was stored where, for messages: `h.cyh_func = dtrace_state_deadman`. */
  text: string;
}

type Loc = string;
/** A copy out of a field of unknown type, read in directory `dir`, into `dst`. */
type LooseCopy = { dst: Loc; dir: string };
const UNKNOWN_TYPE = '?';
const ANY_DIR = 'any';

const EMPTY: Map<number, PointerEvidence> = new Map();

function describe(target: ValueRef): string {
  switch (target.kind) {
    case 'name':
      return target.name;
    case 'field':
      return `${target.base}.${target.field}`;
    case 'index':
      return `${target.array}[]`;
    case 'other':
      return target.text;
  }
}

export class PointsTo {
  private readonly pts = new Map<Loc, Map<number, PointerEvidence>>();
  /** Copy edges, while the sets are being solved; an edge out of a loose field location carries the directories it may deliver stores from. */
  private readonly edges = new Map<Loc, Map<Loc, Set<string> | typeof ANY_DIR>>();
  /** Loose copies' edges out of locations no function reached when they were resolved (see `defer`). */
  private readonly deferred = new Map<Loc, Array<{ copies: readonly LooseCopy[]; before: number }>>();
  /** Copies out of a field of unknown type: resolved once every field location is known. */
  private readonly looseEdges: Array<{ field: string; dst: Loc; dir: string }> = [];
  /** Field name -> every location of a field with that name, for calls through an unknown type. */
  private readonly fieldLocs = new Map<string, Set<Loc>>();
  /** Answers of `targets` for a field in a directory: the sets are fixed once solved. */
  private readonly fieldTargets = new Map<string, Map<number, PointerEvidence>>();
  /**
   * `file|field` -> the functions the file stores in a field of that name, anywhere, and
   * `file|holder.field` -> those stored through a base ending in field `holder`
   * (`priv->events_nb.notifier_call = f` under `events_nb.notifier_call`), and
   * `dir/|holder.field` -> the latter over the files of a directory.
   */
  private readonly fileFieldStores = new Map<string, Map<number, PointerEvidence>>();
  /** Global struct objects by name: the functions their initialisers put in each field (`nb = { .notifier_call = f }`). */
  private readonly objects = new Map<string, Array<{ file: string; field: string; fnId: number; evidence: PointerEvidence }>>();

  constructor(
    private readonly symbols: Symbols,
    fileStores: Iterable<{ file: string; store: StoreOp }>,
  ) {
    for (const { file, store } of fileStores) this.addStore(store, file, undefined);
    for (const def of symbols.defs) {
      forEachOp(def.facts.body, (op) => {
        if (op.op === 'store') {
          this.addStore(op, def.file, def);
          return;
        }
        const name = op.op === 'call' ? globalName(op.callee) : undefined;
        if (op.op !== 'call' || name === undefined) return;
        for (const callee of symbols.resolve(name, def.file)) this.addArgs(op.args.map((a) => a.value), def, callee, op.at);
      });
    }
    this.solve();
    // Arguments of indirect calls flow into the parameters of the functions they reach.
    let added = false;
    for (const def of symbols.defs) {
      forEachOp(def.facts.body, (op) => {
        if (op.op !== 'call' || (op.callee.kind === 'name' && symbols.resolve(op.callee.name, def.file).length > 0)) return;
        for (const id of this.targets(op.callee, def).keys()) {
          added = this.addArgs(op.args.map((a) => a.value), def, symbols.defs[id], op.at) || added;
        }
      });
    }
    if (added) this.solve();
    // The sets are final: the copy edges were read only to solve them, and on a large
    // tree they are most of this object (drivers/net: 175 of 197 MB of heap).
    this.edges.clear();
    this.deferred.clear();
  }

  /** The location a value denotes inside `fn` (or at file scope), if it can hold a pointer; remembers field locations by name. */
  private loc(value: ValueRef, fn: FnDef | undefined): Loc | undefined {
    const loc = this.locOf(value, fn);
    if (loc !== undefined && value.kind === 'field') {
      const set = this.fieldLocs.get(value.field) ?? new Set<Loc>();
      set.add(loc);
      this.fieldLocs.set(value.field, set);
    }
    return loc;
  }

  private locOf(value: ValueRef, fn: FnDef | undefined): Loc | undefined {
    switch (value.kind) {
      case 'field':
        return `F:${this.fieldType(value) ?? UNKNOWN_TYPE}.${value.field}`;
      case 'name':
        if (fn && value.param !== undefined) return `P:${fn.id}:${value.param}`;
        if (fn && value.local) return `V:${fn.id}:${value.name}`;
        return `V:${value.name}`;
      case 'index':
        return `V:${value.array}`;
      case 'other':
        return undefined;
    }
  }

  /** The struct type a field reference goes through, from its declaration or its chain. */
  fieldType(value: ValueRef & { kind: 'field' }): string | undefined {
    if (value.structType) return this.symbols.structName(value.structType);
    return value.chain ? this.symbols.chainType(value.chain.root, value.chain.fields) : undefined;
  }

  /** A value that names a workspace function directly. */
  private functionsNamed(value: ValueRef, file: string): FnDef[] {
    const name = globalName(value);
    return name === undefined ? [] : this.symbols.resolve(name, file);
  }

  private addStore(store: StoreOp, file: string, fn: FnDef | undefined): void {
    const dst = this.loc(store.target, fn);
    if (!dst) return;
    const fns = this.functionsNamed(store.value, file);
    if (fns.length > 0) {
      const evidence = { file, pos: store.at, text: `${describe(store.target)} = ${store.valueText}` };
      for (const f of fns) this.seed(dst, f.id, evidence);
      if (store.target.kind === 'field') {
        const holder = /(?:->|\.)(\w+)$/.exec(store.target.base)?.[1];
        const through = holder ? [`${file}|${holder}.${store.target.field}`, `${path.dirname(file)}/|${holder}.${store.target.field}`] : [];
        for (const key of [`${file}|${store.target.field}`, ...through]) {
          const inFile = this.fileFieldStores.get(key) ?? new Map<number, PointerEvidence>();
          for (const f of fns) if (!inFile.has(f.id)) inFile.set(f.id, evidence);
          this.fileFieldStores.set(key, inFile);
        }
      }
      // A file-scope initialiser of a named object: what that very object holds.
      if (!fn && store.target.kind === 'field' && /^\w+$/.test(store.target.base)) {
        const list = this.objects.get(store.target.base) ?? [];
        for (const f of fns) list.push({ file, field: store.target.field, fnId: f.id, evidence });
        this.objects.set(store.target.base, list);
      }
      return;
    }
    this.addCopy(store.value, fn, file, dst);
  }

  /**
   * A copy of `value` (read in `file`) into `dst`. A field read resolves like a call
   * through it (see `targets`): a field of unknown type, or of a struct each driver
   * defines for itself, delivers only the stores made in the reading file's directory.
   */
  private addCopy(value: ValueRef, fn: FnDef | undefined, file: string, dst: Loc): boolean {
    const src = this.loc(value, fn);
    if (!src) return false;
    if (value.kind !== 'field') return this.addEdge(src, dst, ANY_DIR);
    const dir = path.dirname(file);
    const known = this.fieldType(value);
    if (known === undefined) {
      this.looseEdges.push({ field: value.field, dst, dir });
      return true;
    }
    const added = this.addEdge(src, dst, this.symbols.isPerDriverStruct(known) ? dir : ANY_DIR);
    return this.addEdge(`F:${UNKNOWN_TYPE}.${value.field}`, dst, dir) || added;
  }

  private addArgs(args: ValueRef[], caller: FnDef, callee: FnDef, at: Pos): boolean {
    let added = false;
    args.forEach((value, i) => {
      if (i >= callee.facts.params.length) return;
      const dst = `P:${callee.id}:${i}`;
      const fns = this.functionsNamed(value, caller.file);
      const evidence = { file: caller.file, pos: at, text: `${callee.facts.name}(…${describe(value)}…) in ${caller.facts.name}` };
      for (const f of fns) added = this.seed(dst, f.id, evidence) || added;
      if (fns.length === 0) added = this.addCopy(value, caller, caller.file, dst) || added;
    });
    return added;
  }

  private seed(loc: Loc, fnId: number, evidence: PointerEvidence): boolean {
    const set = this.pts.get(loc) ?? new Map<number, PointerEvidence>();
    this.pts.set(loc, set);
    if (set.has(fnId)) return false;
    set.set(fnId, evidence);
    return true;
  }

  private addEdge(src: Loc, dst: Loc, dir: string): boolean {
    if (src === dst) return false;
    const outs = this.edges.get(src) ?? new Map<Loc, Set<string> | typeof ANY_DIR>();
    this.edges.set(src, outs);
    const dirs = outs.get(dst);
    if (dirs === ANY_DIR) return false;
    if (dir === ANY_DIR) {
      outs.set(dst, ANY_DIR);
      return true;
    }
    if (dirs?.has(dir)) return false;
    outs.set(dst, (dirs ?? new Set<string>()).add(dir));
    return true;
  }

  /**
   * The locations a function can reach, over the copy edges and the loose copies `byField` (out of a
   * field of unknown type, which read every location of a field of that name), ignoring
   * the directories an edge delivers from: a superset of the locations that will hold one.
   * A loose copy becomes an edge from each location of its field, and across drivers/ a
   * field like `dev` has hundreds of locations read by hundreds of such copies; an edge
   * from a location no function reaches would never be followed, so only these are made.
   */
  private mayHoldFunctions(byField: ReadonlyMap<string, readonly LooseCopy[]>): Set<Loc> {
    const pending = new Map(byField);
    const live = new Set<Loc>(this.pts.keys());
    const work = [...live];
    const reach = (loc: Loc): void => {
      if (live.has(loc)) return;
      live.add(loc);
      work.push(loc);
    };
    while (work.length > 0) {
      const loc = work.pop() as Loc;
      for (const dst of this.edges.get(loc)?.keys() ?? []) reach(dst);
      for (const { copies } of this.deferred.get(loc) ?? []) for (const { dst } of copies) reach(dst);
      if (!loc.startsWith('F:')) continue;
      // `F:type.field`: a type is a C identifier (or `?`), so the field follows the first dot.
      const field = loc.slice(loc.indexOf('.') + 1);
      const copies = pending.get(field);
      if (!copies) continue;
      pending.delete(field);
      for (const { dst } of copies) reach(dst);
    }
    return live;
  }

  /**
   * A loose copy's edge out of a location no function reaches yet: made if a later solve
   * (after the arguments of indirect calls) finds one does, where it would have been made
   * first, before the edges added since, so that sets fill in the same order.
   */
  private defer(src: Loc, copies: readonly LooseCopy[]): void {
    const at = { copies, before: this.edges.get(src)?.size ?? 0 };
    const known = this.deferred.get(src);
    if (known) known.push(at);
    else this.deferred.set(src, [at]);
  }

  private addDeferred(live: ReadonlySet<Loc>): void {
    for (const [src, rounds] of this.deferred) {
      if (!live.has(src)) continue;
      this.deferred.delete(src);
      const since = [...(this.edges.get(src) ?? [])];
      this.edges.set(src, new Map());
      let done = 0;
      const replay = (upTo: number): void => {
        for (const [dst, dirs] of since.slice(done, upTo)) {
          if (dirs === ANY_DIR) this.addEdge(src, dst, ANY_DIR);
          else for (const dir of dirs) this.addEdge(src, dst, dir);
        }
        done = upTo;
      };
      for (const { copies, before } of rounds) {
        replay(before);
        for (const { dst, dir } of copies) this.addEdge(src, dst, dir);
      }
      replay(since.length);
    }
  }

  /** Propagates along copy edges until nothing changes. */
  private solve(): void {
    this.fieldTargets.clear();
    const byField = new Map<string, LooseCopy[]>();
    for (const { field, dst, dir } of this.looseEdges.splice(0)) {
      const copies = byField.get(field);
      if (copies) copies.push({ dst, dir });
      else byField.set(field, [{ dst, dir }]);
    }
    const live = this.mayHoldFunctions(byField);
    this.addDeferred(live);
    for (const [field, copies] of byField) {
      for (const src of this.fieldLocs.get(field) ?? []) {
        if (!live.has(src)) {
          this.defer(src, copies);
          continue;
        }
        for (const { dst, dir } of copies) this.addEdge(src, dst, dir);
      }
    }
    const work: Loc[] = [...this.pts.keys()];
    while (work.length > 0) {
      const src = work.pop() as Loc;
      const from = this.pts.get(src);
      const outs = this.edges.get(src);
      if (!from || !outs) continue;
      for (const [dst, dirs] of outs) {
        let changed = false;
        for (const [id, ev] of from) if (dirs === ANY_DIR || dirs.has(path.dirname(ev.file))) changed = this.seed(dst, id, ev) || changed;
        if (changed) work.push(dst);
      }
    }
  }

  /**
   * Whether passing `value` (read in `fn`) as an argument can carry a function: it names
   * one, or a location it is copied from holds one. An argument that cannot only adds
   * copy edges out of empty locations, which change no set: an edit that adds or removes
   * only such arguments leaves every set as it was.
   */
  mayCarryFunctions(value: ValueRef, fn: FnDef): boolean {
    if (this.functionsNamed(value, fn.file).length > 0) return true;
    switch (value.kind) {
      case 'field': {
        const known = this.fieldType(value);
        const sources = known === undefined ? [...(this.fieldLocs.get(value.field) ?? [])] : [`F:${known}.${value.field}`, `F:${UNKNOWN_TYPE}.${value.field}`];
        return sources.some((l) => this.at(l).size > 0);
      }
      default: {
        const loc = this.locOf(value, fn);
        return loc !== undefined && this.at(loc).size > 0;
      }
    }
  }

  private at(loc: Loc): Map<number, PointerEvidence> {
    return this.pts.get(loc) ?? EMPTY;
  }

  /**
   * The global object `name` as seen from `file` (its own file's definition first, then
   * its directory's, then any), if a file-scope initialiser stores functions in it.
   */
  object(name: string, file: string): string | undefined {
    const all = this.objects.get(name);
    if (!all) return undefined;
    const own = all.find((o) => o.file === file) ?? all.find((o) => path.dirname(o.file) === path.dirname(file)) ?? all[0];
    return `${own.file}|${name}`;
  }

  /** The functions an object's initialiser put in `field`; undefined when it put none there. */
  objectField(object: string, field: string): Map<number, PointerEvidence> | undefined {
    const bar = object.lastIndexOf('|');
    const file = object.slice(0, bar);
    const out = new Map<number, PointerEvidence>();
    for (const o of this.objects.get(object.slice(bar + 1)) ?? []) if (o.file === file && o.field === field) out.set(o.fnId, o.evidence);
    return out.size > 0 ? out : undefined;
  }

  /**
   * The locations a field of unknown type may be: every field of that name, but when its
   * chain stops at a struct defined outside the workspace (`outside`: `tp_event->class->reg`,
   * with `trace_event_call` in include/), not those of structs the workspace defines
   * (kernel/trace's `event_command.reg`): a field of an outside struct has a type declared
   * outside too.
   */
  private looseLocs(callee: ValueRef & { kind: 'field' }, outside: boolean): Loc[] {
    const all = [...(this.fieldLocs.get(callee.field) ?? [])];
    if (!outside) return all;
    return all.filter((l) => {
      const type = l.slice(2, l.length - callee.field.length - 1);
      return type === UNKNOWN_TYPE || !this.symbols.definesStruct(type);
    });
  }

  /** Every function `file` stores in a field named `field` (of any struct, anywhere in the file); with `holder`, only through a base ending in that field. */
  storedInFile(file: string, field: string, holder?: string): ReadonlyMap<number, PointerEvidence> {
    return this.fileFieldStores.get(holder === undefined ? `${file}|${field}` : `${file}|${holder}.${field}`) ?? EMPTY;
  }

  /** Every function the files of directory `dir` store in field `field` through a base ending in field `holder`. */
  storedInDir(dir: string, field: string, holder: string): ReadonlyMap<number, PointerEvidence> {
    return this.fileFieldStores.get(`${dir}/|${holder}.${field}`) ?? EMPTY;
  }

  /** Every function any caller passes for parameter `index` of `fn` (context-insensitive). */
  paramTargets(fn: FnDef, index: number): ReadonlyMap<number, PointerEvidence> {
    return this.at(`P:${fn.id}:${index}`);
  }

  /**
   * The functions a call through `callee` (or a callback argument) can reach from `fn`.
   * A field of a known struct type also reaches what was stored through an unknown
   * type; a field of unknown type reaches every struct's field of that name.
   */
  targets(callee: ValueRef, fn: FnDef | undefined): Map<number, PointerEvidence> {
    if (callee.kind === 'field') {
      const known = this.fieldType(callee);
      const dir = fn ? path.dirname(fn.file) : undefined;
      const outside = known === undefined && callee.chain !== undefined && this.symbols.chainLeavesWorkspace(callee.chain.root, callee.chain.fields);
      const key = `${known ?? UNKNOWN_TYPE}.${callee.field}|${dir ?? ''}|${outside ? 1 : 0}`;
      const cached = this.fieldTargets.get(key);
      if (cached) return cached;
      const exact = known ? this.at(`F:${known}.${callee.field}`) : EMPTY;
      // A struct defined outside the workspace (`mdio_if_info`, `mii_phy_ops`) is filled
      // by many drivers: a directory that fills the field itself calls its own, as a
      // name several directories define links to the caller's own.
      const ownFirst = known !== undefined && !this.symbols.definesStruct(known) && [...exact.values()].some((ev) => path.dirname(ev.file) === dir);
      const perDriver = known !== undefined && (ownFirst || this.symbols.isPerDriverStruct(known));
      const out = new Map<number, PointerEvidence>();
      for (const [id, ev] of exact) if (!perDriver || path.dirname(ev.file) === dir) out.set(id, ev);
      const loose = known ? [`F:${UNKNOWN_TYPE}.${callee.field}`] : this.looseLocs(callee, outside);
      for (const l of loose) {
        for (const [id, ev] of this.at(l)) if (!out.has(id) && path.dirname(ev.file) === dir) out.set(id, ev);
      }
      this.fieldTargets.set(key, out);
      return out;
    }
    const loc = this.loc(callee, fn);
    return loc ? this.at(loc) : new Map();
  }
}
