/**
 * What the analysis reports: findings with witness paths. Plain values, shared by the
 * simulator (which replays a witness), the CLI (text/JSON/SARIF) and the language server.
 */
import type { Pos } from '../syntax/facts';
import type { Context, EntryKind, RuleId } from '../kernel/model';

export interface Location {
  /** Path as given to the index (absolute, or relative to the workspace root). */
  file: string;
  pos: Pos;
}

/**
 * One hop of a witness path, from the entry's registration to the forbidden call:
 * - `entry`: where the entry point was registered (the `request_irq` call, the `.function =` store)
 *   or, for an IRQs-off region, the function that opens it;
 * - `call`: a direct call site in `function`;
 * - `indirect`: a call through a function pointer in `function`; `note` says where the pointer was stored;
 * - `context`: the operation that changed the context on the way (`spin_lock_irqsave` at …);
 * - `forbidden`: the forbidden call itself.
 */
export interface WitnessStep {
  kind: 'entry' | 'call' | 'indirect' | 'context' | 'forbidden';
  /** The function the step happens in (for `entry`, the entry function). */
  function: string;
  location: Location;
  note: string;
  /** For `indirect`: where the function pointer was stored. */
  evidence?: Location;
}

export type Severity = 'error' | 'warning';

/**
 * How sure the witness is: `direct` (only direct calls), `pointer` (at least one
 * function-pointer hop), `config` (depends on `#if` branches that may not both be built).
 */
export type Confidence = 'direct' | 'pointer' | 'config';

export interface Finding {
  /** Stable across runs for the same call site and rule: `rule:file:line:col`. */
  id: string;
  rule: RuleId;
  severity: Severity;
  message: string;
  /** The most restrictive context the call can run in. */
  context: Context;
  /** Every forbidden context the call can run in (includes `context`). */
  contexts: Context[];
  /** The forbidden call site. */
  location: Location;
  callee: string;
  /** The entry kind of the witness (what kind of interrupt or region starts it). */
  entryKind: EntryKind | 'irqs-off-region' | 'atomic-region';
  confidence: Confidence;
  /** Why the kernel forbids the call there (from the kernel model). */
  why: string;
  path: WitnessStep[];
}
