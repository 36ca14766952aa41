/**
 * Context propagation: a breadth-first search over (function, entry state) nodes from
 * every entry point, and from every function in plain process context (so that IRQs-off
 * and atomic regions inside it are roots too). Breadth-first order gives every node its
 * shortest witness; each node is interpreted once, flow-sensitively (flow.ts).
 */
import type { CallOp } from '../syntax/facts';
import type { Context, KernelIndex, RuleId } from '../kernel';
import type { Entry } from './entryPoints';
import type { ContextReason, FlowContext } from './flow';
import { ENTRY_KEYS, entryKey } from './flow';
import type { PointerEvidence, PointsTo } from './pointsTo';
import type { FnDef, Symbols } from './symbols';
import { CallContexts } from './callContext';
import { notifierChainsOf } from './notifierChains';
import { NO_CALLS, PropagationCache, type CachedCall } from './propagationCache';
import type { PlannedEntry, PlannedHit } from './callPlan';

/** How a node was first reached. */
export type Parent =
  | { kind: 'entry'; entry: Entry }
  | { kind: 'region' }
  | { kind: 'call'; from: number; op: CallOp; reason?: ContextReason; viaMacro?: string; lastRef?: string }
  | { kind: 'indirect'; from: number; op: CallOp; evidence: PointerEvidence; reason?: ContextReason; lastRef?: string };

/** An edge from a calling node. */
export type CallEdge = Extract<Parent, { from: number }>;

/** A forbidden call reached in a forbidden context, first (so most shortly) from `node`. */
export interface Hit {
  rule: RuleId;
  callee: string;
  why: string;
  node: number;
  def: FnDef;
  op: CallOp;
  context: Context;
  reason?: ContextReason;
  viaMacro?: string;
  /** Made only on an object's release path in `node` (the last-reference test). */
  lastRef?: string;
}

/** A node from which a forbidden call is reached, with the context and its cause at the call. */
export interface HitAt {
  context: Context;
  reason?: ContextReason;
  /** Reached from the node only on an object's release path (the last-reference test). */
  lastRef?: string;
}

export const NODE_KEYS = ENTRY_KEYS;

/**
 * Node numbers: (call context, function, entry-state key) packed into one integer, so
 * the parent map stays a map of numbers. Context 0 (no binding) is `fn * 16 + key`.
 */
export class NodeSpace {
  /** Per function, the non-zero contexts it was reached in. */
  private readonly contexts = new Map<number, Set<number>>();

  constructor(private readonly functions: number) {}

  id(fnId: number, key: number, ctx = 0): number {
    if (ctx !== 0) {
      const set = this.contexts.get(fnId) ?? new Set<number>();
      this.contexts.set(fnId, set.add(ctx));
    }
    return (ctx * this.functions + fnId) * NODE_KEYS + key;
  }

  fn(node: number): number {
    return Math.floor(node / NODE_KEYS) % this.functions;
  }

  key(node: number): number {
    return node % NODE_KEYS;
  }

  ctx(node: number): number {
    return Math.floor(Math.floor(node / NODE_KEYS) / this.functions);
  }

  /** Every node number `fnId` may have been reached as. */
  nodesOf(fnId: number): number[] {
    const out: number[] = [];
    for (const ctx of [0, ...(this.contexts.get(fnId) ?? [])]) for (let key = 0; key < NODE_KEYS; key++) out.push(this.id(fnId, key, ctx));
    return out;
  }
}

