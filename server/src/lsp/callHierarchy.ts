/**
 * Call hierarchy over the analysis' call graph, function-pointer edges included (clangd
 * and cpptools stop at them). A pointer edge says so in the item's `detail`, with the store
 * that made it ("via function pointer: hdlr.cyh_func = dtrace_state_deadman, dtrace_state.c:26").
 */
import * as path from 'path';
import {
  SymbolKind,
  type CallHierarchyIncomingCall,
  type CallHierarchyItem,
  type CallHierarchyOutgoingCall,
  type Range,
} from 'vscode-languageserver';
import type { Analysis, FnDef } from '../analysis';
import type { PointerEvidence } from '../analysis/pointsTo';
import type { Span, Pos } from '../syntax/facts';
import { defOf, symbolAt } from './symbolAt';
import { tokenRange } from './tokens';
import type { UriMap } from './uris';
import type { WorkspaceState } from './workspaceState';

/** What an item carries so that the follow-up requests find the same definition. */
interface ItemData {
  file: string;
  line: number;
  col: number;
}

function range(s: Span): Range {
  return { start: { line: s.start.line, character: s.start.col }, end: { line: s.end.line, character: s.end.col } };
}

export function pointerDetail(e: PointerEvidence): string {
  return `via function pointer: ${e.text}, ${path.basename(e.file)}:${e.pos.line + 1}`;
}

function item(def: FnDef, uris: UriMap, detail?: string): CallHierarchyItem {
  const data: ItemData = { file: def.file, line: def.facts.nameSpan.start.line, col: def.facts.nameSpan.start.col };
  return {
    name: def.facts.name,
    kind: SymbolKind.Function,
    uri: uris.toUri(def.file),
    range: range(def.facts.span),
    selectionRange: range(def.facts.nameSpan),
    detail: detail ?? path.basename(def.file),
    data,
  };
}

function isItemData(v: unknown): v is ItemData {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  return typeof d.file === 'string' && typeof d.line === 'number' && typeof d.col === 'number';
}

/** The definition an item stands for: by its data, else by its URI and name position. */
function defOfItem(analysis: Analysis, uris: UriMap, it: CallHierarchyItem): FnDef | undefined {
  const data: ItemData | undefined = isItemData(it.data)
    ? it.data
    : (() => {
        const file = uris.toPath(it.uri);
        return file ? { file, line: it.selectionRange.start.line, col: it.selectionRange.start.character } : undefined;
      })();
  if (!data) return undefined;
  return analysis.symbols.defs.find((d) => d.file === data.file && d.facts.nameSpan.start.line === data.line && d.facts.nameSpan.start.col === data.col);
}

export function prepareCallHierarchy(analysis: Analysis, state: WorkspaceState, uris: UriMap, file: string, position: { line: number; character: number }): CallHierarchyItem[] {
  const hit = symbolAt(analysis, state, file, position);
  const def = hit ? defOf(hit) : undefined;
  return def ? [item(def, uris)] : [];
}

/** Groups call sites by (function, direct or through which pointer store). */
function group<T>(calls: Array<{ def: FnDef; indirect?: PointerEvidence; at: Pos }>, rangeOf: (c: { def: FnDef; at: Pos }) => Range, make: (def: FnDef, detail: string | undefined, ranges: Range[]) => T): T[] {
  const groups = new Map<string, { def: FnDef; indirect?: PointerEvidence; ranges: Range[] }>();
  for (const c of calls) {
    const key = `${c.def.id}|${c.indirect ? pointerDetail(c.indirect) : ''}`;
    const g = groups.get(key) ?? { def: c.def, ...(c.indirect ? { indirect: c.indirect } : {}), ranges: [] };
    g.ranges.push(rangeOf(c));
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => make(g.def, g.indirect ? pointerDetail(g.indirect) : undefined, g.ranges));
}

export function incomingCalls(analysis: Analysis, state: WorkspaceState, uris: UriMap, it: CallHierarchyItem): CallHierarchyIncomingCall[] {
  const def = defOfItem(analysis, uris, it);
  if (!def) return [];
  // A caller's ranges are in the caller's file: the call sites.
  return group(
    analysis.callers(def),
    (c) => tokenRange(state.lineText(c.def.file, c.at.line), c.at),
    (caller, detail, fromRanges) => ({ from: item(caller, uris, detail), fromRanges }),
  );
}

export function outgoingCalls(analysis: Analysis, state: WorkspaceState, uris: UriMap, it: CallHierarchyItem): CallHierarchyOutgoingCall[] {
  const def = defOfItem(analysis, uris, it);
  if (!def) return [];
  // Outgoing ranges are in the item's own file, where the calls are written.
  return group(
    analysis.callees(def),
    (c) => tokenRange(state.lineText(def.file, c.at.line), c.at),
    (callee, detail, fromRanges) => ({ to: item(callee, uris, detail), fromRanges }),
  );
}
