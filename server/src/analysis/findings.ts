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
 * function-pointer hop), `config` (depends on `#if` branches that may not both be built),
 * `release` (a call on the way is made only where an object's last reference was dropped,
 * which the caller's context allows unless it may hold the last one: a protocol the code
 * does not show).
 */
export type Confidence = 'direct' | 'pointer' | 'config' | 'release';

/** Confidences a report shows only when asked for every one: they depend on what the code does not say. */
export function shownByDefault(confidence: Confidence): boolean {
  return confidence !== 'config' && confidence !== 'release';
}

/** The entry kind of a witness: what kind of interrupt or region starts it. */
export type WitnessEntryKind = EntryKind | 'irqs-off-region' | 'atomic-region';

/** One way to reach a finding's call: a witness path and what it starts at. */
export interface Witness {
  /** The function the path starts at (its first step's): the entry, or the function that opens the region. */
  entry: string;
  entryKind: WitnessEntryKind;
  /** The context the call runs in on this path. */
  context: Context;
  confidence: Confidence;
  path: WitnessStep[];
}

/** At most this many witnesses per finding, the primary one included. */
export const MAX_WITNESSES = 8;

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
  entryKind: WitnessEntryKind;
  confidence: Confidence;
  /** Why the kernel forbids the call there (from the kernel model). */
  why: string;
  /** The primary witness: the shortest path to the call in `context` from any entry or region. */
  path: WitnessStep[];
  /**
   * One shortest witness per distinct entry that reaches the call in a context the rule
   * forbids, shortest first after the primary one (which is first, with `path`), at most
   * MAX_WITNESSES. Several handlers of one driver often reach the same helper.
   */
  witnesses: Witness[];
  /** How many more entries reach the call than `witnesses` shows. */
  moreWitnesses: number;
}
