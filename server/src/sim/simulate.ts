/**
 * Scenario -> SimResult: runs the explorer on the machine and turns what it found into a
 * verdict (deadlock, warn or no-deadlock, saying honestly whether the search was
 * exhaustive) with the traces that show it.
 */
import type { Scenario } from './instructions';
import { Machine, type SimEvent, type WarnReason } from './machine';
import { explore, type ExploreOptions, type ExploreResult } from './explorer';
import { buildTrace } from './trace';
import type { SimResult, Verdict } from './result';

export type SimulateOptions = ExploreOptions;

export function simulate(scenario: Scenario, options: SimulateOptions = {}): SimResult {
  const machine = new Machine(scenario);
  const found = explore(machine, options);
  const warnings = found.events.map((e) => ({ reason: reasonOf(e.event), message: e.event.message, trace: buildTrace(machine, e.path, false) }));
  const deadlockTrace = found.deadlock ? buildTrace(machine, found.deadlock.path, true) : null;
  const seconds = Math.max(found.elapsedMs, 1) / 1000;
  return {
    title: scenario.title,
    cpus: scenario.cpus,
    verdict: verdictOf(found, warnings),
    trace: deadlockTrace ?? warnings[0]?.trace ?? null,
    warnings,
    stats: {
      statesExplored: found.statesExplored,
      transitions: found.transitions,
      elapsedMs: found.elapsedMs,
      statesPerSecond: Math.round(found.statesExplored / seconds),
    },
    notes: scenario.notes,
  };
}

function reasonOf(e: SimEvent): WarnReason {
  return e.kind === 'warn' ? e.reason : 'gave-up';
}

function verdictOf(found: ExploreResult, warnings: Array<{ reason: WarnReason; message: string }>): Verdict {
  const common = { exhaustive: found.exhaustive, bound: found.bound, limit: found.limit };
  const scope = found.exhaustive
    ? `in any interleaving (${found.statesExplored} states, exhaustive)`
    : found.limit
      ? `before the ${found.limit} limit (${found.statesExplored} states, not exhaustive)`
      : `within ${found.bound} preemptions (not exhaustive)`;
  if (found.deadlock) {
    const n = found.deadlock.preemptions;
    return { kind: 'deadlock', ...common, preemptions: n, summary: `deadlock: the CPUs wait for each other forever, reached with ${n} preemption${n === 1 ? '' : 's'}` };
  }
  if (warnings.length > 0) {
    const list = warnings.map((w) => ({ reason: w.reason, message: w.message }));
    return { kind: 'warn', ...common, warnings: list, summary: `no deadlock ${scope}, but: ${list.map((w) => w.message).join('; ')}` };
  }
  return { kind: 'no-deadlock', ...common, summary: `no deadlock ${scope}` };
}
