/**
 * Preloaded into the language server by bench/lspSoak.ts: on SIGUSR2, appends the
 * process's memoryUsage() as one JSON line to IRQLENS_HEAP_FILE. No GC is forced: the
 * figures are what the server holds as it runs.
 */
import * as fs from 'fs';
import { isMainThread } from 'worker_threads';

const heapFile = process.env.IRQLENS_HEAP_FILE;
if (heapFile && isMainThread) process.on('SIGUSR2', () => fs.appendFileSync(heapFile, `${JSON.stringify(process.memoryUsage())}\n`));
