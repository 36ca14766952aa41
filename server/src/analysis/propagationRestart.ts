/**
 * The search restarted from the changed functions, for an edit that changes which
 * workspace functions a function enters (a call to one added or removed, a region that
 * changes the state it enters one in), where the patch (propagationPatch.ts) cannot serve.
 *
 * The breadth-first search's order is what a fresh search must reproduce: a node is
 * reached first (its parent) from the earliest node in that order with an edge to it, and
 * nodes reached from different parents come in their parents' order, from one parent in
 * the order it emits them. So only the nodes below the changed functions' nodes in the
 * search tree, and the nodes their new edges take from an earlier parent (with everything
 * below those), have to be placed again. They are placed like Dijkstra's algorithm
 * places nodes, in the search's order: every node with an edge into them is visited again
 * (from the cache) in that order, and the first to reach a node is its parent. Nodes no
 * longer reached are dropped. The edges into the nodes whose edges changed, and the hits at
 * the call sites their visits make, are then made again in the search's order.
 *
 * Refused (undefined: the caller searches again): when a node placed again or an edge the
 * changed nodes make has a call context (the contexts are numbered in the order of the
 * search), and when the edit changes which functions the search reaches only from a
 * cycle (those are roots after everything else, see propagate.ts).
 */
import type { FlowContext } from './flow';
import { entryKey } from './flow';
import type { PlannedEntry, PlannedHit } from './callPlan';
import type { PointsTo } from './pointsTo';
import type { CachedCall } from './propagationCache';
import type { CallEdge, CallTarget, Propagation, Search } from './propagate';
import { hitKey, parentOf, recordHit, rekeyedHits, visitNode } from './propagate';
import type { FnDef } from './symbols';
import type { RuleId } from '../kernel';

/** What visiting one node did: the first edge into each node it enters, with its place among them, and its hits. */
interface Visit {
  edges: Map<number, { edge: CallEdge; index: number }>;
  hits: Array<{ hit: PlannedHit; def: FnDef; visit: CachedCall }>;
}

/**
 * `previous` (whose cache holds the new bodies of `changed`) with the search restarted
 * from `changedNodes` (the nodes of the changed functions it reached, in its order), whose
 * edges went to `before` (per node, the nodes entered, in order). On success `previous` is
 * spent: the result shares and has changed its parts.
 */
