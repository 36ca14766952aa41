/** The persistent cache of per-file facts, keyed by content; see factsCache.ts. */
export { chooseCacheDir, type CacheDirChoice } from './cacheDir';
export { DiskStore, type EntryStore } from './diskStore';
export { contentKey, decodeEntry, encodeEntry, factsFromPayload, factsPayload } from './entryCodec';
export { FactsCache, addCacheStats, emptyCacheStats, type CacheStats, type CacheTimes } from './factsCache';
export { analysisFingerprint, extractorFingerprint } from './fingerprint';
