/**
 * The simulator's API (the `sim` layer): pure functions from a finding and the facts of
 * the functions it reaches to a verdict with a trace. No fs, no process, no LSP: the CLI
 * and the language server call these and render the results.
 */
export { buildScenario, type BuildResult, type FactsLookup, type PeerSpec, type ScenarioOptions, type WhatIfMode } from './scenario';
export { simulate, type SimulateOptions } from './simulate';
export { simulateWhatIf, type WhatIfResult } from './whatIf';
export { toPromela, type PromelaModel } from './promela';
export { renderTimelineText, type TimelineOptions } from './timelineText';
export type { KernelLookup } from './kernelCalls';
export type { Scenario, SimFunction, Instr, Trigger } from './instructions';
export type { BlockedCpu, CpuSnapshot, SimResult, SimStats, SimTrace, TraceStep, Verdict, VerdictKind } from './result';
export type { ExploreOptions, Limit } from './explorer';
