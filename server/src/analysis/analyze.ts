/**
 * The analysis of a set of files: symbols, function pointers, entry points, context
 * propagation and findings, plus the queries the editor asks of them (the contexts a
 * function runs in, the state at a call site, callers and callees).
 */
import type { Cfg, FileFacts, Pos } from '../syntax/facts';
import { forEachOp } from '../syntax/walkOps';
import { globalName } from '../syntax/globalName';
import type { Context, EntryKind, KernelIndex, RuleId } from '../kernel';
import type { Confidence, Finding, Location, Witness, WitnessStep } from './findings';
import { MAX_WITNESSES } from './findings';
import type { Entry } from './entryPoints';
import { findEntries } from './entryPoints';
import type { EntryState, FlowContext, FlowState } from './flow';
import { contextOf, entryFromKey, interpret } from './flow';
import { flowContext } from './summaries';
import { PointsTo } from './pointsTo';
import type { CallTarget, Hit, HitAt, Parent, Propagation } from './propagate';
import { parentsOffRelease } from './releasePaths';
import { callTargets, propagate } from './propagate';
import { patchedPropagation } from './propagationPatch';
import { CONTEXT_ORDER, findingMessage } from './rules';
import type { FnDef } from './symbols';
import { Symbols } from './symbols';
import type { WitnessPath } from './witness';
import { BackwardGraph, entryWitnesses, pathTo, witnessOf } from './witness';

export interface AnalysisStats {
  files: number;
  functions: number;
  functionsWithErrors: number;
  errorNodes: number;
  entries: Partial<Record<EntryKind, number>>;
  nodes: number;
  findings: Partial<Record<RuleId, Partial<Record<Context, number>>>>;
}

export interface FunctionContext {
  context: Context;
  state: EntryState;
  steps: WitnessStep[];
}

/** `CONFIG_X` in one function of a path and `!CONFIG_X` in another: they cannot both be built. */
function cfgConflict(cfgs: Cfg[]): boolean {
  const seen = new Set<string>();
  for (const cfg of cfgs) for (const c of cfg) seen.add(c);
  for (const c of seen) if (seen.has(c.startsWith('!') ? c.slice(1) : `!${c}`)) return true;
  return false;
}

function rank(c: Context): number {
  return CONTEXT_ORDER.indexOf(c);
}

/** Milliseconds per phase, so the next bottleneck is visible in benchmarks. */
export interface PhaseTimes {
  symbols: number;
  pointsTo: number;
  entries: number;
  propagate: number;
  findings: number;
}

/** What the phases before the findings produce. */
export interface Phases {
  symbols: Symbols;
  pointsTo: PointsTo;
  entries: Entry[];
  flow: FlowContext;
  propagation: Propagation;
  times: Omit<PhaseTimes, 'findings'>;
}

/**
 * The phases before the findings, one step per phase: a caller that must stay responsive
 * (the language server) can yield between steps and give up when the input went stale.
 */
export function* analysisPhases(files: readonly FileFacts[], kernel: KernelIndex): Generator<void, Phases, void> {
  let t = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const d = now - t;
    t = now;
    return d;
  };
  const symbolTable = new Symbols(files);
  const symbols = lap();
  yield;
  const fileStores = files.flatMap((f) => f.stores.map((store) => ({ file: f.path, store })));
  const pointsToGraph = new PointsTo(symbolTable, fileStores);
  const pointsTo = lap();
  yield;
  const entryList = findEntries(files, symbolTable, pointsToGraph, kernel);
  const entries = lap();
  yield;
  const flow = flowContext(kernel, symbolTable);
  const propagation = propagate(flow, pointsToGraph, entryList);
  return { symbols: symbolTable, pointsTo: pointsToGraph, entries: entryList, flow, propagation, times: { symbols, pointsTo, entries, propagate: lap() } };
}

