/**
 * What the cursor is on, in the analysis' terms: a function's name (at its definition, at
 * a call, or used as a value such as `.handler = fn`), and whether it is the callee of a
 * call site. Hover, navigation and the call hierarchy all start here.
 */
import type { Analysis, FnDef } from '../analysis';
import type { CallOp, Pos } from '../syntax/facts';
import { forEachOp } from '../syntax/walkOps';
import { wordAt } from './tokens';
import type { WorkspaceState } from './workspaceState';

export interface SymbolHit {
  name: string;
  /** Where the name under the cursor starts. */
  at: Pos;
  /** The workspace definitions the name resolves to from this file (none for a kernel API). */
  defs: FnDef[];
  /** Set when the cursor is on the name of a definition. */
  definition?: FnDef;
  /** Set when the name is the callee of a call: the calling function and the call. */
  call?: { caller: FnDef; op: CallOp };
}

function callAt(def: FnDef, at: Pos): CallOp | undefined {
  let found: CallOp | undefined;
  forEachOp(def.facts.body, (op) => {
    if (!found && op.op === 'call' && op.at.line === at.line && op.at.col === at.col) found = op;
  });
  return found;
}

export function symbolAt(analysis: Analysis, state: WorkspaceState, file: string, position: { line: number; character: number }): SymbolHit | undefined {
  if (!state.isTracked(file)) return undefined;
  const word = wordAt(state.lineText(file, position.line), position.line, position.character);
  if (!word) return undefined;
  const definition = analysis.symbols.defs.find(
    (d) => d.file === file && d.facts.nameSpan.start.line === word.at.line && d.facts.nameSpan.start.col === word.at.col,
  );
  const hit: SymbolHit = { name: word.text, at: word.at, defs: analysis.symbols.resolve(word.text, file) };
  if (definition) return { ...hit, definition, defs: [definition] };
  const caller = analysis.functionAt(file, word.at);
  const op = caller ? callAt(caller, word.at) : undefined;
  if (caller && op && op.callee.kind === 'name' && op.callee.name === word.text) return { ...hit, call: { caller, op } };
  return hit.defs.length > 0 ? hit : undefined;
}

/** The one definition a hit is about, when there is one (the first of several `#if` variants otherwise). */
export function defOf(hit: SymbolHit): FnDef | undefined {
  return hit.definition ?? hit.defs[0];
}
