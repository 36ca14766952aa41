/**
 * Findings as LSP diagnostics: one per finding at the forbidden call's name, the witness
 * path as related information, and the publishing bookkeeping that clears a file's
 * diagnostics once it has none.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Analysis, Finding } from '../analysis';
import type { ConfigProblem } from './configFiles';
import type { DiagnosticData, FindingInfo, IrqlensSettings, WitnessStepInfo } from './protocol';
import { nameRange, tokenRange } from './tokens';
import type { UriMap } from './uris';
import type { WorkspaceState } from './workspaceState';

export const SOURCE = 'irqlens';

/** `config`-confidence findings depend on `#if` branches that may never be built together: hidden unless asked for. */
export function shownFindings(analysis: Analysis, settings: IrqlensSettings): Finding[] {
  return analysis.findings.filter((f) => settings.showAllConfidences || f.confidence !== 'config');
}

export function toFindingInfo(f: Finding, state: WorkspaceState, uris: UriMap): FindingInfo {
  const line = (file: string, n: number): string | undefined => state.lineText(file, n);
  return {
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    context: f.context,
    contexts: [...f.contexts],
    confidence: f.confidence,
    callee: f.callee,
    why: f.why,
    uri: uris.toUri(f.location.file),
    range: tokenRange(line(f.location.file, f.location.pos.line), f.location.pos, f.callee.length),
    path: f.path.map((s, i) => {
      const step: WitnessStepInfo = {
        kind: s.kind,
        function: s.function,
        uri: uris.toUri(s.location.file),
        range: tokenRange(line(s.location.file, s.location.pos.line), s.location.pos),
        note: s.note,
      };
      if (!s.evidence) return step;
      // The stored value is the function the hop reaches: the next step's.
      const target = f.path[i + 1]?.function ?? f.callee;
      const ev = s.evidence;
      return { ...step, evidence: { uri: uris.toUri(ev.file), range: nameRange(line(ev.file, ev.pos.line), ev.pos, target) } };
    }),
  };
}

const STEP_LABELS: Record<FindingInfo['path'][number]['kind'], string> = {
  entry: 'entry',
  call: 'call',
  indirect: 'call through a function pointer',
  context: 'context change',
  forbidden: 'forbidden call',
};

function findingDiagnostic(info: FindingInfo): Diagnostic {
  const data: DiagnosticData = { findingId: info.id };
  return {
    range: info.range,
    severity: info.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: SOURCE,
    code: info.rule,
    message: info.message,
    relatedInformation: info.path.flatMap((s) => [
      { location: { uri: s.uri, range: s.range }, message: `${STEP_LABELS[s.kind]} in ${s.function}(): ${s.note}` },
      ...(s.evidence ? [{ location: s.evidence, message: `the function pointer called in ${s.function}() was stored here` }] : []),
    ]),
    data,
  };
}

function configDiagnostic(p: ConfigProblem): Diagnostic {
  return {
    range: { start: { line: p.line, character: p.col }, end: { line: p.line, character: p.col + p.length } },
    severity: DiagnosticSeverity.Error,
    source: SOURCE,
    code: 'config',
    message: `${p.message} (this file is ignored; the analysis uses the defaults)`,
  };
}

/** Every diagnostic the server has to say, by URI. */
export function allDiagnostics(analysis: Analysis, state: WorkspaceState, uris: UriMap): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const add = (uri: string, d: Diagnostic): void => {
    const list = out.get(uri);
    if (list) list.push(d);
    else out.set(uri, [d]);
  };
  for (const f of shownFindings(analysis, state.settings)) {
    const info = toFindingInfo(f, state, uris);
    add(info.uri, findingDiagnostic(info));
  }
  for (const p of state.config.problems) add(uris.toUri(p.file), configDiagnostic(p));
  return out;
}

/**
 * Sends only what changed since the last publication, and an empty list for a file that
 * had diagnostics and has none now (LSP clients keep a file's last list until replaced).
 * Documents edited since the last publication (`edited`: URI to version) are always sent,
 * with their version, so the editor knows which version the list answers.
 */
export class DiagnosticsPublisher {
  private readonly last = new Map<string, string>();

  constructor(private readonly send: (uri: string, diagnostics: Diagnostic[], version?: number) => void) {}

  publish(byUri: Map<string, Diagnostic[]>, edited: ReadonlyMap<string, number> = new Map()): void {
    for (const [uri, diagnostics] of byUri) {
      const key = JSON.stringify(diagnostics);
      if (this.last.get(uri) === key && !edited.has(uri)) continue;
      this.last.set(uri, key);
      this.send(uri, diagnostics, edited.get(uri));
    }
    const cleared = [...this.last.keys()].filter((uri) => !byUri.has(uri));
    for (const uri of cleared) {
      this.last.delete(uri);
      this.send(uri, [], edited.get(uri));
    }
    for (const [uri, version] of edited) if (!byUri.has(uri) && !cleared.includes(uri)) this.send(uri, [], version);
  }
}
