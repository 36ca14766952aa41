/**
 * One file's facts as the CLI makes them, in a worker thread or in the main thread: read,
 * hash and look up in the fact cache, else parse and extract (and store). Yields the facts
 * JSON without path (`factsPayload`), which is what crosses the thread boundary.
 * Keeps the time of each phase, so benchmarks show where time goes.
 */
import { DiskStore, FactsCache, emptyCacheStats, extractorFingerprint, factsPayload, type CacheStats } from '../factCache';
import { PARSE_BUDGET_MS, createNativeParser, createWasmParser, decodeSource, emptyFacts, factsFromBytes, type CParser, type FileFacts } from '../syntax';
import { nodeReader } from './nodeReader';

/** Milliseconds per phase, summed over files (over threads, when several ran). */
export interface ExtractTimes {
  read: number;
  /** sha256 of the bytes, for the cache key. */
  hash: number;
  /** Reading and checking cache entries. */
  lookup: number;
  /** tree-sitter's parse alone. */
  parse: number;
  /** Everything else that makes facts: decoding, the pre-passes, the tree walk. */
  extract: number;
  /** Encoding facts to JSON and writing cache entries. */
  store: number;
}

export function emptyExtractTimes(): ExtractTimes {
  return { read: 0, hash: 0, lookup: 0, parse: 0, extract: 0, store: 0 };
}

export function addExtractTimes(into: ExtractTimes, from: ExtractTimes): void {
  for (const k of Object.keys(into) as Array<keyof ExtractTimes>) into[k] += from[k];
}

export interface FactsJob {
  /** The facts payload of one file. */
  run(file: string): string;
  times(): ExtractTimes;
  cacheStats(): CacheStats;
}

/**
 * The wasm parser by default: it yields the same facts as the native one (a test checks
 * it), extracts them about twice as fast (each node access into the native binding
 * crosses into C++) and frees each tree at once, where native trees wait for V8's GC.
 * See BENCHMARKS.md.
 */
export async function cliParser(): Promise<CParser> {
  try {
    return await createWasmParser();
  } catch {
    return createNativeParser();
  }
}

/** A parser that adds the time of each parse to `times.parse`. */
function timed(parser: CParser, times: ExtractTimes): CParser {
  return {
    backend: parser.backend,
    parse: (text, budgetMs, oldTree) => {
      const t = performance.now();
      try {
        return parser.parse(text, budgetMs, oldTree);
      } finally {
        times.parse += performance.now() - t;
      }
    },
    edit: (tree, edit) => parser.edit(tree, edit),
    release: (tree) => parser.release(tree),
  };
}

/** `cacheDir` null: no cache (`--no-cache`). */
export function createFactsJob(parser: CParser, cacheDir: string | null): FactsJob {
  const times = emptyExtractTimes();
  const cache = cacheDir === null ? undefined : new FactsCache(new DiskStore(cacheDir), extractorFingerprint());
  const p = timed(parser, times);
  const compute = (file: string, bytes: Uint8Array): FileFacts => {
    const t = performance.now();
    const parsedBefore = times.parse;
    const facts = factsFromBytes(p, file, bytes);
    times.extract += performance.now() - t - (times.parse - parsedBefore);
    return facts;
  };
  return {
    times: () => {
      const c = cache?.times ?? { hash: 0, lookup: 0, store: 0 };
      return { ...times, hash: c.hash, lookup: c.lookup, store: times.store + c.store };
    },
    cacheStats: () => (cache ? { ...cache.stats, notes: [...cache.stats.notes] } : emptyCacheStats()),
    run(file) {
      const t = performance.now();
      const bytes = nodeReader.read(file);
      times.read += performance.now() - t;
      if (!(bytes instanceof Uint8Array)) return factsPayload(emptyFacts(file, [{ kind: 'read-failed', message: bytes.error }]));
      if (!cache) {
        const facts = compute(file, bytes);
        const s = performance.now();
        const payload = factsPayload(facts);
        times.store += performance.now() - s;
        return payload;
      }
      return cache.payloadFor(bytes, () => compute(file, bytes));
    },
  };
}

/**
 * The benchmark's baseline on the same threads: read, decode and parse with the same
 * parser, and nothing else (the payload is empty facts).
 */
export function createParseOnlyJob(parser: CParser): FactsJob {
  const times = emptyExtractTimes();
  return {
    times: () => ({ ...times }),
    cacheStats: emptyCacheStats,
    run(file) {
      let t = performance.now();
      const bytes = nodeReader.read(file);
      times.read += performance.now() - t;
      t = performance.now();
      const decoded = bytes instanceof Uint8Array ? decodeSource(bytes) : undefined;
      const tree = decoded && 'text' in decoded ? parser.parse(decoded.text, PARSE_BUDGET_MS) : null;
      if (tree) parser.release(tree);
      times.parse += performance.now() - t;
      return factsPayload(emptyFacts(file, []));
    },
  };
}
