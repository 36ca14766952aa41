/**
 * Go to definition and find references for functions. References are the direct call
 * sites and the places where the function is stored as a pointer (`.handler = fn`), which
 * is how most interrupt handlers are ever mentioned.
 */
import type { Location } from 'vscode-languageserver';
import type { Analysis, FnDef } from '../analysis';
import { symbolAt } from './symbolAt';
import { nameRange, tokenRange } from './tokens';
import type { UriMap } from './uris';
import type { WorkspaceState } from './workspaceState';

function nameLocation(def: FnDef, uris: UriMap): Location {
  const s = def.facts.nameSpan;
  return { uri: uris.toUri(def.file), range: { start: { line: s.start.line, character: s.start.col }, end: { line: s.end.line, character: s.end.col } } };
}

export function definition(analysis: Analysis, state: WorkspaceState, uris: UriMap, file: string, position: { line: number; character: number }): Location[] {
  const hit = symbolAt(analysis, state, file, position);
  return hit ? hit.defs.map((d) => nameLocation(d, uris)) : [];
}

export function references(
  analysis: Analysis,
  state: WorkspaceState,
  uris: UriMap,
  file: string,
  position: { line: number; character: number },
  includeDeclaration: boolean,
): Location[] {
  const hit = symbolAt(analysis, state, file, position);
  if (!hit) return [];
  const out = new Map<string, Location>();
  const add = (loc: Location): void => {
    out.set(`${loc.uri}:${loc.range.start.line}:${loc.range.start.character}`, loc);
  };
  for (const def of hit.defs) {
    if (includeDeclaration) add(nameLocation(def, uris));
    for (const c of analysis.callers(def)) {
      if (c.indirect) {
        const e = c.indirect;
        add({ uri: uris.toUri(e.file), range: nameRange(state.lineText(e.file, e.pos.line), e.pos, def.facts.name) });
      } else {
        add({ uri: uris.toUri(c.def.file), range: tokenRange(state.lineText(c.def.file, c.at.line), c.at) });
      }
    }
    // A handler handed to the kernel (`request_irq(irq, fn, …)`) is never called in the workspace.
    for (const e of analysis.entries) {
      if (e.fn === def) add({ uri: uris.toUri(e.at.file), range: nameRange(state.lineText(e.at.file, e.at.pos.line), e.at.pos, def.facts.name) });
    }
  }
  return [...out.values()];
}
