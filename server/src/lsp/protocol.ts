import type { SimResult, WhatIfResult } from '../sim';

/**
 * The custom protocol between the irqlens language server and its clients: command ids,
 * custom request and notification names with their parameter and result shapes, and the
 * settings the server reads. This is the ONE module both `server/` and `client/` import,
 * so it imports nothing at run time (the simulator's result types are type-only imports):
 * plain constants and types that any LSP client (VS Code, Neovim, Emacs) can follow from
 * the names alone.
 *
 * Positions and ranges are LSP's (zero-based line and UTF-16 character); files are
 * `file://` URIs unless a field says it is a file system path.
 */

/**
 * The command behind the "Simulate this path" code action, advertised in
 * `executeCommandProvider`. Arguments: `[SimulateArgs]`. `workspace/executeCommand`
 * answers with a `SimulateResult`.
 *
 * vscode-languageclient registers every advertised command itself (forwarding it to the
 * server), so the VS Code extension must not register `irqlens.simulate` again; it opens
 * its timeline from `middleware.executeCommand`, after `next()` returns the result.
 */
export const SIMULATE_COMMAND = 'irqlens.simulate';

/** Every command the server executes. */
export const SERVER_COMMANDS: readonly string[] = [SIMULATE_COMMAND];

/**
 * The same simulation as a request, for clients that prefer a request to a command
 * (and so that a client-side command palette entry can call it without a code action).
 * Params: `SimulateArgs`; result: `SimulateResult`.
 */
export const SIMULATE_REQUEST = 'irqlens/simulate';

/**
 * The findings of one file (or of the workspace when `uri` is omitted), for a client view
 * that lists findings or picks one to simulate. Params: `FindingsParams`; result: `FindingInfo[]`.
 */
export const FINDINGS_REQUEST = 'irqlens/findings';

/**
 * Sent by the server whenever the workspace index changes state (indexing started,
 * finished, re-analysed). Params: `IndexStatus`. Clients may ignore it.
 */
export const INDEX_STATUS_NOTIFICATION = 'irqlens/indexStatus';

export interface SimulateArgs {
  /** `Finding.id`, as carried in a diagnostic's `data.findingId` and the code action's arguments. */
  findingId: string;
  /** Virtual CPUs; defaults to the `irqlens.simulation.cpus` setting. */
  cpus?: number;
}

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

/** One hop of a witness path, as the server reports it. */
export interface WitnessStepInfo {
  kind: 'entry' | 'call' | 'indirect' | 'context' | 'forbidden';
  function: string;
  uri: string;
  range: LspRange;
  note: string;
  /** For `indirect`: where the function pointer was stored (`hdlr.cyh_func = fn`), at the stored name. */
  evidence?: { uri: string; range: LspRange };
}

export interface FindingInfo {
  id: string;
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  /** The most restrictive context the call can run in (`hardirq`, `softirq`, `irqs-off`, ...). */
  context: string;
  contexts: string[];
  confidence: 'direct' | 'pointer' | 'config' | 'release';
  callee: string;
  why: string;
  uri: string;
  /** The callee name token of the forbidden call. */
  range: LspRange;
  path: WitnessStepInfo[];
}

export interface FindingsParams {
  uri?: string;
}

/**
 * The simulator's answer. `simulation` is the path as written and `whatIf` the same path
 * with the forbidden call deferred to a work item (null when that variant cannot be built),
 * both the simulator's own results passed through unchanged (server/src/sim/result.ts).
 * Source locations inside them (`TraceStep.file`, one-based `line`, zero-based `col`) are
 * file system paths as the index holds them, which `vscode.Uri.file` turns into URIs.
 */
export type SimulateResult =
  | { ok: true; findingId: string; finding: FindingInfo; cpus: number; simulation: SimResult; whatIf: WhatIfResult | null }
  | { ok: false; findingId: string; error: string };

export interface IndexStatus {
  state: 'indexing' | 'ready';
  filesDone: number;
  filesTotal: number;
  findings: number;
}

/** The `workspace/configuration` section the server asks for. */
export const SETTINGS_SECTION = 'irqlens';

export type RuleSetting = 'xcall-in-atomic' | 'sleep-in-atomic';

/**
 * The settings under `irqlens` (VS Code keys in comments). Every field is optional on the
 * wire; the server validates each and falls back to `DEFAULT_SETTINGS` field by field.
 */
export interface IrqlensSettings {
  /** `irqlens.rules`: a rule id to false turns that rule off (`{"sleep-in-atomic": false}`). */
  rules: Partial<Record<RuleSetting, boolean>>;
  simulation: {
    /** `irqlens.simulation.cpus`: virtual CPUs for "Simulate this path", 2 to 8. */
    cpus: number;
    /** `irqlens.simulation.timeLimitSeconds`: the search's whole budget, 1 to 300; past it the verdict says it is not exhaustive. */
    timeLimitSeconds: number;
  };
  /**
   * `irqlens.configPath`: an extra configuration file, relative to the first workspace
   * folder, merged over each folder's `.irqlens.json`. Paths outside the workspace are ignored.
   */
  configPath: string;
  /** `irqlens.maxFiles`: index at most this many C and header files in the whole workspace. */
  maxFiles: number;
  /** `irqlens.showAllConfidences`: also report `config` and `release` findings (see Confidence). */
  showAllConfidences: boolean;
}

export const DEFAULT_SETTINGS: IrqlensSettings = {
  rules: {},
  simulation: { cpus: 2, timeLimitSeconds: 20 },
  configPath: '',
  maxFiles: 20000,
  showAllConfidences: false,
};

/** What the server stores in `Diagnostic.data` of its findings. */
export interface DiagnosticData {
  findingId: string;
}
