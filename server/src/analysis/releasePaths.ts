/**
 * Witnesses that avoid objects' release paths. A call made only where a last-reference
 * test was true (`if (!atomic_long_dec_and_test(&event->refcount)) return;`) runs in its
 * caller's context only when that caller dropped the last reference there, which depends
 * on who else holds one: a protocol the code does not show. A finding every path to which
 * runs through such a call gets its own confidence; one that some other path reaches is
 * reported along that path.
 */
import type { CallEdge, Parent, Propagation } from './propagate';

/**
 * The first edge into each node reachable from a root without an edge made only on a
 * release path: a breadth-first search from the roots in the search's order over every
 * other edge, so each such node gets its shortest path of that kind.
 */
export function parentsOffRelease({ parents, otherParents }: Pick<Propagation, 'parents' | 'otherParents'>): Map<number, Parent> {
  /** Per caller, the edges it makes off release paths and the node each enters. */
  const out = new Map<number, Array<{ to: number; edge: CallEdge }>>();
  const off = new Map<number, Parent>();
  const queue: number[] = [];
  const add = (to: number, p: Parent): void => {
    if (!('from' in p)) {
      off.set(to, p);
      queue.push(to);
    } else if (!p.lastRef) {
      const list = out.get(p.from);
      if (list) list.push({ to, edge: p });
      else out.set(p.from, [{ to, edge: p }]);
    }
  };
  for (const [node, p] of parents) add(node, p);
  for (const [node, list] of otherParents) for (const p of list) add(node, p);
  for (let head = 0; head < queue.length; head++) {
    for (const { to, edge } of out.get(queue[head]) ?? []) {
      if (off.has(to)) continue;
      off.set(to, edge);
      queue.push(to);
    }
  }
  return off;
}
