/**
 * The cheapest re-propagation. An edit that changes what a function does inside the
 * kernel (a forbidden call added or removed, an argument typed, a delay changed) but
 * not which workspace functions it enters, in which states and how — from each of its
 * nodes, the same sequence of (callee node, pointer evidence, context reason, macro) —
 * leaves the breadth-first search as it was: the same nodes, in the same order, with the
 * same first parents. Then only the hits at the changed functions' call sites are
 * recorded again, and the parents those functions gave are made again from the new
 * calls (their call sites moved). Not patched: nodes with a call context (a binding's
 * evidence carries its call site), an edit that changes which functions are called by
 * name (the search's roots), and a search in which some function ran out of contexts
 * (which caller got one depended on the order).
 */
import type { ContextReason, FlowContext } from './flow';
import type { PointsTo } from './pointsTo';
import type { CachedCall } from './propagationCache';
import type { CallTarget, Hit, PlannedHit, Propagation, Search } from './propagate';
import { hitKey, parentOf, recordHits, visitNode } from './propagate';
import type { FnDef } from './symbols';

interface Attempt {
  id: number;
  visit: CachedCall;
  target: CallTarget;
  reason: ContextReason | undefined;
}

/**
 * `previous` patched for the new bodies of `changed` (already in their definitions, with
 * `previous.cache` still holding the old ones), or undefined when the search would differ.
 * On success `previous` is spent: the result shares and has changed its parts.
 */
export function patchedPropagation(previous: Propagation, changed: readonly FnDef[], ctx: FlowContext, pointsTo: PointsTo): Propagation | undefined {
  const { nodes, parents, cache, contexts } = previous;
  const ids = new Set(changed.map((d) => d.id));
  const changedNodes = [...parents.keys()].filter((n) => ids.has(nodes.fn(n)));
  if (contexts.anyCapped() || changedNodes.some((n) => nodes.ctx(n) !== 0 || !cache.has(ctx.symbols.defs[nodes.fn(n)], nodes.key(n)))) return undefined;
  const search: Search = { ctx, pointsTo, cache, nodes, contexts };
  const newHits: Array<{ hit: PlannedHit; node: number; def: FnDef; visit: CachedCall }> = [];
  const attempts = (hits: boolean): Attempt[][] =>
    changedNodes.map((node) => {
      const out: Attempt[] = [];
      visitNode(
        search,
        node,
        (hit, def, visit) => hits && newHits.push({ hit, node, def, visit }),
        (id, visit, target, reason) => out.push({ id, visit, target, reason }),
      );
      return out;
    });
  const calledBefore = [...cache.directlyCalled(ctx.symbols, ctx.kernel)];
  const before = attempts(false);
  cache.forget(ids);
  const after = attempts(true);
  const calledAfter = [...cache.directlyCalled(ctx.symbols, ctx.kernel)];
  if (calledBefore.length !== calledAfter.length || calledBefore.some((id, i) => calledAfter[i] !== id)) return undefined;
  if (!before.every((b, k) => sameAttempts(b, after[k], nodes.ctx.bind(nodes)))) return undefined;

  const patched = new Set<number>();
  changedNodes.forEach((node, k) => {
    for (const a of after[k]) {
      const p = parents.get(a.id);
      if (patched.has(a.id) || !p || (p.kind !== 'call' && p.kind !== 'indirect') || p.from !== node) continue;
      parents.set(a.id, parentOf(node, a.visit, a.target, a.reason));
      patched.add(a.id);
    }
  });
  // Keys carry positions: those of unchanged functions may have moved since they were made.
  const hits = new Map<string, Hit[]>();
  for (const list of previous.hits.values()) if (!ids.has(list[0].def.id)) hits.set(hitKey(list[0].def, list[0].op, list[0].rule), list);
  for (const { hit, node, def, visit } of newHits) recordHits(hits, hit, visit.call.name as string, node, def, visit.call.op, visit.call.viaMacro);
  return { ...previous, hits };
}

function sameAttempts(a: readonly Attempt[], b: readonly Attempt[], ctxOf: (node: number) => number): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      return x.id === y.id && ctxOf(x.id) === 0 && x.target.indirect === y.target.indirect && x.reason?.call === y.reason?.call && x.visit.call.viaMacro === y.visit.call.viaMacro;
    })
  );
}
