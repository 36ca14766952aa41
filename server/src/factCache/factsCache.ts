/**
 * Facts through the cache: a file's bytes are hashed with the extractor's fingerprint; a
 * trusted entry is used as is, anything else is computed and stored. Entries that fail
 * their checks are counted with the reason and rebuilt, never trusted. Knows no files or
 * threads: storage is an injected `EntryStore`.
 */
import type { FileFacts } from '../syntax/facts';
import { cacheable, contentKey, decodeEntry, encodeEntry, factsFromPayload, factsPayload } from './entryCodec';
import type { EntryStore } from './diskStore';

export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries found but not trusted (truncated, corrupted, another format), rebuilt. */
  rebuilt: number;
  writeErrors: number;
  /** The first few reasons behind `rebuilt` and `writeErrors`, for the user. */
  notes: string[];
}

export function emptyCacheStats(): CacheStats {
  return { hits: 0, misses: 0, rebuilt: 0, writeErrors: 0, notes: [] };
}

const MAX_NOTES = 5;

export function addCacheStats(into: CacheStats, from: CacheStats): void {
  into.hits += from.hits;
  into.misses += from.misses;
  into.rebuilt += from.rebuilt;
  into.writeErrors += from.writeErrors;
  for (const n of from.notes) if (into.notes.length < MAX_NOTES) into.notes.push(n);
}

/** Milliseconds spent on the cache's own work, beside what `compute` costs. */
export interface CacheTimes {
  hash: number;
  lookup: number;
  store: number;
}

export class FactsCache {
  readonly stats = emptyCacheStats();
  readonly times: CacheTimes = { hash: 0, lookup: 0, store: 0 };

  constructor(
    private readonly store: EntryStore,
    private readonly fingerprint: string,
  ) {}

  private note(text: string): void {
    if (this.stats.notes.length < MAX_NOTES) this.stats.notes.push(text);
  }

  /**
   * The facts JSON (without path, see `factsPayload`) of a file with these bytes; `compute`
   * runs only on a miss. The payload is what worker threads send, so a hit is never parsed twice.
   */
  payloadFor(bytes: Uint8Array, compute: () => FileFacts): string {
    let t = performance.now();
    const key = contentKey(this.fingerprint, bytes);
    const hashed = performance.now();
    this.times.hash += hashed - t;
    const stored = this.store.read(key);
    if (stored) {
      // A checksum-valid payload is JSON this code wrote for this facts version.
      const entry = decodeEntry(stored);
      this.times.lookup += performance.now() - hashed;
      if (entry.ok) {
        this.stats.hits++;
        return entry.payload;
      }
      this.stats.rebuilt++;
      this.note(`cache entry ${key.slice(0, 12)}… rebuilt: ${entry.reason}`);
    } else {
      this.times.lookup += performance.now() - hashed;
      this.stats.misses++;
    }
    const facts = compute();
    t = performance.now();
    const payload = factsPayload(facts);
    if (cacheable(facts)) {
      const error = this.store.write(key, encodeEntry(payload));
      if (error !== undefined) {
        this.stats.writeErrors++;
        this.note(`cache entry not written: ${error}`);
      }
    }
    this.times.store += performance.now() - t;
    return payload;
  }

  /**
   * Facts of a file with these bytes, for callers in the same thread (the language server).
   * Even a miss returns the facts parsed back from JSON: freshly made facts hold slices of
   * the file's text, which keep the whole text alive (a third of the facts' heap,
   * bench/factsMemory.ts).
   */
  factsFor(path: string, bytes: Uint8Array, compute: () => FileFacts): FileFacts {
    return factsFromPayload(this.payloadFor(bytes, compute), path);
  }
}