export interface Propagation {
  nodes: NodeSpace;
  parents: Map<number, Parent>;
  /** The other edges into each node (one per calling node), for a witness per entry (witness.ts). */
  otherParents: Map<number, CallEdge[]>;
  /** Per call site (`file:line:col:rule`), the hits in order of discovery (one per context). */
  hits: Map<string, Hit[]>;
  /** Per call site and rule (the keys of `hits`), every node that reaches it in a context the rule forbids. */
  hitNodes: Map<string, Map<number, HitAt>>;
  /** Nodes interpreted, for stats. */
  visited: number;
  /** What a later propagation over the same symbols and points-to sets can reuse. */
  cache: PropagationCache;
  /** The call contexts the search interned. */
  contexts: CallContexts;
  /** Every reached node in the search's order (the queue's), and each one's place in it. */
  order: number[];
  position: Map<number, number>;
  /** How it was made: a whole search, or the last one patched or restarted after a body edit (propagationPatch.ts, propagationRestart.ts). */
  made: 'search' | 'patch' | 'restart';
}

export interface CallTarget {
  def: FnDef;
  indirect?: PointerEvidence;
}

/** The workspace functions a call can reach: a direct definition, or the targets of a function pointer. */
export function callTargets(op: CallOp, name: string | undefined, caller: FnDef, symbols: Symbols, pointsTo: PointsTo, kernel: KernelIndex): CallTarget[] {
  if (name !== undefined) {
    const chain = kernel.chainCall(name);
    if (chain) return [...notifierChainsOf(symbols, pointsTo, kernel).targets(chain, op, caller)].map(([id, indirect]) => ({ def: symbols.defs[id], indirect }));
    if (kernel.isKernelApi(name)) return [];
    const direct = symbols.resolve(name, caller.file);
    if (direct.length > 0) return direct.map((def) => ({ def }));
    // Not a function: a function-pointer variable called by name (`fp(x)`).
  }
  if (op.callee.kind === 'other') return [];
  return pointerTargets(pointsTo.targets(op.callee, caller), op, symbols);
}

/**
 * The functions of a pointer set an indirect call can really reach: kCFI
 * (CONFIG_CFI_CLANG) traps a call whose target's type differs from the pointer's, and
 * the part of the type we see is the arity. A call may pass more arguments than the
 * definition names (a variadic target), never fewer; `f(void)` names one unnamed one.
 */
export function pointerTargets(set: ReadonlyMap<number, PointerEvidence>, op: CallOp, symbols: Symbols): CallTarget[] {
  const out: CallTarget[] = [];
  const given = op.args.length;
  for (const [id, evidence] of set) {
    const def = symbols.defs[id];
    const params = def.facts.params;
    const needed = params.length === 1 && params[0] === '' ? 0 : params.length;
    if (given >= needed) out.push({ def, indirect: evidence });
  }
  return out;
}

/**
 * `cache`: the interpretations of an earlier propagation over the same symbols and
 * points-to sets, minus the functions changed since (see PropagationCache).
 */
export function propagate(ctx: FlowContext, pointsTo: PointsTo, entries: readonly Entry[], cache = new PropagationCache()): Propagation {
  const { symbols, kernel } = ctx;
  const nodes = new NodeSpace(Math.max(symbols.defs.length, 1));
  const contexts = new CallContexts(symbols, pointsTo, cache.paramRolesOf(symbols, pointsTo));
  const parents = new Map<number, Parent>();
  const otherParents = new Map<number, CallEdge[]>();
  const hits = new Map<string, Hit[]>();
  const hitNodes = new Map<string, Map<number, HitAt>>();
  const queue: number[] = [];
  const position = new Map<number, number>();
  const reached = new Set<number>();
  const enqueue = (node: number, parent: Parent): void => {
    if (parents.has(node)) return;
    parents.set(node, parent);
    reached.add(nodes.fn(node));
    position.set(node, queue.length);
    queue.push(node);
  };
  for (const entry of entries) enqueue(nodes.id(entry.fn.id, entryKey(entry.state)), { kind: 'entry', entry });
  const processKey = entryKey({ base: 'process', irqsOff: false, atomic: false });
  // A function some other function calls by name is entered from each caller, with what
  // that caller passes (its regions included); only the others are roots of their own,
  // where nothing binds their parameters.
  const called = cache.directlyCalled(symbols, kernel);
  // A notifier chain call's own definition (kernel/notifier.c) is what the model's chain
  // semantics stands for: as a root, its walker would call every block of the tree.
  for (const def of symbols.defs) if (!called.has(def.id) && !kernel.chainCall(def.facts.name)) enqueue(nodes.id(def.id, processKey), { kind: 'region' });

  const search: Search = { ctx, pointsTo, cache, nodes, contexts };
  let visited = 0;
  for (let head = 0; ; head++) {
    if (head === queue.length) {
      // Called only from a cycle nothing else reaches: roots after all.
      for (const id of called) if (!reached.has(id)) enqueue(nodes.id(id, processKey), { kind: 'region' });
      if (head === queue.length) break;
    }
    const node = queue[head];
    visited++;
    visitNode(
      search,
      node,
      (hit, def, visit) => recordHit({ hits, hitNodes }, hit, node, def, visit),
      (id, visit, t, entry) => {
        const first = parents.get(id);
        if (!first) enqueue(id, parentOf(node, visit, t, entry));
        else addOtherParent(otherParents, id, first, node, visit, t, entry);
      },
    );
  }
  return { nodes, parents, otherParents, hits, hitNodes, visited, cache, contexts, order: queue, position, made: 'search' };
}

