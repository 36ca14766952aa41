/**
 * Code lenses: over every entry point, the context the kernel calls it in and where it was
 * registered; over every function that contains findings, how many and of what kind. They
 * are labels, not buttons (an empty command id), so clicking one does nothing surprising.
 */
import * as path from 'path';
import type { CodeLens } from 'vscode-languageserver';
import type { Analysis } from '../analysis';
import { shownFindings } from './diagnostics';
import type { WorkspaceState } from './workspaceState';

function lens(line: number, character: number, title: string): CodeLens {
  const at = { line, character };
  return { range: { start: at, end: at }, command: { title, command: '' } };
}

export function codeLenses(analysis: Analysis, state: WorkspaceState, file: string): CodeLens[] {
  if (!state.isTracked(file)) return [];
  const out: CodeLens[] = [];
  const seen = new Set<string>();
  for (const e of analysis.entries) {
    if (e.fn.file !== file) continue;
    // The note already names the kind of entry ("hrtimer callback be_callback, stored in ...").
    const title = `${e.state.base} entry: ${e.note} at ${path.basename(e.at.file)}:${e.at.pos.line + 1}`;
    const key = `${e.fn.id}|${title}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(lens(e.fn.facts.nameSpan.start.line, e.fn.facts.nameSpan.start.col, title));
  }
  const byFunction = new Map<number, string[]>();
  for (const f of shownFindings(analysis, state.settings)) {
    if (f.location.file !== file) continue;
    const def = analysis.functionAt(file, f.location.pos);
    if (!def) continue;
    const list = byFunction.get(def.id) ?? [];
    list.push(`${f.callee}() in ${f.context}`);
    byFunction.set(def.id, list);
  }
  for (const [id, items] of byFunction) {
    const def = analysis.symbols.defs[id];
    const title = `irqlens: ${items.length} finding${items.length === 1 ? '' : 's'}: ${items.join(', ')}`;
    out.push(lens(def.facts.nameSpan.start.line, def.facts.nameSpan.start.col, title));
  }
  return out;
}
