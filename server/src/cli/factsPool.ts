/**
 * Facts of many files on all cores: worker threads each read, hash, look up, parse and
 * extract (factsJob.ts); the main thread only parses the JSON they send back. Files are
 * handed out in small batches as workers free up, and each result lands at its file's
 * index, so the facts come out in the order of `files` whatever the scheduling.
 *
 * Facts cross threads as JSON strings rather than structured clones: a cache hit already
 * is JSON, a miss is encoded for the cache anyway, and JSON.parse of facts is faster than
 * V8's deserializer (BENCHMARKS.md).
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { addCacheStats, emptyCacheStats, factsFromPayload, type CacheStats } from '../factCache';
import type { FileFacts } from '../syntax';
import { addExtractTimes, cliParser, createFactsJob, createParseOnlyJob, emptyExtractTimes, type ExtractTimes } from './factsJob';

export type ToWorker = { kind: 'files'; files: Array<[number, string]> } | { kind: 'finish' };
export type FromWorker = { kind: 'ready' } | { kind: 'facts'; results: Array<[number, string]> } | { kind: 'finished'; times: ExtractTimes; cache: CacheStats };

export interface ExtractOptions {
  /** Worker threads; 1 runs in this thread. */
  jobs: number;
  /** null: no cache. */
  cacheDir: string | null;
  progress?: (done: number, total: number) => void;
  /** Parse without extracting: the benchmark's baseline, on the same threads and scheduling. */
  parseOnly?: boolean;
}

export interface Extracted {
  facts: FileFacts[];
  cache: CacheStats;
  /** Summed over workers: more than the wall time when several ran. */
  times: ExtractTimes;
  /** The main thread's JSON.parse of what the workers sent. */
  decodeMs: number;
}

const BATCH = 8;

export async function extractAll(files: readonly string[], options: ExtractOptions): Promise<Extracted> {
  const jobs = Math.max(1, Math.min(options.jobs, Math.ceil(files.length / BATCH)));
  return jobs === 1 ? extractHere(files, options) : extractInWorkers(files, { ...options, jobs });
}

async function extractHere(files: readonly string[], options: ExtractOptions): Promise<Extracted> {
  const parser = await cliParser();
  const job = options.parseOnly ? createParseOnlyJob(parser) : createFactsJob(parser, options.cacheDir);
  let decodeMs = 0;
  const facts = files.map((file, i) => {
    const payload = job.run(file);
    const t = performance.now();
    const f = factsFromPayload(payload, file);
    decodeMs += performance.now() - t;
    options.progress?.(i + 1, files.length);
    return f;
  });
  return { facts, cache: job.cacheStats(), times: job.times(), decodeMs };
}

function extractInWorkers(files: readonly string[], options: ExtractOptions): Promise<Extracted> {
  const facts: FileFacts[] = new Array<FileFacts>(files.length);
  const cache = emptyCacheStats();
  const times = emptyExtractTimes();
  let decodeMs = 0;
  let next = 0;
  let done = 0;
  let finished = 0;
  return new Promise<Extracted>((resolve, reject) => {
    const workers: Worker[] = [];
    const fail = (err: unknown): void => {
      for (const w of workers) void w.terminate();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const finishing = new Set<Worker>();
    const feed = (w: Worker): void => {
      if (next >= files.length) {
        if (!finishing.has(w)) w.postMessage({ kind: 'finish' } satisfies ToWorker);
        finishing.add(w);
        return;
      }
      const batch: Array<[number, string]> = [];
      for (; next < files.length && batch.length < BATCH; next++) batch.push([next, files[next]]);
      w.postMessage({ kind: 'files', files: batch } satisfies ToWorker);
    };
    for (let i = 0; i < options.jobs; i++) {
      const w = new Worker(path.join(__dirname, 'factsWorker.js'), { workerData: { cacheDir: options.cacheDir, parseOnly: options.parseOnly === true } });
      workers.push(w);
      w.on('error', fail);
      let reported = false;
      w.on('exit', (code) => {
        if (!reported) fail(new Error(`facts worker exited with code ${code} before finishing`));
      });
      w.on('message', (msg: FromWorker) => {
        if (msg.kind === 'ready') {
          // Two batches in flight, so a worker never waits for the main thread between batches.
          feed(w);
          feed(w);
        } else if (msg.kind === 'facts') {
          feed(w);
          const t = performance.now();
          for (const [index, payload] of msg.results) facts[index] = factsFromPayload(payload, files[index]);
          decodeMs += performance.now() - t;
          done += msg.results.length;
          options.progress?.(done, files.length);
        } else {
          reported = true;
          addExtractTimes(times, msg.times);
          addCacheStats(cache, msg.cache);
          void w.terminate();
          if (++finished === workers.length) resolve({ facts, cache, times, decodeMs });
        }
      });
    }
  });
}
