/**
 * What propagation derives from the states one call runs in, whatever node it is
 * visited from: the forbidden calls each state makes (a named call only), and the
 * distinct states callees are entered in, each with the reason of the first state that
 * enters it so. The plan is all propagation keeps of a call's states, so it is made
 * once, as the call is interpreted, and the states are not kept: on a whole tree the
 * kept interpretations are about a million calls.
 */
import type { Context, ForbiddenCall, KernelIndex } from '../kernel';
import type { CallVisit, ContextReason, FlowState } from './flow';
import { ENTRY_KEYS, contextOf, entryKey, entryOf, isAtomic } from './flow';
import { violations } from './rules';

export interface PlannedHit {
  context: Context;
  reason?: ContextReason;
  found: ForbiddenCall[];
  /** The call is made there only on an object's release path: the last-reference test that opened it. */
  lastRef?: string;
}

export interface PlannedEntry {
  key: number;
  reason?: ContextReason;
  /** Every state entering so is on an object's release path: the last-reference test that opened it. */
  lastRef?: string;
}

export interface CallPlan {
  readonly hits: readonly PlannedHit[];
  readonly entries: readonly PlannedEntry[];
}

/** Most calls make no forbidden call: they share one empty list. */
const NO_HITS: readonly PlannedHit[] = Object.freeze([]);

/** Most calls enter callees in one state and for no reason of their own: one plan per state, shared. */
const PLAIN: readonly CallPlan[] = Array.from({ length: ENTRY_KEYS }, (_, key) => Object.freeze({ hits: NO_HITS, entries: Object.freeze([Object.freeze({ key })]) }));

export function planOf(kernel: KernelIndex, call: CallVisit, states: readonly FlowState[]): CallPlan {
  // Lists start as literals of their first element: an array grown by `push` from empty
  // reserves 17 slots, most of a plan's size when it holds one entry.
  let hits: PlannedHit[] | undefined;
  let entries: PlannedEntry[] | undefined;
  const chain = call.name === undefined ? undefined : kernel.chainCall(call.name);
  for (const s of states) {
    if (call.name) {
      const context = contextOf({ base: s.base, irqsOff: s.irqsOff, atomic: isAtomic(s) });
      const found = violations(kernel, call.name, call.args, context);
      if (found.length > 0) {
        const hit = { context, found, ...(s.reason ? { reason: s.reason } : {}), ...(s.lastRef ? { lastRef: s.lastRef } : {}) };
        if (hits) hits.push(hit);
        else hits = [hit];
        // A chain call reported where it is made (a blocking chain under a lock): its blocks are not entered from there, as device_add()'s drivers are not.
        if (chain) continue;
      }
    }
    const state = entryOf(s);
    // An atomic notifier chain runs its blocks under rcu_read_lock(), whatever the caller holds.
    const madeAtomic = chain?.atomic === true && !state.atomic;
    const key = entryKey(madeAtomic ? { ...state, atomic: true } : state);
    const same = entries?.find((e) => e.key === key);
    if (same) {
      if (!s.lastRef) delete same.lastRef;
      continue;
    }
    const reason = madeAtomic ? { call: call.name as string, pos: call.op.at } : s.reason;
    const entry: PlannedEntry = { key, ...(reason ? { reason } : {}), ...(s.lastRef ? { lastRef: s.lastRef } : {}) };
    if (entries) entries.push(entry);
    else entries = [entry];
  }
  if (!hits && entries?.length === 1 && !entries[0].reason && !entries[0].lastRef) return PLAIN[entries[0].key];
  return { hits: hits ?? NO_HITS, entries: entries ?? [] };
}
