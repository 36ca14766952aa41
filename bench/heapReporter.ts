/**
 * Preloaded into the language server by bench/lspSoak.ts: on SIGUSR2, appends the
 * process's memoryUsage() and V8's per-space sizes as one JSON line to IRQLENS_HEAP_FILE.
 * No GC is forced unless the server was started with --expose-gc (IRQLENS_SOAK_NODE_OPTIONS):
 * then the heap figure is the live heap after a full collection, which tells a leak from a
 * heap V8 chose to grow. With IRQLENS_HEAP_SNAPSHOT_DIR set, each sample also writes a heap
 * snapshot there, to compare what is retained at 1,000 and 10,000 edits.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { isMainThread } from 'worker_threads';

const heapFile = process.env.IRQLENS_HEAP_FILE;
const snapshotDir = process.env.IRQLENS_HEAP_SNAPSHOT_DIR;
const gc = (globalThis as { gc?: () => void }).gc;
let samples = 0;
if (heapFile && isMainThread) {
  process.on('SIGUSR2', () => {
    gc?.();
    samples++;
    if (snapshotDir) v8.writeHeapSnapshot(path.join(snapshotDir, `soak-${samples}.heapsnapshot`));
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
    fs.appendFileSync(heapFile, `${JSON.stringify({ ...process.memoryUsage(), spaces })}\n`);
  });
}