function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export class Analysis {
  readonly times: PhaseTimes;
  readonly symbols: Symbols;
  readonly pointsTo: PointsTo;
  readonly entries: Entry[];
  readonly propagation: Propagation;
  readonly findings: Finding[];
  private readonly flow: FlowContext;

  /**
   * `phases` when already computed (analysisPhases, or `reusedPhases` of an earlier
   * analysis); `findings` when they are too (`movedFindings` of an earlier analysis).
   */
  constructor(
    readonly files: readonly FileFacts[],
    readonly kernel: KernelIndex,
    phases: Phases = runToEnd(analysisPhases(files, kernel)),
    findings?: Finding[],
  ) {
    ({ symbols: this.symbols, pointsTo: this.pointsTo, entries: this.entries, flow: this.flow, propagation: this.propagation } = phases);
    const t = performance.now();
    this.findings = findings ?? this.allFindings();
    this.times = { ...phases.times, findings: performance.now() - t };
  }

  /**
   * This analysis's findings after the positions alone have moved (in place, see
   * incremental.ts): a finding holds the facts' position objects, so only its id, made
   * from its position, and the order, sorted by position, are made again. Stable sorting
   * of the old order keeps ties as `allFindings` orders them.
   */
  movedFindings(): Finding[] {
    return this.findings.map((f) => ({ ...f, id: findingId(f.rule, f.location) })).sort(compareFindings);
  }

  /**
   * This analysis's phases, for an analysis of the same facts whose positions alone have
   * moved since (see incremental.ts), which takes its findings from `movedFindings()`:
   * the ids and order are what positions change.
   */
  reusedPhases(): Phases {
    return { symbols: this.symbols, pointsTo: this.pointsTo, entries: this.entries, flow: this.flow, propagation: this.propagation, times: { symbols: 0, pointsTo: 0, entries: 0, propagate: 0 } };
  }

  /**
   * This analysis's phases with the propagation run again, for an analysis after an edit
   * that changed the bodies of `changed` and nothing the earlier phases read (see
   * localChange.ts, whose `apply` has put the new bodies in): the previous search
   * patched when the edit changed only what happens inside the kernel
   * (propagationPatch.ts), else a new search that reuses what it kept of every other
   * function. This analysis is spent afterwards. Undefined when a changed function's
   * effect on its callers' context changed (a whole analysis is needed).
   */
  propagatedAgain(changed: readonly FnDef[]): Phases | undefined {
    const t = performance.now();
    if (this.flow.summaries && !this.flow.summaries.refresh(changed)) return undefined;
    const cache = this.propagation.cache;
    // The patch leaves the cache without the old bodies, whether or not it succeeds.
    const propagation = patchedPropagation(this.propagation, changed, this.flow, this.pointsTo) ?? propagate(this.flow, this.pointsTo, this.entries, cache);
    return { symbols: this.symbols, pointsTo: this.pointsTo, entries: this.entries, flow: this.flow, propagation, times: { symbols: 0, pointsTo: 0, entries: 0, propagate: performance.now() - t } };
  }

  private allFindings(): Finding[] {
    const graph = new BackwardGraph(this.propagation);
    return [...this.propagation.hits].map(([site, hits]) => this.finding(site, hits, graph)).sort(compareFindings);
  }

  /** The first edges of paths that avoid release paths, made when a finding first needs them. */
  private offRelease: Map<number, Parent> | undefined;

  /**
   * The shortest witness of a call site; one that avoids objects' release paths when the
   * shortest runs through one and another does not, with the hit it ends in.
   */
  private primaryWitness(site: string, sorted: readonly Hit[]): { hit: Hit; primary: WitnessPath } {
    const { parents, nodes, hitNodes } = this.propagation;
    const shortest = witnessOf(sorted[0], parents, nodes, this.symbols);
    if (!shortest.lastRef) return { hit: sorted[0], primary: shortest };
    this.offRelease ??= parentsOffRelease(this.propagation);
    const off = this.offRelease;
    let best: Hit | undefined;
    for (const [node, at] of hitNodes.get(site) ?? []) {
      if (at.lastRef || !off.has(node) || (best && rank(best.context) <= rank(at.context))) continue;
      const { reason: _r, lastRef: _l, ...rest } = sorted[0];
      best = { ...rest, node, context: at.context, ...(at.reason ? { reason: at.reason } : {}) };
    }
    return best ? { hit: best, primary: witnessOf(best, off, nodes, this.symbols) } : { hit: sorted[0], primary: shortest };
  }

  private finding(site: string, hits: Hit[], graph: BackwardGraph): Finding {
    const sorted = [...hits].sort((a, b) => rank(a.context) - rank(b.context));
    const { hit, primary } = this.primaryWitness(site, sorted);
    const { steps, root } = primary;
    const first = describeWitness(primary, hit.context);
    const at = this.propagation.hitNodes.get(site) ?? new Map<number, HitAt>();
    const others = entryWitnesses(at, hit, this.propagation, this.symbols, { skip: primary.start, limit: MAX_WITNESSES - 1 }, graph.search(at.keys()));
    const entryNote = root.entry ? root.entry.note : `IRQs-off or atomic region in ${steps[0]?.function ?? hit.def.facts.name}()`;
    const file = hit.def.file;
    return {
      id: findingId(hit.rule, { file, pos: hit.op.at }),
      rule: hit.rule,
      severity: hit.rule === 'xcall-in-atomic' || hit.context === 'hardirq' || hit.context === 'nmi' ? 'error' : 'warning',
      message: findingMessage(hit.rule, hit.callee, hit.context, entryNote),
      context: hit.context,
      contexts: sorted.map((h) => h.context),
      location: { file, pos: hit.op.at },
      callee: hit.callee,
      entryKind: first.entryKind,
      confidence: first.confidence,
      why: hit.why,
      path: steps,
      witnesses: [first, ...others.witnesses.map((w) => describeWitness(w, w.context))],
      moreWitnesses: others.more,
    };
  }

  stats(): AnalysisStats {
    const entries: Partial<Record<EntryKind, number>> = {};
    for (const e of this.entries) entries[e.kind] = (entries[e.kind] ?? 0) + 1;
    const findings: AnalysisStats['findings'] = {};
    for (const f of this.findings) {
      const byContext = (findings[f.rule] ??= {});
      byContext[f.context] = (byContext[f.context] ?? 0) + 1;
    }
    return {
      files: this.files.length,
      functions: this.symbols.defs.length,
      functionsWithErrors: this.files.reduce((n, f) => n + f.health.functionsWithErrors, 0),
      errorNodes: this.files.reduce((n, f) => n + f.health.errorNodes, 0),
      entries,
      nodes: this.propagation.visited,
      findings,
    };
  }

  /** The definitions whose name or body contains `pos` in `file`. */
  functionAt(file: string, pos: Pos): FnDef | undefined {
    const inside = (s: { start: Pos; end: Pos }): boolean =>
      (pos.line > s.start.line || (pos.line === s.start.line && pos.col >= s.start.col)) && (pos.line < s.end.line || (pos.line === s.end.line && pos.col <= s.end.col));
    return this.symbols.defs.find((d) => d.file === file && inside(d.facts.span));
  }

  /** Every context `def` can run in other than plain process context, each with its shortest witness. */
  contextsOf(def: FnDef): FunctionContext[] {
    const { nodes, parents } = this.propagation;
    const byKey = new Map<number, FunctionContext>();
    for (const node of nodes.nodesOf(def.id)) {
      const key = nodes.key(node);
      if (byKey.has(key) || !parents.has(node)) continue;
      const state = entryFromKey(key);
      const context = contextOf(state);
      if (context === 'process') continue;
      const steps = pathTo(node, parents, nodes, this.symbols).steps;
      byKey.set(key, { context, state, steps });
    }
    return [...byKey.values()].sort((a, b) => rank(a.context) - rank(b.context) || a.steps.length - b.steps.length);
  }

  /** The states a call at `pos` in `def` runs in, over every context `def` is reached in. */
  statesAt(def: FnDef, pos: Pos): FlowState[] {
    const out: FlowState[] = [];
    const { nodes, parents } = this.propagation;
    const keys = new Set(nodes.nodesOf(def.id).filter((n) => parents.has(n)).map((n) => nodes.key(n)));
    for (const key of [...keys].sort((a, b) => a - b)) {
      interpret(this.flow, def, entryFromKey(key), (call, states) => {
        if (call.op.at.line === pos.line && call.op.at.col === pos.col) out.push(...states);
      });
    }
    return out;
  }

  /** Functions `def` calls, direct and through pointers, with the call sites. */
  callees(def: FnDef): Array<CallTarget & { at: Pos }> {
    const out: Array<CallTarget & { at: Pos }> = [];
    forEachOp(def.facts.body, (op) => {
      if (op.op !== 'call') return;
      for (const t of callTargets(op, globalName(op.callee), def, this.symbols, this.pointsTo, this.kernel)) out.push({ ...t, at: op.at });
    });
    return out;
  }

  /** Functions that call `def`, with the call sites. */
  callers(def: FnDef): Array<CallTarget & { at: Pos }> {
    const out: Array<CallTarget & { at: Pos }> = [];
    for (const caller of this.symbols.defs) {
      for (const c of this.callees(caller)) if (c.def === def) out.push({ def: caller, at: c.at, ...(c.indirect ? { indirect: c.indirect } : {}) });
    }
    return out;
  }
}

