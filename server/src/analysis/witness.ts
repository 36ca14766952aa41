/**
 * Turns the propagation's edges into witness paths: from the entry's registration (or
 * the function that opens an IRQs-off region) through every call, marking function-
 * pointer hops with where the pointer was stored. The primary witness follows the first
 * edge into each node (breadth-first, so the shortest from any root); the witnesses per
 * entry search backwards from the forbidden call over every edge.
 */
import type { FnDef, Symbols } from './symbols';
import type { Location, WitnessStep } from './findings';
import type { ContextReason, EntryState } from './flow';
import { entryFromKey } from './flow';
import type { Entry } from './entryPoints';
import type { Hit, HitAt, NodeSpace, Parent, Propagation } from './propagate';

export interface WitnessRoot {
  /** The entry, or undefined for a region opened in process context. */
  entry?: Entry;
  state: EntryState;
}

export interface WitnessPath {
  steps: WitnessStep[];
  root: WitnessRoot;
  /** The node the path starts at. */
  start: number;
  /** The functions on the way. */
  defs: FnDef[];
  /** Whether a context change on the way comes from one `#if` variant of a macro defined per branch. */
  viaVariant: boolean;
  /** A call on the way is made only on an object's release path: the last-reference test that opened it. */
  lastRef?: string;
}

/** A node and the edge by which the path enters it. */
interface Link {
  node: number;
  parent: Parent;
}

function reasonStep(fn: string, file: string, reason: ContextReason): WitnessStep {
  const note = /irq/.test(reason.call) ? `${reason.call}() disables IRQs` : `${reason.call}() makes this section atomic`;
  return { kind: 'context', function: fn, location: { file, pos: reason.pos }, note };
}

/** The steps of a chain of links, root first. */
function stepsOf(chain: readonly Link[], end: number, nodes: NodeSpace, symbols: Symbols): WitnessPath {
  const steps: WitnessStep[] = [];
  const defs: FnDef[] = [];
  let viaVariant = false;
  let lastRef: string | undefined;
  let root: WitnessRoot = { state: entryFromKey(nodes.key(end)) };
  for (const { node: n, parent } of chain) {
    const def = symbols.defs[nodes.fn(n)];
    defs.push(def);
    if (parent.kind === 'entry') {
      root = { entry: parent.entry, state: parent.entry.state };
      steps.push({ kind: 'entry', function: def.facts.name, location: parent.entry.at, note: parent.entry.note });
    } else if (parent.kind === 'region') {
      root = { state: entryFromKey(nodes.key(n)) };
      steps.push({ kind: 'entry', function: def.facts.name, location: { file: def.file, pos: def.facts.nameSpan.start }, note: `${def.facts.name}() runs in process context` });
    } else {
      const caller = symbols.defs[nodes.fn(parent.from)];
      if (parent.reason) steps.push(reasonStep(caller.facts.name, caller.file, parent.reason));
      if (parent.reason?.cfg) viaVariant = true;
      lastRef ??= parent.lastRef;
      const location: Location = { file: caller.file, pos: parent.op.at };
      const release = parent.lastRef ? ` on the release path (${parent.lastRef}() true: the last reference was dropped)` : '';
      if (parent.kind === 'indirect') {
        const ev = parent.evidence;
        steps.push({
          kind: 'indirect',
          function: caller.facts.name,
          location,
          note: `calls ${def.facts.name}() through a function pointer (${ev.text})${release}`,
          evidence: { file: ev.file, pos: ev.pos },
        });
      } else {
        const via = parent.kind === 'call' && parent.viaMacro ? ` (via macro ${parent.viaMacro})` : '';
        steps.push({ kind: 'call', function: caller.facts.name, location, note: `calls ${def.facts.name}()${via}${release}` });
      }
    }
  }
  return { steps, root, start: chain[0]?.node ?? end, defs, viaVariant, ...(lastRef ? { lastRef } : {}) };
}

