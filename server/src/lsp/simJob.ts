/**
 * One "Simulate this path" job as a pure function of plain data, so it can run in a worker
 * thread (the explorer may search for seconds, and the server must keep answering) and in
 * tests without one. It runs the finding as written and, beside it, the what-if with the
 * forbidden call deferred to a work item, which is what the timeline view shows.
 */
import type { Finding } from '../analysis';
import { Symbols } from '../analysis/symbols';
import { BUILTIN_MODEL, KernelIndex, type IrqlensConfig } from '../kernel';
import { buildScenario, simulate, simulateWhatIf, type FactsLookup, type SimResult, type WhatIfResult } from '../sim';
import type { FileFacts } from '../syntax/facts';

export interface SimJob {
  finding: Finding;
  files: FileFacts[];
  config: IrqlensConfig;
  cpus: number;
  /** The whole job's search budget, however many searches it runs. */
  timeLimitMs: number;
  /** The explorer's estimate of its visited set, kept under the worker's heap limit so the explorer stops first and says so. */
  maxMemoryBytes: number;
}

export type SimJobResult =
  | { ok: true; simulation: SimResult; whatIf: WhatIfResult | null; whatIfError?: string }
  | { ok: false; error: string };

export function runSimJob(job: SimJob): SimJobResult {
  const symbols = new Symbols(job.files);
  const lookup: FactsLookup = (name, fromFile) => symbols.resolve(name, fromFile).map((d) => ({ file: d.file, fn: d.facts }));
  const options = { kernel: new KernelIndex(BUILTIN_MODEL, job.config), cpus: job.cpus };
  const limits = { timeLimitMs: job.timeLimitMs, maxMemoryBytes: job.maxMemoryBytes };
  // The what-if searches twice (as written, then deferred): half the budget each, so the job ends within it.
  const whatIf = simulateWhatIf(job.finding, lookup, { ...options, whatIf: 'workqueue' }, { ...limits, timeLimitMs: job.timeLimitMs / 2 });
  if (whatIf.ok) return { ok: true, simulation: whatIf.result.before, whatIf: whatIf.result };
  // The deferred variant may not be buildable (no process context to defer to); the path as written still is.
  const built = buildScenario(job.finding, lookup, options);
  if (!built.ok) return { ok: false, error: built.error };
  return { ok: true, simulation: simulate(built.scenario, limits), whatIf: null, whatIfError: whatIf.error };
}
