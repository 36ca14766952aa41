/**
 * The language server's disk facts through the same fact cache as the CLI, so opening a
 * workspace the CLI (or an earlier session) already indexed parses only what changed.
 * Open documents are not cached: their text changes keystroke by keystroke.
 */
import { DiskStore, FactsCache, extractorFingerprint, type CacheDirChoice } from '../factCache';
import { factsFromBytes } from '../syntax';
import type { FactsOf, Logger } from './workspaceState';

export interface CachedFacts {
  factsOf: FactsOf;
  /** One line for the log: hits, misses, entries rebuilt. */
  summary(): string;
}

export function cachedFacts(choice: CacheDirChoice, log: Logger): CachedFacts | undefined {
  if (choice.dir === null) {
    log.info(`fact cache: ${choice.reason}`);
    return undefined;
  }
  const cache = new FactsCache(new DiskStore(choice.dir), extractorFingerprint());
  log.info(`fact cache: ${choice.dir}`);
  return {
    factsOf: (parser, path, bytes) => cache.factsFor(path, bytes, () => factsFromBytes(parser, path, bytes)),
    summary: () => {
      const s = cache.stats;
      return `fact cache: ${s.hits} hits, ${s.misses} misses, ${s.rebuilt} damaged entries rebuilt, ${s.writeErrors} not written${s.notes.map((n) => `; ${n}`).join('')}`;
    },
  };
}
