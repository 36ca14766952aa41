/**
 * A worker thread of the facts pool (factsPool.ts): its own parser and cache handle; gets
 * batches of (index, path), answers with (index, facts payload), and on `finish` sends its
 * phase times and cache counts.
 */
import { parentPort, workerData } from 'worker_threads';
import { cliParser, createFactsJob, createParseOnlyJob } from './factsJob';
import type { FromWorker, ToWorker } from './factsPool';

const port = parentPort;
if (!port) throw new Error('factsWorker runs as a worker thread');
const { cacheDir, parseOnly } = workerData as { cacheDir: string | null; parseOnly: boolean };

void cliParser().then((parser) => {
  const job = parseOnly ? createParseOnlyJob(parser) : createFactsJob(parser, cacheDir);
  port.on('message', (msg: ToWorker) => {
    const reply: FromWorker =
      msg.kind === 'files'
        ? { kind: 'facts', results: msg.files.map(([index, file]) => [index, job.run(file)]) }
        : { kind: 'finished', times: job.times(), cache: job.cacheStats() };
    port.postMessage(reply);
  });
  port.postMessage({ kind: 'ready' } satisfies FromWorker);
});
