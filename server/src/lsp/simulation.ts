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
import type { WorkspaceState } from './workspaceState';

/** The explorer's own time limit; the worker gets a little more before it is stopped. */
const TIME_LIMIT_MS = 20_000;

export function parseSimulateArgs(raw: unknown): SimulateArgs | undefined {
  if (typeof raw === 'string') return { findingId: raw };
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.findingId !== 'string') return undefined;
  return typeof r.cpus === 'number' && Number.isInteger(r.cpus) ? { findingId: r.findingId, cpus: r.cpus } : { findingId: r.findingId };
}

function runInWorker(job: SimJob, token: CancellationToken | undefined, active: Set<Worker>): Promise<SimJobResult> {
  return new Promise((resolve) => {
    const worker = new Worker(path.join(__dirname, 'simWorker.js'), { workerData: job });
    active.add(worker);
    let settled = false;
    const finish = (r: SimJobResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      active.delete(worker);
      void worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `the simulator did not finish in ${(TIME_LIMIT_MS + 10_000) / 1000} s` }), TIME_LIMIT_MS + 10_000);
    token?.onCancellationRequested(() => finish({ ok: false, error: 'cancelled' }));
    worker.on('message', (r: SimJobResult) => finish(r));
    worker.on('error', (err) => finish({ ok: false, error: `simulator failed: ${err.message}` }));
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
): Promise<SimulateResult> {
  const finding = analysis.findings.find((f) => f.id === args.findingId);
  if (!finding) return { ok: false, findingId: args.findingId, error: `no finding ${args.findingId} in the current analysis (the file may have changed)` };
  const cpus = args.cpus ?? state.settings.simulation.cpus;
  const job: SimJob = { finding, files: [...analysis.files], config: state.config.config, cpus, timeLimitMs: TIME_LIMIT_MS };
  const r = await runInWorker(job, token, active);
  if (!r.ok) return { ok: false, findingId: finding.id, error: r.error };
  return { ok: true, findingId: finding.id, finding: toFindingInfo(finding, state, uris), cpus, simulation: r.simulation, whatIf: r.whatIf };
}