/** A witness path as a finding shows it: what starts it, and how sure it is. */
function describeWitness({ steps, root, defs, viaVariant, lastRef }: WitnessPath, context: Context): Witness {
  const throughPointer = steps.some((s) => s.kind === 'indirect') || root.entry?.throughPointer === true;
  const confidence: Confidence = viaVariant || cfgConflict(defs.map((d) => d.facts.cfg)) ? 'config' : lastRef ? 'release' : throughPointer ? 'pointer' : 'direct';
  const entryKind = root.entry ? root.entry.kind : context === 'atomic' ? 'atomic-region' : 'irqs-off-region';
  return { entry: steps[0]?.function ?? '', entryKind, context, confidence, path: steps };
}

/** Stable across runs for the same call site and rule. */
/** A finding's id: rule, file, 1-based line and column. */
export function findingId(rule: RuleId, { file, pos }: Location): string {
  return `${rule}:${file}:${pos.line + 1}:${pos.col + 1}`;
}

function compareFindings(a: Finding, b: Finding): number {
  return a.location.file.localeCompare(b.location.file) || a.location.pos.line - b.location.pos.line || a.location.pos.col - b.location.pos.col || a.rule.localeCompare(b.rule);
}

export function analyze(files: readonly FileFacts[], kernel: KernelIndex): Analysis {
  return new Analysis(files, kernel);
}


