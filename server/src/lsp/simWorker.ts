/** Worker-thread entry for simulation jobs (see simJob.ts): one job in, one result out. */
import { parentPort, workerData } from 'worker_threads';
import { runSimJob, type SimJob, type SimJobResult } from './simJob';

function run(job: SimJob): SimJobResult {
  try {
    return runSimJob(job);
  } catch (err) {
    return { ok: false, error: `simulator failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

parentPort?.postMessage(run(workerData as SimJob));
