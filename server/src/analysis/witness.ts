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
export interface Link {
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
 * What the backward breadth-first search behind `entryWitnesses` found: every entry met,
 * in order of distance, and per node reached the link toward the call (none at the call).
 */
export interface BackwardSearch {
  entries: readonly Link[];
  toward(node: number): Link | undefined;
}

const NOT_A_NODE = -1;

/**
 * The propagation's edges reversed, with nodes numbered densely, for the backward
 * searches of a whole analysis's findings. The ancestors of a forbidden call can be a
 * large part of the graph (on all of drivers/, tens of thousands of nodes for a helper
 * every driver reaches) and each call searches them again, so a visit must cost little:
 * arrays indexed by dense numbers, and a stamp per search instead of new maps. A search's
 * result is valid until the next search that starts from other nodes; consecutive
 * searches from the same nodes (the forbidden calls of one function) are one search.
 */
export class BackwardGraph {
  private readonly index = new Map<number, number>();
  private readonly nodeAt: number[] = [];
  /** Per dense node, its incoming edges (the first one, then the others in order) from `edgeStart[i]` to `edgeStart[i + 1]`. */
  private readonly edgeStart: Int32Array;
  private readonly edges: Parent[] = [];
  /** Per edge, the dense number of the calling node, or NOT_A_NODE for an entry or a region. */
  private readonly edgeFrom: Int32Array;
  private readonly seenIn: Int32Array;
  private readonly towardNode: Int32Array;
  private readonly towardEdge: Int32Array;
  private readonly queue: Int32Array;
  private stamp = 0;
  private last: { from: string; search: BackwardSearch } | undefined;

  constructor({ parents, otherParents }: Pick<Propagation, 'parents' | 'otherParents'>) {
    for (const node of parents.keys()) {
      this.index.set(node, this.nodeAt.length);
      this.nodeAt.push(node);
    }
    const n = this.nodeAt.length;
    this.edgeStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const node = this.nodeAt[i];
      this.edges.push(parents.get(node) as Parent);
      for (const p of otherParents.get(node) ?? []) this.edges.push(p);
      this.edgeStart[i + 1] = this.edges.length;
    }
    this.edgeFrom = new Int32Array(this.edges.length);
    this.edges.forEach((p, e) => (this.edgeFrom[e] = 'from' in p ? (this.index.get(p.from) ?? NOT_A_NODE) : NOT_A_NODE));
    this.seenIn = new Int32Array(n);
    this.towardNode = new Int32Array(n);
    this.towardEdge = new Int32Array(n);
    this.queue = new Int32Array(n);
  }

  /** The search from the nodes that reach a forbidden call: each ancestor visited once; regions in process context are not entries. */
  search(starts: Iterable<number>): BackwardSearch {
    const startList = [...starts];
    const from = startList.join(',');
    if (this.last?.from === from) return this.last.search;
    const stamp = ++this.stamp;
    const { seenIn, towardNode, towardEdge, queue, edgeStart, edgeFrom, edges } = this;
    let tail = 0;
    for (const node of startList) {
      const i = this.index.get(node);
      if (i === undefined || seenIn[i] === stamp) continue;
      seenIn[i] = stamp;
      towardNode[i] = NOT_A_NODE;
      queue[tail++] = i;
    }
    const entries: Link[] = [];
    for (let head = 0; head < tail; head++) {
      const i = queue[head];
      for (let e = edgeStart[i]; e < edgeStart[i + 1]; e++) {
        const caller = edgeFrom[e];
        if (caller === NOT_A_NODE) {
          if (edges[e].kind === 'entry') entries.push({ node: this.nodeAt[i], parent: edges[e] });
        } else if (seenIn[caller] !== stamp) {
          seenIn[caller] = stamp;
          towardNode[caller] = i;
          towardEdge[caller] = e;
          queue[tail++] = caller;
        }
      }
    }
    const toward = (node: number): Link | undefined => {
      const i = this.index.get(node);
      if (stamp !== this.stamp || i === undefined || seenIn[i] !== stamp || towardNode[i] === NOT_A_NODE) return undefined;
      return { node: this.nodeAt[towardNode[i]], parent: edges[towardEdge[i]] };
    };
    const search = { entries, toward };
    this.last = { from, search };
    return search;
  }
}

/**
 * One shortest witness per entry that reaches a forbidden call (from any node in `at`),
 * but for the entry node `skip` (the primary witness's), from the backward search from
 * `at`'s nodes.
 */
export function entryWitnesses(
  at: ReadonlyMap<number, HitAt>,
  site: ForbiddenSite,
  propagation: Pick<Propagation, 'nodes'>,
  symbols: Symbols,
  { skip, limit }: { skip: number; limit: number },
  { entries, toward }: BackwardSearch,
): EntryWitnesses {
  const kept = entries.filter((root) => root.node !== skip);
  const roots = kept.slice(0, limit);
  const witnesses = roots.flatMap((root) => {
    const chain = [root];
    for (let link = toward(root.node); link; link = toward(link.node)) chain.push(link);
    const end = chain[chain.length - 1].node;
    const hit = at.get(end);
    return hit ? [{ ...closeAt(stepsOf(chain, end, propagation.nodes, symbols), site, hit), ...hit }] : [];
  });
  return { witnesses, more: kept.length - roots.length };
}
