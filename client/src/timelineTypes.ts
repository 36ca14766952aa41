/**
 * The timeline's view model: what the extension posts to the webview and the webview
 * draws. Plain data with no imports, so the webview's bundle carries nothing else.
 */

/** sim/result.ts `CpuContext`, repeated so the webview depends on nothing outside client/. */
export type CpuContext = 'idle' | 'task' | 'kworker' | 'softirq' | 'hardirq' | 'nmi';

export type VerdictKind = 'deadlock' | 'warn' | 'no-deadlock';

export interface LaneCell {
  irqsOff: boolean;
  context: CpuContext;
  function: string | null;
  locks: string[];
  preempt: number;
}

export interface StepRow {
  /** Position in `TimelineRun.steps`; the webview sends it back to reveal the source line. */
  index: number;
  cpu: number;
  instruction: string;
  /** `file.c:12`, or empty for code the scenario assumed. */
  where: string;
  /** Whether the step has a source line in a real file (synthetic steps do not). */
  revealable: boolean;
  preemption: boolean;
  event: string | null;
  /** One per CPU, the state after the step. */
  lanes: LaneCell[];
}

/** An inter-processor interrupt queued by `fromCpu` for `toCpu` at step `step`. */
export interface IpiArrow {
  step: number;
  fromCpu: number;
  toCpu: number;
}

export interface StuckCpu {
  cpu: number;
  instruction: string;
  waitingFor: string;
}

export interface TimelineRun {
  label: string;
  title: string;
  cpus: number;
  verdictKind: VerdictKind;
  verdictSummary: string;
  /** "exhaustive" or what bounded the search, said plainly. */
  searchNote: string;
  steps: StepRow[];
  ipis: IpiArrow[];
  stuck: StuckCpu[];
  /** The step at which the CPUs are stuck or the kernel WARNs, if any. */
  highlightStep: number | null;
  notes: string[];
  /** Sentences a screen reader reads in order. */
  summary: string[];
}

export interface TimelineModel {
  heading: string;
  runs: TimelineRun[];
}

/** A step's source location, kept on the extension side so the webview can only name a step. */
export interface StepSource {
  file: string;
  line: number;
  col: number;
}
