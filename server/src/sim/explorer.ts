/**
 * The search over interleavings. Two modes:
 *
 * - exhaustive: explicit states with hashing, explored in order of preemption count
 *   (CHESS's iterative preemption bounding, done as one pass with a bucket per count, so
 *   each state is expanded once, at its fewest preemptions, and the first deadlock found
 *   has the fewest preemptions any deadlock needs). A preemption is a switch away from a
 *   CPU that could still step. A partial-order reduction (ample sets) runs a CPU's steps
 *   alone when they are all local (machine.ts says which), with the proviso that they
 *   lead to new states, so a local loop cannot hide other CPUs' steps forever.
 * - random: seeded random walks, for state spaces too big to exhaust; never exhaustive.
 *
 * Limits on states, time and memory end a search early, and the result says so. Time is
 * read through an injected `now()` so tests are deterministic.
 */
import { Machine, encodeState, type MachineState, type SimEvent, type Successor } from './machine';
import { mulberry32, pick } from './prng';

export interface ExploreOptions {
  mode?: 'exhaustive' | 'random';
  /** Stop raising the preemption bound past this; default unbounded. */
  maxPreemptions?: number;
  /** Distinct (state, last CPU) pairs to store at most; default 2,000,000. */
  maxStates?: number;
  /** Default 30,000 ms. */
  timeLimitMs?: number;
  /** Bound on the search's memory (visited set and waiting states), as estimated below; default 512 MiB. */
  maxMemoryBytes?: number;
  /** Milliseconds clock; default Date.now. */
  now?: () => number;
  /** Partial-order reduction; default on. */
  por?: boolean;
  /** Random mode: number of walks (default 1000), their length (default 10,000), seed (default 1). */
  walks?: number;
  walkDepth?: number;
  seed?: number;
}

/** A path from the initial state, as the index of the successor taken at each step. */
export type PathRef = number[];

export type Limit = 'states' | 'time' | 'memory';

export interface ExploreResult {
  /** A path to a state where no CPU can step and some CPU has not finished. */
  deadlock: { path: PathRef; preemptions: number } | null;
  /** The first path found to each kind of event (a WARN, a give-up), with the event. */
  events: Array<{ event: SimEvent; path: PathRef }>;
  /** True when every reachable state (up to the reduction) was explored. */
  exhaustive: boolean;
  /** The largest preemption count explored. */
  bound: number;
  limit: Limit | null;
  statesExplored: number;
  transitions: number;
  elapsedMs: number;
}

interface Node {
  state: MachineState;
  key: string;
  last: number;
  preemptions: number;
  id: number;
}

/**
 * The memory estimate. A visited state costs its key (two bytes a code are counted), its map
 * entry, its parent link and its queue node; a state waiting in a bucket also holds its
 * MachineState, whose size grows with the number of codes in its key. Counting the visited
 * set alone undercounted the live heap 4.7–5.9 times on the exploding job of
 * test/lspAbuse.test.ts; with the waiting states at 16 bytes a code, the live heap at the
 * stop is 0.93–1.18 times the limit (4–64 MiB, 5–8 CPUs; BENCHMARKS.md, "Simulator memory
 * limit"). The test there fails if the two drift three times apart.
 */
const BYTES_PER_ENTRY = 80;
const QUEUED_BYTES_PER_CODE = 16;

export function explore(machine: Machine, options: ExploreOptions = {}): ExploreResult {
  return options.mode === 'random' ? randomWalks(machine, options) : exhaustive(machine, options);
}

function hasWork(s: MachineState): boolean {
  return s.cpus.some((c) => c.stack.length > 0);
}

/**
 * Keeps the first path to each kind of event, except that a give-up explained by a CPU
 * with IRQs off replaces one that only shows a slow CPU: that is the story worth telling.
 */
function recordEvent(events: Map<string, { event: SimEvent; path: PathRef }>, e: SimEvent, path: () => PathRef): void {
  const key = e.kind === 'warn' ? e.reason : e.kind;
  const old = events.get(key);
  const better = old !== undefined && e.kind === 'gave-up' && old.event.kind === 'gave-up' && e.deaf.length > 0 && old.event.deaf.length === 0;
  if (old === undefined || better) events.set(key, { event: e, path: path() });
}

/** What a queued node's MachineState holds, estimated from its key (about one code per field). */
function queuedBytes(key: string): number {
  return key.length * QUEUED_BYTES_PER_CODE;
}

