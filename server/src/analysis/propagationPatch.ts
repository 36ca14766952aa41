/**
 * The cheapest re-propagation. An edit that changes what a function does inside the
 * kernel (a forbidden call added or removed, an argument typed, a delay changed) but
 * not which workspace functions it enters, in which states and how — from each of its
 * nodes, the same sequence of (callee node, pointer evidence, context reason, macro) —
 * leaves the breadth-first search as it was: the same nodes, in the same order, with the
 * same first parents. Then only the hits at the changed functions' call sites are
 * recorded again, and the parents those functions gave are made again from the new
 * calls (their call sites moved). An edit that changes the changed nodes' edges, or
 * which functions are called by name (the search's roots), restarts the search from the
 * changed nodes instead (propagationRestart.ts). Neither: nodes with a call context (a
 * binding's evidence carries its call site), an edit that changes the parameters a call
 * context binds (its callers would enter it in other contexts), and a search in which
 * some function ran out of contexts (which caller got one depended on the order).
 */
import type { FlowContext } from './flow';
import type { PointsTo } from './pointsTo';
import type { CachedCall } from './propagationCache';
import type { PlannedEntry, PlannedHit } from './callPlan';
import type { CallTarget, Propagation, Search } from './propagate';
import { parentOf, recordHit, rekeyedHits, visitNode } from './propagate';
import { restartedPropagation } from './propagationRestart';
import type { FnDef } from './symbols';
import { sameRoles } from './paramRoles';

interface Attempt {
  id: number;
  visit: CachedCall;
  target: CallTarget;
  entry: PlannedEntry;
}

/**
 * `previous` patched for the new bodies of `changed` (already in their definitions, with
 * `previous.cache` still holding the old ones), or undefined when the search would differ.
 * Either way the cache has forgotten the old bodies on return (and kept the new ones it
 * interpreted to tell). On success `previous` is spent: the result shares and has changed
 * its parts.
 */
export function patchedPropagation(previous: Propagation, changed: readonly FnDef[], ctx: FlowContext, pointsTo: PointsTo): Propagation | undefined {
  const { nodes, parents, cache, contexts } = previous;
  const { symbols, kernel } = ctx;
  const ids = new Set(changed.map((d) => d.id));
  // In the search's order: the hits they record depend on it.
  const changedNodes = changed.flatMap((d) => nodes.nodesOf(d.id).filter((n) => parents.has(n)));
  changedNodes.sort((a, b) => (previous.position.get(a) as number) - (previous.position.get(b) as number));
  if (contexts.anyCapped() || changedNodes.some((n) => nodes.ctx(n) !== 0 || !cache.has(symbols.defs[nodes.fn(n)], nodes.key(n)))) {
    cache.forget(changed, symbols, kernel);
    return undefined;
  }
  const search: Search = { ctx, pointsTo, cache, nodes, contexts };
  const newHits: Array<{ hit: PlannedHit; node: number; def: FnDef; visit: CachedCall }> = [];
  const attempts = (hits: boolean): Attempt[][] =>
    changedNodes.map((node) => {
      const out: Attempt[] = [];
      visitNode(
        search,
        node,
        (hit, def, visit) => hits && newHits.push({ hit, node, def, visit }),
        (id, visit, target, entry) => out.push({ id, visit, target, entry }),
      );
      return out;
    });
  const calledBefore = cache.directlyCalled(symbols, kernel);
  const rolesBefore = cache.paramRolesOf(symbols, pointsTo);
  const before = attempts(false);
  cache.forget(changed, symbols, kernel);
  // The cache keeps both while the changed functions call the same functions by name and
  // use their parameters alike; roles made again may still be the same.
  if (!sameRoles(cache.paramRolesOf(symbols, pointsTo), rolesBefore)) return undefined;
  const after = attempts(true);
  if (cache.directlyCalled(symbols, kernel) !== calledBefore || !before.every((b, k) => sameAttempts(b, after[k], nodes.ctx.bind(nodes)))) {
    return restartedPropagation(previous, changed, changedNodes, before.map((b) => b.map((a) => a.id)), calledBefore, ctx, pointsTo);
  }

  // The edges out of the changed nodes are made again from the new calls: the first edge
  // into a node in `parents`, the node's first edge into another in `otherParents`.
  const patched = new Set<string>();
  changedNodes.forEach((node, k) => {
    for (const a of after[k]) {
      const edge = `${a.id}/${node}`;
      if (patched.has(edge)) continue;
      patched.add(edge);
      const p = parents.get(a.id);
      if (p && 'from' in p && p.from === node) {
        parents.set(a.id, parentOf(node, a.visit, a.target, a.entry));
        continue;
      }
      const others = previous.otherParents.get(a.id);
      const i = others?.findIndex((e) => e.from === node) ?? -1;
      if (others && i >= 0) others[i] = parentOf(node, a.visit, a.target, a.entry);
    }
  });
  const { hits, hitNodes } = rekeyedHits(previous, ids);
  for (const { hit, node, def, visit } of newHits) recordHit({ hits, hitNodes }, hit, node, def, visit);
  return { ...previous, hits, hitNodes, made: 'patch' };
}

function sameAttempts(a: readonly Attempt[], b: readonly Attempt[], ctxOf: (node: number) => number): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      return x.id === y.id && ctxOf(x.id) === 0 && x.target.indirect === y.target.indirect && x.entry.reason?.call === y.entry.reason?.call && x.entry.lastRef === y.entry.lastRef && x.visit.viaMacro === y.visit.viaMacro;
    })
  );
}