/** The steps that lead to `node` along first edges, ending at the function `node` stands for (its calls not included). */
export function pathTo(node: number, parents: ReadonlyMap<number, Parent>, nodes: NodeSpace, symbols: Symbols): WitnessPath {
  const chain: Link[] = [];
  let cur = node;
  for (let guard = 0; guard < 10000; guard++) {
    const parent = parents.get(cur);
    if (!parent) break;
    chain.push({ node: cur, parent });
    if (parent.kind === 'entry' || parent.kind === 'region') break;
    cur = parent.from;
  }
  return stepsOf(chain.reverse(), node, nodes, symbols);
}

/** A forbidden call, as a witness ends with it. */
export type ForbiddenSite = Pick<Hit, 'def' | 'op' | 'callee' | 'why' | 'viaMacro'>;

/** Appends the context change inside the last function (if any) and the forbidden call. */
function closeAt(path: WitnessPath, site: ForbiddenSite, { reason, lastRef }: HitAt): WitnessPath {
  if (reason) path.steps.push(reasonStep(site.def.facts.name, site.def.file, reason));
  if (reason?.cfg) path.viaVariant = true;
  path.lastRef ??= lastRef;
  const via = site.viaMacro ? ` (via macro ${site.viaMacro})` : '';
  const release = lastRef ? ` on the release path (${lastRef}() true: the last reference was dropped)` : '';
  path.steps.push({ kind: 'forbidden', function: site.def.facts.name, location: { file: site.def.file, pos: site.op.at }, note: `calls ${site.callee}()${via}${release}: ${site.why}` });
  return path;
}

/** The primary witness of a hit: the path to its function (along `parents`), the context change inside it, and the call. */
export function witnessOf(hit: Hit, parents: ReadonlyMap<number, Parent>, nodes: NodeSpace, symbols: Symbols): WitnessPath {
  return closeAt(pathTo(hit.node, parents, nodes, symbols), hit, hit);
}

export interface EntryWitnesses {
  /** Shortest first, each from a distinct entry, each with the context at the call. */
  witnesses: Array<WitnessPath & HitAt>;
  /** Further entries that reach the call, beyond `limit`. */
  more: number;
}

/**
 * One shortest witness per entry that reaches a forbidden call (from any node in `at`),
 * but for the entry node `skip` (the primary witness's): a breadth-first search backwards
 * from the call over every edge into a node, so entries are met in order of distance and
 * each ancestor is visited once. Regions in process context are not entries.
 */
export function entryWitnesses(
  at: ReadonlyMap<number, HitAt>,
  site: ForbiddenSite,
  propagation: Pick<Propagation, 'parents' | 'otherParents' | 'nodes'>,
  symbols: Symbols,
  { skip, limit }: { skip: number; limit: number },
): EntryWitnesses {
  const { parents, otherParents, nodes } = propagation;
  /** Per node reached backwards, the link toward the call (none at the call). */
  const toward = new Map<number, Link | undefined>();
  const queue = [...at.keys()];
  for (const n of queue) toward.set(n, undefined);
  const roots: Link[] = [];
  let more = 0;
  const follow = (n: number, p: Parent): void => {
    if (p.kind === 'entry') {
      if (n === skip) return;
      if (roots.length < limit) roots.push({ node: n, parent: p });
      else more++;
    } else if (p.kind !== 'region' && !toward.has(p.from)) {
      toward.set(p.from, { node: n, parent: p });
      queue.push(p.from);
    }
  };
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head];
    const first = parents.get(n);
    if (first) follow(n, first);
    for (const p of otherParents.get(n) ?? []) follow(n, p);
  }
  const witnesses = roots.flatMap((root) => {
    const chain = [root];
    for (let link = toward.get(root.node); link; link = toward.get(link.node)) chain.push(link);
    const end = chain[chain.length - 1].node;
    const hit = at.get(end);
    return hit ? [{ ...closeAt(stepsOf(chain, end, nodes, symbols), site, hit), ...hit }] : [];
  });
  return { witnesses, more };
}
