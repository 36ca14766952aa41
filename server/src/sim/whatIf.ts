/**
 * What-if: the same finding simulated twice, as written and with the forbidden call
 * deferred the way kernel code fixes it, so the two verdicts can be shown side by side.
 */
import type { Finding } from '../analysis/findings';
import { buildScenario, type FactsLookup, type ScenarioOptions, type WhatIfMode } from './scenario';
import { simulate, type SimulateOptions } from './simulate';
import type { SimResult } from './result';

export interface WhatIfResult {
  mode: WhatIfMode;
  before: SimResult;
  after: SimResult;
}

export function simulateWhatIf(
  finding: Finding,
  lookup: FactsLookup,
  options: ScenarioOptions & { whatIf: WhatIfMode },
  explore: SimulateOptions = {},
): { ok: true; result: WhatIfResult } | { ok: false; error: string } {
  const before = buildScenario(finding, lookup, { ...options, whatIf: undefined });
  if (!before.ok) return before;
  const after = buildScenario(finding, lookup, options);
  if (!after.ok) return after;
  return { ok: true, result: { mode: options.whatIf, before: simulate(before.scenario, explore), after: simulate(after.scenario, explore) } };
}
