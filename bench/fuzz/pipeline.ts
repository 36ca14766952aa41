/**
 * One fuzz input through the whole product: config parsing, facts (wasm or native parser),
 * analysis, a scenario for every finding and a short simulation of the first. The product
 * promises never to throw on bad input, so an exception here is a finding of the fuzzer,
 * returned as an outcome rather than thrown.
 */
import { analyze } from '../../server/src/analysis';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex, parseConfig, type IrqlensConfig } from '../../server/src/kernel';
import { buildScenario, simulate, type FactsLookup } from '../../server/src/sim';
import { factsFromBytes, type CParser, type FileFacts } from '../../server/src/syntax';
import type { FuzzInput } from './inputs';

/** The simulator's share of an input's budget: a bounded check that the scenario runs. */
const SIM_TIME_MS = 1000;
const SIM_MAX_STATES = 20_000;

export interface Outcome {
  /** Which phase threw, or null when every phase returned. */
  crash: null | { phase: Phase; message: string };
  backend: CParser['backend'];
  configErrors: number;
  problems: string[];
  functions: number;
  findings: number;
  scenarios: { built: number; failed: number };
  /** The first few reasons a scenario was not built. */
  scenarioErrors: string[];
  simulated: string | null;
  ms: Record<Phase, number>;
}

export type Phase = 'config' | 'facts' | 'analysis' | 'scenario' | 'simulate';

export function runPipeline(input: FuzzInput, parser: CParser): { outcome: Outcome; facts: FileFacts | null } {
  const ms: Record<Phase, number> = { config: 0, facts: 0, analysis: 0, scenario: 0, simulate: 0 };
  const outcome: Outcome = {
    crash: null,
    backend: parser.backend,
    configErrors: 0,
    problems: [],
    functions: 0,
    findings: 0,
    scenarios: { built: 0, failed: 0 },
    scenarioErrors: [],
    simulated: null,
    ms,
  };
  let facts: FileFacts | null = null;
  let phase: Phase = 'config';
  let t = performance.now();
  const lap = (next: Phase): void => {
    const now = performance.now();
    ms[phase] += now - t;
    t = now;
    phase = next;
  };
  try {
    let config: IrqlensConfig = EMPTY_CONFIG;
    if (input.config !== undefined) {
      const parsed = parseConfig(input.config);
      if (parsed.ok) config = parsed.config;
      else outcome.configErrors = parsed.errors.length;
    }
    lap('facts');
    facts = factsFromBytes(parser, input.path, input.bytes);
    outcome.problems = facts.problems.map((p) => p.kind);
    // The syntax layer turns its own exceptions into this problem: still a crash to fix.
    const failed = facts.problems.find((p) => p.kind === 'parse-failed');
    if (failed) outcome.crash = { phase, message: failed.message };
    outcome.functions = facts.functions.length;
    lap('analysis');
    const kernel = new KernelIndex(BUILTIN_MODEL, config);
    const analysis = analyze([facts], kernel);
    outcome.findings = analysis.findings.length;
    lap('scenario');
    const lookup: FactsLookup = (name, fromFile) => analysis.symbols.resolve(name, fromFile).map((d) => ({ file: d.file, fn: d.facts }));
    let first = null;
    for (const finding of analysis.findings) {
      const built = buildScenario(finding, lookup, { kernel });
      if (built.ok) {
        outcome.scenarios.built++;
        first ??= built.scenario;
      } else {
        outcome.scenarios.failed++;
        if (outcome.scenarioErrors.length < 3) outcome.scenarioErrors.push(built.error);
      }
    }
    lap('simulate');
    if (first) outcome.simulated = simulate(first, { timeLimitMs: SIM_TIME_MS, maxStates: SIM_MAX_STATES }).verdict.kind;
    lap('simulate');
  } catch (err) {
    outcome.crash = { phase, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    lap(phase);
  }
  return { outcome, facts };
}
