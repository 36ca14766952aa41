/**
 * "Simulate this path" for the server: finds the finding, hands the job to a worker thread
 * so the explorer's search never blocks other requests, and wraps the answer in the
 * protocol's SimulateResult. A cancelled request terminates its worker.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { CancellationToken } from 'vscode-languageserver';
import type { Analysis } from '../analysis';
import { toFindingInfo } from './diagnostics';
import type { SimulateArgs, SimulateResult } from './protocol';
import type { SimJob, SimJobResult } from './simJob';
import type { UriMap } from './uris';
import type { Logger, WorkspaceState } from './workspaceState';

/** Past the explorer's own time limit, how long the worker may take to report before it is stopped. */
const GRACE_MS = 10_000;
/**
 * The worker's heap, and the explorer's memory limit well under it: the explorer's estimate
 * (visited set and waiting states) is within 0.9–1.2 times the live heap, and the margin
 * covers the traces built after the search and a scenario that estimates worse. A worker
 * that still runs out is stopped by V8 and reported as such, never the server with it.
 */
const WORKER_HEAP_MB = 1536;
const EXPLORER_MEMORY_BYTES = 384 * 1024 * 1024;

export function parseSimulateArgs(raw: unknown): SimulateArgs | undefined {
  if (typeof raw === 'string') return { findingId: raw };
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.findingId !== 'string') return undefined;
  return typeof r.cpus === 'number' && Number.isInteger(r.cpus) ? { findingId: r.findingId, cpus: r.cpus } : { findingId: r.findingId };
}

function runInWorker(job: SimJob, token: CancellationToken | undefined, active: Set<Worker>, log: Logger): Promise<SimJobResult> {
  return new Promise((resolve) => {
    const worker = new Worker(path.join(__dirname, 'simWorker.js'), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    active.add(worker);
    let settled = false;
    const finish = (r: SimJobResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      active.delete(worker);
      const stopped = worker.terminate();
      // Said once the thread is really gone, so a cancelled search is seen to stop, not only to be answered.
      if (!r.ok) void stopped.then(() => log.info(`simulation of ${job.finding.id} stopped: ${r.error}`));
      resolve(r);
    };
    const deadline = job.timeLimitMs + GRACE_MS;
    const timer = setTimeout(() => finish({ ok: false, error: `the simulator did not finish in ${deadline / 1000} s` }), deadline);
    token?.onCancellationRequested(() => finish({ ok: false, error: 'cancelled' }));
    worker.on('message', (r: SimJobResult) => finish(r));
    worker.on('error', (err: Error & { code?: string }) =>
      finish({ ok: false, error: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the simulator ran out of its ${WORKER_HEAP_MB} MB heap` : `simulator failed: ${err.message}` }),
    );
    worker.on('exit', (code) => finish({ ok: false, error: `simulator exited with code ${code}` }));
  });
}

export async function simulateFinding(
  analysis: Analysis,
  state: WorkspaceState,
  uris: UriMap,
  args: SimulateArgs,
  token: CancellationToken | undefined,
  active: Set<Worker>,
  log: Logger,
): Promise<SimulateResult> {
  const finding = analysis.findings.find((f) => f.id === args.findingId);
  if (!finding) return { ok: false, findingId: args.findingId, error: `no finding ${args.findingId} in the current analysis (the file may have changed)` };
  const cpus = args.cpus ?? state.settings.simulation.cpus;
  const job: SimJob = {
    finding,
    files: [...analysis.files],
    config: state.config.config,
    cpus,
    timeLimitMs: state.settings.simulation.timeLimitSeconds * 1000,
    maxMemoryBytes: EXPLORER_MEMORY_BYTES,
  };
  // A request cancelled before it ran has a token that never fires: start no worker for it.
  if (token?.isCancellationRequested) return { ok: false, findingId: finding.id, error: 'cancelled' };
  log.info(`simulating ${finding.id} on ${cpus} CPUs for at most ${state.settings.simulation.timeLimitSeconds} s`);
  const r = await runInWorker(job, token, active, log);
  if (!r.ok) return { ok: false, findingId: finding.id, error: r.error };
  return { ok: true, findingId: finding.id, finding: toFindingInfo(finding, state, uris), cpus, simulation: r.simulation, whatIf: r.whatIf };
}
