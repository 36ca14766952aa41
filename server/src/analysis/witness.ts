/**
 * Turns the propagation's parent links into witness paths: from the entry's
 * registration (or the function that opens an IRQs-off region) through every call,
 * marking function-pointer hops with where the pointer was stored.
 */
import type { FnDef, Symbols } from './symbols';
import type { Location, WitnessStep } from './findings';
import type { ContextReason, EntryState } from './flow';
import { entryFromKey } from './flow';
import type { Entry } from './entryPoints';
import type { Hit, NodeSpace, Parent } from './propagate';

export interface WitnessRoot {
  /** The entry, or undefined for a region opened in process context. */
  entry?: Entry;
  state: EntryState;
}

function reasonStep(fn: string, file: string, reason: ContextReason): WitnessStep {
  const note = /irq/.test(reason.call) ? `${reason.call}() disables IRQs` : `${reason.call}() makes this section atomic`;
  return { kind: 'context', function: fn, location: { file, pos: reason.pos }, note };
}

export interface WitnessPath {
  steps: WitnessStep[];
  root: WitnessRoot;
  defs: FnDef[];
  /** Whether a context change on the way comes from one `#if` variant of a macro defined per branch. */
  viaVariant: boolean;
}

/** The steps that lead to `node`, ending at the function `node` stands for (its calls not included), and the functions on the way. */
export function pathTo(node: number, parents: Map<number, Parent>, nodes: NodeSpace, symbols: Symbols): WitnessPath {
  const chain: Array<{ node: number; parent: Parent }> = [];
  let cur = node;
  for (let guard = 0; guard < 10000; guard++) {
    const parent = parents.get(cur);
    if (!parent) break;
    chain.push({ node: cur, parent });
    if (parent.kind === 'entry' || parent.kind === 'region') break;
    cur = parent.from;
  }
  chain.reverse();
  const steps: WitnessStep[] = [];
  const defs: FnDef[] = [];
  let viaVariant = false;
  let root: WitnessRoot = { state: entryFromKey(nodes.key(node)) };
  for (const { node: n, parent } of chain) {
    const def = symbols.defs[nodes.fn(n)];
    defs.push(def);
    if (parent.kind === 'entry') {
      root = { entry: parent.entry, state: parent.entry.state };
      steps.push({ kind: 'entry', function: def.facts.name, location: parent.entry.at, note: parent.entry.note });
    } else if (parent.kind === 'region') {
      root = { state: entryFromKey(nodes.key(n)) };
      steps.push({ kind: 'entry', function: def.facts.name, location: { file: def.file, pos: def.facts.nameSpan.start }, note: `${def.facts.name}() runs in process context` });
    } else {
      const caller = symbols.defs[nodes.fn(parent.from)];
      if (parent.reason) steps.push(reasonStep(caller.facts.name, caller.file, parent.reason));
      if (parent.reason?.cfg) viaVariant = true;
      const location: Location = { file: caller.file, pos: parent.op.at };
      if (parent.kind === 'indirect') {
        const ev = parent.evidence;
        steps.push({
          kind: 'indirect',
          function: caller.facts.name,
          location,
          note: `calls ${def.facts.name}() through a function pointer (${ev.text})`,
          evidence: { file: ev.file, pos: ev.pos },
        });
      } else {
        const via = parent.kind === 'call' && parent.viaMacro ? ` (via macro ${parent.viaMacro})` : '';
        steps.push({ kind: 'call', function: caller.facts.name, location, note: `calls ${def.facts.name}()${via}` });
      }
    }
  }
  return { steps, root, defs, viaVariant };
}

/** The whole witness of a hit: the path to its function, the context change inside it, and the call. */
export function witnessOf(hit: Hit, parents: Map<number, Parent>, nodes: NodeSpace, symbols: Symbols): WitnessPath {
  const { steps, root, defs, viaVariant } = pathTo(hit.node, parents, nodes, symbols);
  if (hit.reason) steps.push(reasonStep(hit.def.facts.name, hit.def.file, hit.reason));
  const via = hit.viaMacro ? ` (via macro ${hit.viaMacro})` : '';
  steps.push({ kind: 'forbidden', function: hit.def.facts.name, location: { file: hit.def.file, pos: hit.op.at }, note: `calls ${hit.callee}()${via}: ${hit.why}` });
  return { steps, root, defs, viaVariant: viaVariant || hit.reason?.cfg !== undefined };
}
