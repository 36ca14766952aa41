/**
 * Context propagation: a breadth-first search over (function, entry state) nodes from
 * every entry point, and from every function in plain process context (so that IRQs-off
 * and atomic regions inside it are roots too). Breadth-first order gives every node its
 * shortest witness; each node is interpreted once, flow-sensitively (flow.ts).
 */
import type { CallOp } from '../syntax/facts';
import type { Context, KernelIndex, RuleId } from '../kernel';
import type { Entry } from './entryPoints';
import type { ContextReason, FlowContext, FlowState } from './flow';
import { contextOf, entryFromKey, entryKey, entryOf, interpret, isAtomic } from './flow';
import type { PointerEvidence, PointsTo } from './pointsTo';
import { violations } from './rules';
import type { FnDef, Symbols } from './symbols';

/** How a node was first reached. */
export type Parent =
  | { kind: 'entry'; entry: Entry }
  | { kind: 'region' }
  | { kind: 'call'; from: number; op: CallOp; reason?: ContextReason; viaMacro?: string }
  | { kind: 'indirect'; from: number; op: CallOp; evidence: PointerEvidence; reason?: ContextReason };

/** A forbidden call reached in a forbidden context, first (so most shortly) from `node`. */
export interface Hit {
  rule: RuleId;
  callee: string;
  why: string;
  node: number;
  def: FnDef;
  op: CallOp;
  context: Context;
  reason?: ContextReason;
  viaMacro?: string;
}

export const NODE_KEYS = 16;

export function nodeId(fnId: number, key: number): number {
  return fnId * NODE_KEYS + key;
}

export interface Propagation {
  parents: Map<number, Parent>;
  /** Per call site (`file:line:col:rule`), the hits in order of discovery (one per context). */
  hits: Map<string, Hit[]>;
  /** Nodes interpreted, for stats. */
  visited: number;
}

export interface CallTarget {
  def: FnDef;
  indirect?: PointerEvidence;
}

/** The workspace functions a call can reach: a direct definition, or the targets of a function pointer. */
export function callTargets(op: CallOp, name: string | undefined, caller: FnDef, symbols: Symbols, pointsTo: PointsTo, kernel: KernelIndex): CallTarget[] {
  if (name !== undefined) {
    if (kernel.isKernelApi(name)) return [];
    const direct = symbols.resolve(name, caller.file);
    if (direct.length > 0) return direct.map((def) => ({ def }));
    // Not a function: a function-pointer variable called by name (`fp(x)`).
  }
  if (op.callee.kind === 'other') return [];
  return [...pointsTo.targets(op.callee, caller)].map(([id, evidence]) => ({ def: symbols.defs[id], indirect: evidence }));
}

export function propagate(ctx: FlowContext, pointsTo: PointsTo, entries: readonly Entry[]): Propagation {
  const { symbols, kernel } = ctx;
  const parents = new Map<number, Parent>();
  const hits = new Map<string, Hit[]>();
  const queue: number[] = [];
  const enqueue = (node: number, parent: Parent): void => {
    if (parents.has(node)) return;
    parents.set(node, parent);
    queue.push(node);
  };
  for (const entry of entries) enqueue(nodeId(entry.fn.id, entryKey(entry.state)), { kind: 'entry', entry });
  const processKey = entryKey({ base: 'process', irqsOff: false, atomic: false });
  for (const def of symbols.defs) enqueue(nodeId(def.id, processKey), { kind: 'region' });

  let visited = 0;
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    const def = symbols.defs[Math.floor(node / NODE_KEYS)];
    visited++;
    interpret(ctx, def, entryFromKey(node % NODE_KEYS), (call, states) => {
      const targets = callTargets(call.op, call.name, def, symbols, pointsTo, kernel);
      // Several states at a call often enter the callee the same way: walk the targets
      // (thousands, for a callback parameter of a busy helper) once per distinct entry.
      const entered = new Set<number>();
      for (const s of states) {
        if (call.name) recordHits(kernel, hits, call.name, call.args, s, node, def, call.op, call.viaMacro);
        const calleeKey = entryKey(entryOf(s));
        if (entered.has(calleeKey)) continue;
        entered.add(calleeKey);
        const reason = s.reason;
        for (const t of targets) {
          const id = nodeId(t.def.id, calleeKey);
          if (parents.has(id)) continue;
          enqueue(
            id,
            t.indirect
              ? { kind: 'indirect', from: node, op: call.op, evidence: t.indirect, ...(reason ? { reason } : {}) }
              : { kind: 'call', from: node, op: call.op, ...(reason ? { reason } : {}), ...(call.viaMacro ? { viaMacro: call.viaMacro } : {}) },
          );
        }
      }
    });
  }
  return { parents, hits, visited };
}

function recordHits(
  kernel: KernelIndex,
  hits: Map<string, Hit[]>,
  name: string,
  args: readonly string[],
  s: FlowState,
  node: number,
  def: FnDef,
  op: CallOp,
  viaMacro: string | undefined,
): void {
  const context = contextOf({ base: s.base, irqsOff: s.irqsOff, atomic: isAtomic(s) });
  for (const f of violations(kernel, name, args, context)) {
    const key = `${def.file}:${op.at.line}:${op.at.col}:${f.rule}`;
    const list = hits.get(key) ?? [];
    if (list.some((h) => h.context === context)) continue;
    list.push({ rule: f.rule, callee: name, why: f.why, node, def, op, context, ...(s.reason ? { reason: s.reason } : {}), ...(viaMacro ? { viaMacro } : {}) });
    hits.set(key, list);
  }
}