/** What visiting a node needs. */
export interface Search {
  ctx: FlowContext;
  pointsTo: PointsTo;
  cache: PropagationCache;
  nodes: NodeSpace;
  contexts: CallContexts;
}

/**
 * What visiting `node` does, in the search's order: each forbidden call it makes (`hit`)
 * and each node it enters (`edge`, also for nodes entered before).
 */
export function visitNode(
  { ctx, pointsTo, cache, nodes, contexts }: Search,
  node: number,
  hit: (hit: PlannedHit, def: FnDef, visit: CachedCall) => void,
  edge: (id: number, visit: CachedCall, target: CallTarget, entry: PlannedEntry) => void,
): void {
  const { symbols, kernel } = ctx;
  const def = symbols.defs[nodes.fn(node)];
  const nodeCtx = nodes.ctx(node);
  const slot = cache.slotOf(ctx, def, nodes.key(node));
  const unboundTargets = (visit: CachedCall): CallTarget[] => (visit.targets ??= callTargets(visit.op, visit.name, def, symbols, pointsTo, kernel));
  // Most calls (into the kernel, allowed there) do nothing: skip those. In a call context
  // a call through a parameter may do something besides.
  const acts = (v: CachedCall, viaParam: boolean): boolean => v.plan.hits.length > 0 || (v.plan.entries.length > 0 && (viaParam || unboundTargets(v).length > 0));
  const calls = nodeCtx !== 0 ? (slot.bound ??= doing(slot.calls, (v) => acts(v, throughParam(v.op.callee, def)))) : (slot.unbound ??= doing(slot.calls, (v) => acts(v, false)));
  for (const visit of calls) {
    // A constant this node's caller passed rules out the branch the call is in.
    if (!contexts.mayRun(nodeCtx, def, visit.op)) continue;
    const { plan } = visit;
    for (const h of plan.hits) hit(h, def, visit);
    const bound = contexts.boundTargets(nodeCtx, visit.op.callee, def);
    const targets = bound ? pointerTargets(bound, visit.op, symbols) : unboundTargets(visit);
    if (targets.length === 0 || plan.entries.length === 0) continue;
    // A macro's inner call has no argument values of its own: its callees are entered unbound.
    const ctxs = targets.map((t) => (visit.viaMacro ? 0 : contexts.enter(t.def, visit.op.args, def, nodeCtx, visit.op.at)));
    // Several states at a call often enter the callee the same way: walk the targets
    // (thousands, for a callback parameter of a busy helper) once per distinct entry.
    for (const entry of plan.entries) targets.forEach((t, i) => edge(nodes.id(t.def.id, entry.key, ctxs[i]), visit, t, entry));
  }
}