export function restartedPropagation(
  previous: Propagation,
  changed: readonly FnDef[],
  changedNodes: readonly number[],
  before: ReadonlyArray<readonly number[]>,
  calledBefore: ReadonlySet<number>,
  ctx: FlowContext,
  pointsTo: PointsTo,
): Propagation | undefined {
  const { nodes, parents, otherParents, cache, contexts, position } = previous;
  const search: Search = { ctx, pointsTo, cache, nodes, contexts };
  const changedIds = new Set(changed.map((d) => d.id));
  const called = cache.directlyCalled(ctx.symbols, ctx.kernel);
  const isCycleRoot = (n: number): boolean => parents.get(n)?.kind === 'region' && called.has(nodes.fn(n));

  const visits = new Map<number, Visit>();
  const visit = (n: number): Visit => {
    let v = visits.get(n);
    if (v) return v;
    const out: Visit = { edges: new Map(), hits: [] };
    let index = 0;
    visitNode(
      search,
      n,
      (hit, def, call) => out.hits.push({ hit, def, visit: call }),
      (id: number, call: CachedCall, target: CallTarget, entry: PlannedEntry) => {
        if (!out.edges.has(id)) out.edges.set(id, { edge: parentOf(n, call, target, entry), index });
        index++;
      },
    );
    visits.set(n, (v = out));
    return v;
  };

  // The nodes to place again: below the changed nodes in the tree, and (later) below the nodes their new edges take.
  const affected = new Set<number>();
  /** Where a node placed again sits: after its parent, at its place among the parent's edges. */
  const placed = new Map<number, { edge: CallEdge; index: number }>();
  const oldTargets = new Map<number, readonly number[]>(changedNodes.map((n, k) => [n, before[k]]));
  const targetsOf = (n: number): readonly number[] => oldTargets.get(n) ?? [...visit(n).edges.keys()];
  const below = (root: number): void => {
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      for (const t of targetsOf(n)) {
        const p = parents.get(t);
        if (p && 'from' in p && p.from === n && !affected.has(t)) {
          affected.add(t);
          stack.push(t);
        }
      }
    }
  };
  for (const n of changedNodes) below(n);

  // A function the edit made called by name is no root of its own any more; one it left
  // uncalled is one now, among the others in definition order (propagate.ts).
  const processKey = entryKey({ base: 'process', irqsOff: false, atomic: false });
  const rooted = new Map<number, number>();
  const functions = ctx.symbols.defs.length;
  const initialRoot = (fn: number): boolean => parents.get(nodes.id(fn, processKey))?.kind === 'region' && !calledBefore.has(fn) && !called.has(fn);
  if (called !== calledBefore) {
    // Roots reached only from a cycle are queued in the order of `called`, which the edit may have changed.
    const wasCycleRoot = (id: number): boolean => parents.get(nodes.id(id, processKey))?.kind === 'region' && called.has(id);
    const cycleBefore = [...calledBefore].filter(wasCycleRoot);
    const cycleNow = [...called].filter((id) => calledBefore.has(id) && wasCycleRoot(id));
    if (cycleBefore.some((id, i) => id !== cycleNow[i])) return undefined;
    const turned = [...called].filter((id) => !calledBefore.has(id));
    for (const id of calledBefore) if (!called.has(id) && !ctx.kernel.chainCall(ctx.symbols.defs[id].facts.name)) turned.push(id);
    for (const id of turned) {
      const root = nodes.id(id, processKey);
      const p = parents.get(root);
      if (p?.kind === 'entry') continue;
      if (p && !affected.has(root)) {
        affected.add(root);
        below(root);
      }
      if (called.has(id)) continue;
      // Between the roots before and after it: a place no kept node has.
      let k = id - 1;
      while (k >= 0 && !initialRoot(k)) k--;
      if (k >= 0) rooted.set(root, (position.get(nodes.id(k, processKey)) as number) + (id - k) / (functions + 1));
      else {
        k = id + 1;
        while (k < functions && !initialRoot(k)) k++;
        if (k === functions) return undefined;
        rooted.set(root, (position.get(nodes.id(k, processKey)) as number) - 1 + (id + 1) / (functions + 2));
      }
    }
  }
  const isPlaced = (n: number): boolean => placed.has(n) || rooted.has(n);

  // Comparing a placed node walks up its ancestors: past this many steps (a search's worth
  // of work) the restart gives up, and the caller searches anew.
  let steps = 0;
  const budget = 4 * previous.order.length + 10_000;
  const compare = (a: number, b: number): number => {
    steps++;
    if (a === b) return 0;
    const pa = placed.get(a);
    const pb = placed.get(b);
    if (!pa && !pb) return (rooted.get(a) ?? (position.get(a) as number)) - (rooted.get(b) ?? (position.get(b) as number));
    if (pa && pb) return pa.edge.from === pb.edge.from ? pa.index - pb.index : compare(pa.edge.from, pb.edge.from);
    return pa ? placedVsKept(pa, b) : -placedVsKept(pb as { edge: CallEdge; index: number }, a);
  };
  const placedVsKept = (pa: { edge: CallEdge; index: number }, b: number): number => {
    const pb = rooted.has(b) ? undefined : parents.get(b);
    if (!pb || !('from' in pb)) {
      // Roots come first, but for those reached only from a cycle, queued together once
      // the queue ran empty: after every node queued by then, before every node after.
      if (rooted.has(b) || !isCycleRoot(b)) return 1;
      return afterCycleRoots(pa.edge.from) ? 1 : -1;
    }
    if (pb.from === pa.edge.from) return pa.index - (visit(pb.from).edges.get(b)?.index as number);
    return compare(pa.edge.from, pb.from);
  };

  let cycleStart: number | undefined;
  const afterCycleRoots = (n: number): boolean => {
    const p = placed.get(n);
    if (p) return afterCycleRoots(p.edge.from);
    if (rooted.has(n)) return false;
    cycleStart ??= position.get(previous.order.find(isCycleRoot) ?? -1) ?? Infinity;
    return (position.get(n) as number) >= cycleStart;
  };

  // Visits in the search's order: a binary heap.
  const heap: number[] = [];
  const push = (n: number): void => {
    heap.push(n);
    for (let i = heap.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (compare(heap[up], heap[i]) <= 0) break;
      [heap[up], heap[i]] = [heap[i], heap[up]];
      i = up;
    }
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && compare(heap[l], heap[m]) < 0) m = l;
        if (r < heap.length && compare(heap[r], heap[m]) < 0) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  /** Every node with an edge into an affected node is visited again, so that the earliest one places it. */
  const pushSources = (n: number): void => {
    const p = parents.get(n);
    if (p && 'from' in p && !affected.has(p.from)) push(p.from);
    for (const e of otherParents.get(n) ?? []) if (!affected.has(e.from)) push(e.from);
  };
  // The heap holds only nodes whose place is known: kept ones, and those placed again.
  for (const n of changedNodes) if (!affected.has(n)) push(n);
  for (const n of rooted.keys()) push(n);
  for (const n of affected) pushSources(n);

  const reemits = (n: number): boolean => isPlaced(n) || (oldTargets.has(n) && !affected.has(n));
  const done = new Set<number>();
  while (heap.length > 0) {
    if (steps > budget) return undefined;
    const u = pop();
    if (done.has(u) || (affected.has(u) && !isPlaced(u))) continue;
    done.add(u);
    for (const [t, e] of visit(u).edges) {
      if (reemits(u) && nodes.ctx(t) !== 0) return undefined;
      if (isPlaced(t)) continue;
      const p = parents.get(t);
      if (!affected.has(t)) {
        if (p && !('from' in p)) {
          // A root reached only from a cycle, now reached before the queue runs empty: no root then.
          if (isCycleRoot(t) && !afterCycleRoots(u)) return undefined;
          continue;
        }
        // An earlier parent than its own: it and everything below it are placed again.
        if (p && compare(u, p.from) >= 0) continue;
        if (p) {
          const was = affected.size;
          affected.add(t);
          below(t);
          const now = [...affected].slice(was);
          for (const n of now) pushSources(n);
          // Queued as sources before, they wait to be placed now: their place in the heap is void.
          const waiting = heap.filter((n) => !affected.has(n) || isPlaced(n));
          heap.length = 0;
          for (const n of waiting) push(n);
        }
      }
      if (nodes.ctx(t) !== 0) return undefined;
      placed.set(t, e);
      push(t);
    }
  }

  const dropped = [...affected].filter((n) => !isPlaced(n));
  for (const n of [...affected, ...dropped]) if (nodes.ctx(n) !== 0) return undefined;
  // A function called by name is a root reached only from a cycle when the search reaches
  // none of its nodes before the queue first runs empty: which ones are must stay as it was.
  const reachedEarly = (fn: number): boolean => nodes.nodesOf(fn).some((n) => (isPlaced(n) || (parents.has(n) && !affected.has(n))) && !afterCycleRoots(n));
  const hasCycleRoot = (fn: number): boolean => {
    const root = nodes.id(fn, processKey);
    return isCycleRoot(root) && !affected.has(root);
  };
  for (const n of [...affected, ...placed.keys()]) {
    const fn = nodes.fn(n);
    if ((called.has(fn) && !reachedEarly(fn)) !== hasCycleRoot(fn)) return undefined;
  }

  // The edges into every node whose incoming edges changed, made again in the search's order.
  const gone = (n: number): boolean => affected.has(n) || oldTargets.has(n);
  const targets = new Set<number>(affected);
  for (const n of [...oldTargets.keys(), ...affected]) for (const t of targetsOf(n)) targets.add(t);
  /** The new edges into each node, from the nodes whose edges were made again. */
  const newEdges = new Map<number, CallEdge[]>();
  for (const [n, v] of visits) {
    if (!reemits(n)) continue;
    for (const [t, e] of v.edges) {
      targets.add(t);
      const list = newEdges.get(t);
      if (list) list.push(e.edge);
      else newEdges.set(t, [e.edge]);
    }
  }
  for (const n of dropped) {
    parents.delete(n);
    otherParents.delete(n);
  }
  /** The first edges the placed nodes had: from a node whose edges stay, such an edge is one of the others now. */
  const oldFirst = new Map<number, CallEdge>();
  for (const n of [...placed.keys(), ...rooted.keys()]) {
    const p = parents.get(n);
    if (p && 'from' in p && !gone(p.from)) oldFirst.set(n, p);
    parents.set(n, placed.get(n)?.edge ?? { kind: 'region' });
  }
  for (const t of targets) {
    const first = parents.get(t);
    if (!first) continue;
    const edges: CallEdge[] = [];
    const was = oldFirst.get(t);
    if (was) edges.push(was);
    for (const e of otherParents.get(t) ?? []) if (!gone(e.from)) edges.push(e);
    for (const e of newEdges.get(t) ?? []) edges.push(e);
    // An unchanged parent's edge stays first; its other edges, if it lost its place, join the others.
    const firstFrom = 'from' in first ? first.from : undefined;
    const others = edges.filter((e) => e.from !== firstFrom).sort((a, b) => compare(a.from, b.from));
    if (others.length > 0) otherParents.set(t, others);
    else otherParents.delete(t);
  }

  // Hits: re-keyed (positions may have moved), and those at the sites the re-placed nodes hit made again in order.
  const { hits, hitNodes } = rekeyedHits(previous, changedIds);
  const sites = new Set<string>();
  const siteOf = (h: Visit['hits'][number], rule: RuleId): string => hitKey(h.def, h.visit.op, rule);
  for (const n of [...affected, ...placed.keys(), ...rooted.keys(), ...changedNodes]) for (const h of visit(n).hits) for (const f of h.hit.found) sites.add(siteOf(h, f.rule));
  const hitters = new Set<number>();
  for (const site of sites) {
    for (const n of hitNodes.get(site)?.keys() ?? []) if (!gone(n)) hitters.add(n);
    hits.delete(site);
    hitNodes.delete(site);
  }
  for (const n of [...placed.keys(), ...rooted.keys()]) hitters.add(n);
  for (const n of changedNodes) if (!affected.has(n)) hitters.add(n);
  for (const n of [...hitters].sort(compare)) {
    for (const h of visit(n).hits) {
      if (!h.hit.found.some((f) => sites.has(siteOf(h, f.rule)))) continue;
      recordHit({ hits, hitNodes }, h.hit, n, h.def, h.visit);
    }
  }

  // The search's order again: the kept nodes in theirs, the placed ones merged in.
  const kept = previous.order.filter((n) => !affected.has(n));
  const moved = [...placed.keys(), ...rooted.keys()].sort(compare);
  const order: number[] = [];
  let i = 0;
  for (const n of moved) {
    let lo = i;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(kept[mid], n) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (; i < lo; i++) order.push(kept[i]);
    order.push(n);
  }
  for (; i < kept.length; i++) order.push(kept[i]);
  for (const n of dropped) position.delete(n);
  order.forEach((n, k) => position.set(n, k));
  return { ...previous, hits, hitNodes, visited: order.length, order, made: 'restart' };
}
