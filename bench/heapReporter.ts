/**
 * Preloaded into the language server by bench/lspSoak.ts: on SIGUSR2, appends the
 * process's memoryUsage() as one JSON line to IRQLENS_HEAP_FILE. No GC is forced unless the
 * server was started with --expose-gc (IRQLENS_SOAK_NODE_OPTIONS): then the heap figure is
 * the live heap after a full collection, which tells a leak from a heap V8 chose to grow.
 */
import * as fs from 'fs';
import { isMainThread } from 'worker_threads';

const heapFile = process.env.IRQLENS_HEAP_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (heapFile && isMainThread) {
  process.on('SIGUSR2', () => {
    gc?.();
    fs.appendFileSync(heapFile, `${JSON.stringify(process.memoryUsage())}\n`);
  });
}