function exhaustive(machine: Machine, options: ExploreOptions): ExploreResult {
  const now = options.now ?? Date.now;
  const start = now();
  const maxStates = options.maxStates ?? 2_000_000;
  const timeLimit = options.timeLimitMs ?? 30_000;
  const maxMemory = options.maxMemoryBytes ?? 512 * 1024 * 1024;
  const maxPreemptions = options.maxPreemptions ?? Infinity;
  const por = options.por ?? true;

  // Parent links for path reconstruction: node id -> (parent id, successor index).
  const parent: number[] = [-1];
  const via: number[] = [-1];
  const pathTo = (id: number): PathRef => {
    const out: number[] = [];
    for (let n = id; parent[n] >= 0; n = parent[n]) out.push(via[n]);
    return out.reverse();
  };

  const visited = new Map<string, number>();
  let memory = 0;
  const buckets: Node[][] = [[]];
  const init = machine.initial();
  const initKey = keyOf(init, -1);
  visited.set(initKey, 0);
  memory += initKey.length * 2 + BYTES_PER_ENTRY;
  buckets[0].push({ state: init, key: initKey, last: -1, preemptions: 0, id: 0 });
  memory += queuedBytes(initKey);

  const events = new Map<string, { event: SimEvent; path: PathRef }>();
  let statesExplored = 0;
  let transitions = 0;
  let boundHit = false;
  let limit: Limit | null = null;
  let bound = 0;

  for (let p = 0; p < buckets.length; p++) {
    bound = p;
    const bucket = buckets[p];
    while (bucket.length > 0) {
      const node = bucket.pop() as Node;
      memory -= queuedBytes(node.key);
      // Reached again with fewer preemptions since it was queued: expanded there.
      if ((visited.get(node.key) ?? Infinity) < node.preemptions) continue;
      statesExplored++;
      if ((statesExplored & 1023) === 0) {
        if (now() - start > timeLimit) limit = 'time';
        else if (memory > maxMemory) limit = 'memory';
      }
      if (visited.size > maxStates) limit = 'states';
      if (limit) return finish(false);

      const succs = machine.successors(node.state);
      if (succs.length === 0) {
        if (hasWork(node.state)) {
          return { ...finish(false), deadlock: { path: pathTo(node.id), preemptions: node.preemptions } };
        }
        continue;
      }
      const lastEnabled = node.last >= 0 && succs.some((s) => s.cpu === node.last);
      const keys = succs.map((s) => keyOf(s.state, s.cpu));
      const chosen = por ? ample(succs, node.last, lastEnabled, (i) => visited.has(keys[i])) : null;
      succs.forEach((succ, index) => {
        if (chosen && !chosen.has(index)) return;
        transitions++;
        for (const e of succ.events) recordEvent(events, e, () => [...pathTo(node.id), index]);
        const np = node.preemptions + (lastEnabled && succ.cpu !== node.last ? 1 : 0);
        if (np > maxPreemptions) {
          boundHit = true;
          return;
        }
        const k = keys[index];
        const seen = visited.get(k);
        if (seen !== undefined && seen <= np) return;
        if (seen === undefined) memory += k.length * 2 + BYTES_PER_ENTRY;
        visited.set(k, np);
        const id = parent.length;
        parent.push(node.id);
        via.push(index);
        while (buckets.length <= np) buckets.push([]);
        buckets[np].push({ state: succ.state, key: k, last: succ.cpu, preemptions: np, id });
        memory += queuedBytes(k);
      });
    }
  }
  return finish(!boundHit);

  function finish(complete: boolean): ExploreResult {
    return {
      deadlock: null,
      events: [...events.values()],
      exhaustive: complete && limit === null,
      bound,
      limit,
      statesExplored,
      transitions,
      elapsedMs: now() - start,
    };
  }
}

/**
 * An ample set: one CPU's successors when all are local, preferring the CPU that ran
 * last (no preemption), or any CPU when the last one cannot step. Null means expand all.
 */
function ample(succs: Successor[], last: number, lastEnabled: boolean, isVisited: (index: number) => boolean): Set<number> | null {
  const byCpu = new Map<number, number[]>();
  succs.forEach((s, i) => {
    const list = byCpu.get(s.cpu) ?? [];
    list.push(i);
    byCpu.set(s.cpu, list);
  });
  if (byCpu.size < 2) return null;
  const candidates = lastEnabled ? [last] : [...byCpu.keys()];
  for (const cpu of candidates) {
    const mine = byCpu.get(cpu) ?? [];
    // Proviso: every ample successor must be new, so no cycle of reduced steps closes.
    if (mine.every((i) => succs[i].local) && !mine.some(isVisited)) return new Set(mine);
  }
  return null;
}

/** The visited-set key: the state and the CPU that ran last (preemptions depend on it). */
function keyOf(state: MachineState, last: number): string {
  return encodeState(state) + String.fromCharCode(last + 1);
}

function randomWalks(machine: Machine, options: ExploreOptions): ExploreResult {
  const now = options.now ?? Date.now;
  const start = now();
  const timeLimit = options.timeLimitMs ?? 30_000;
  const rng = mulberry32(options.seed ?? 1);
  const walks = options.walks ?? 1000;
  const depth = options.walkDepth ?? 10_000;
  const events = new Map<string, { event: SimEvent; path: PathRef }>();
  let statesExplored = 0;
  let transitions = 0;
  let limit: Limit | null = null;
  for (let w = 0; w < walks; w++) {
    if (now() - start > timeLimit) {
      limit = 'time';
      break;
    }
    let state = machine.initial();
    const path: number[] = [];
    for (let d = 0; d < depth; d++) {
      statesExplored++;
      const succs = machine.successors(state);
      if (succs.length === 0) {
        if (hasWork(state)) {
          return { deadlock: { path, preemptions: countPreemptions(machine, path) }, events: [...events.values()], exhaustive: false, bound: 0, limit, statesExplored, transitions, elapsedMs: now() - start };
        }
        break;
      }
      const index = pick(rng, succs.length);
      path.push(index);
      transitions++;
      for (const e of succs[index].events) recordEvent(events, e, () => path.slice());
      state = succs[index].state;
    }
  }
  return { deadlock: null, events: [...events.values()], exhaustive: false, bound: 0, limit, statesExplored, transitions, elapsedMs: now() - start };
}

/** Preemptions along a path: switches away from a CPU that could still step. */
export function countPreemptions(machine: Machine, path: PathRef): number {
  let state = machine.initial();
  let last = -1;
  let count = 0;
  for (const index of path) {
    const succs = machine.successors(state);
    const succ = succs[index];
    if (last >= 0 && succ.cpu !== last && succs.some((s) => s.cpu === last)) count++;
    last = succ.cpu;
    state = succ.state;
  }
  return count;
}