/** The calls `does` keeps; most slots keep none, and share one empty list. */
function doing(calls: readonly CachedCall[], does: (v: CachedCall) => boolean): readonly CachedCall[] {
  const kept = calls.filter(does);
  return kept.length === 0 ? NO_CALLS : kept.length === calls.length ? calls : kept.slice();
}

/** Whether a call context may bind the callee of a call in `def` (see CallContexts.boundTargets). */
function throughParam(callee: CallOp['callee'], def: FnDef): boolean {
  return callee.kind === 'name' ? callee.param !== undefined : callee.kind === 'field' && def.facts.params.includes(callee.base);
}

/** How `node` reaches a callee first. */
export function parentOf(node: number, { op, viaMacro }: CachedCall, t: CallTarget, { reason, lastRef }: PlannedEntry): CallEdge {
  const release = lastRef ? { lastRef } : {};
  return t.indirect
    ? { kind: 'indirect', from: node, op, evidence: t.indirect, ...(reason ? { reason } : {}), ...release }
    : { kind: 'call', from: node, op, ...(reason ? { reason } : {}), ...(viaMacro ? { viaMacro } : {}), ...release };
}

/**
 * Records a planned hit of `node` at `visit`'s call: the first hit per context in `hits`
 * (the findings' primary witnesses), and `node` among the nodes that reach the call in
 * `hitNodes` (the witnesses per entry).
 */
export function recordHit(
  { hits, hitNodes }: Pick<Propagation, 'hits' | 'hitNodes'>,
  { context, reason, found, lastRef }: PlannedHit,
  node: number,
  def: FnDef,
  { name, op, viaMacro }: CachedCall,
): void {
  for (const f of found) {
    const key = hitKey(def, op, f.rule);
    const list = hits.get(key) ?? [];
    const release = lastRef ? { lastRef } : {};
    if (!list.some((h) => h.context === context)) {
      list.push({ rule: f.rule, callee: name as string, why: f.why, node, def, op, context, ...(reason ? { reason } : {}), ...(viaMacro ? { viaMacro } : {}), ...release });
      hits.set(key, list);
    }
    const at = hitNodes.get(key) ?? new Map<number, HitAt>();
    // A node that makes the call off a release path too is kept as doing so.
    if (!at.has(node) || (at.get(node)?.lastRef && !lastRef)) at.set(node, { context, ...(reason ? { reason } : {}), ...release });
    hitNodes.set(key, at);
  }
}

/** One edge per calling node: a node's edges into `id` are the last ones made (it is visited at once). The edge is made only when kept. */
function addOtherParent(otherParents: Map<number, CallEdge[]>, id: number, first: Parent, from: number, visit: CachedCall, t: CallTarget, entry: PlannedEntry): void {
  const others = otherParents.get(id);
  if (('from' in first && first.from === from) || others?.[others.length - 1].from === from) return;
  const edge = parentOf(from, visit, t, entry);
  if (others) others.push(edge);
  else otherParents.set(id, [edge]);
}

/**
 * The hits of `previous` but those in the functions `without`, under keys made again:
 * keys carry positions, and those may have moved since they were made.
 */
export function rekeyedHits(previous: Pick<Propagation, 'hits' | 'hitNodes'>, without: ReadonlySet<number>): Pick<Propagation, 'hits' | 'hitNodes'> {
  const hits = new Map<string, Hit[]>();
  const hitNodes = new Map<string, Map<number, HitAt>>();
  for (const [key, list] of previous.hits) {
    if (without.has(list[0].def.id)) continue;
    const now = hitKey(list[0].def, list[0].op, list[0].rule);
    hits.set(now, list);
    const at = previous.hitNodes.get(key);
    if (at) hitNodes.set(now, at);
  }
  return { hits, hitNodes };
}

/** Hits are grouped by call site and rule. */
export function hitKey(def: FnDef, op: CallOp, rule: RuleId): string {
  return `${def.file}:${op.at.line}:${op.at.col}:${rule}`;
}
