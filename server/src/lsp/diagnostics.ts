/**
 * Findings as LSP diagnostics: one per finding at the forbidden call's name, the witness
 * path as related information, and the publishing bookkeeping that clears a file's
 * diagnostics once it has none.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { shownByDefault, type Analysis, type Finding, type Location } from '../analysis';
import type { ConfigProblem } from './configFiles';
import type { DiagnosticData, FindingInfo, IrqlensSettings, WitnessStepInfo } from './protocol';
import { nameRange, tokenRange } from './tokens';
import type { UriMap } from './uris';
import type { ChangedFiles, WorkspaceState } from './workspaceState';

export const SOURCE = 'irqlens';

/** `config` and `release` findings depend on what the code does not say (see Confidence): hidden unless asked for. */
export function shownFindings(analysis: Analysis, settings: IrqlensSettings): Finding[] {
  return analysis.findings.filter((f) => settings.showAllConfidences || shownByDefault(f.confidence));
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

/**
 * Every diagnostic the server has to say, by URI, made again only for files whose
 * findings changed. A finding's diagnostic reads the finding and the lines of the files it
 * names (the call, the witness steps, the pointer evidence); positions are moved in place
 * when a file's text changes, so a file whose findings are, field by field, those of the
 * last time and name no changed file gets the same list again: the same array, which the
 * publisher then knows is unchanged without comparing it.
 */
export class FindingDiagnostics {
  /** By file: its shown findings and their diagnostics, as last made. */
  private last = new Map<string, { findings: Finding[]; diagnostics: Diagnostic[] }>();

  build(analysis: Analysis, state: WorkspaceState, uris: UriMap, changed: ChangedFiles): Map<string, Diagnostic[]> {
    const byFile = new Map<string, Finding[]>();
    for (const f of shownFindings(analysis, state.settings)) {
      const list = byFile.get(f.location.file);
      if (list) list.push(f);
      else byFile.set(f.location.file, [f]);
    }
    const next = new Map<string, { findings: Finding[]; diagnostics: Diagnostic[] }>();
    const out = new Map<string, Diagnostic[]>();
    for (const [file, findings] of byFile) {
      const kept = this.last.get(file);
      const reused = changed !== 'all' && kept !== undefined && sameList(kept.findings, findings, sameDiagnosticSource) && !findings.some((f) => namesAny(f, changed));
      const diagnostics = reused ? kept.diagnostics : findings.map((f) => findingDiagnostic(toFindingInfo(f, state, uris)));
      next.set(file, { findings, diagnostics });
      out.set(uris.toUri(file), diagnostics);
    }
    this.last = next;
    for (const p of state.config.problems) {
      const uri = uris.toUri(p.file);
      // A new list: the publisher compares it with the last one.
      out.set(uri, [...(out.get(uri) ?? []), configDiagnostic(p)]);
    }
    return out;
  }
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]));
}

function sameLocation(a: Location | undefined, b: Location | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.file === b.file && a.pos.line === b.pos.line && a.pos.col === b.pos.col;
}

/** Whether two findings make the same diagnostic in unchanged files: every field `toFindingInfo` reads. */
function sameDiagnosticSource(a: Finding, b: Finding): boolean {
  return (
    a.id === b.id &&
    a.rule === b.rule &&
    a.severity === b.severity &&
    a.message === b.message &&
    a.context === b.context &&
    sameList(a.contexts, b.contexts, (x, y) => x === y) &&
    a.confidence === b.confidence &&
    a.callee === b.callee &&
    a.why === b.why &&
    sameLocation(a.location, b.location) &&
    sameList(a.path, b.path, (x, y) => x.kind === y.kind && x.function === y.function && x.note === y.note && sameLocation(x.location, y.location) && sameLocation(x.evidence, y.evidence))
  );
}

/** Whether the finding's diagnostic reads a file of `files`. */
function namesAny(f: Finding, files: ReadonlySet<string>): boolean {
  return files.has(f.location.file) || f.path.some((s) => files.has(s.location.file) || (s.evidence !== undefined && files.has(s.evidence.file)));
}

/**
 * Sends only what changed since the last publication, and an empty list for a file that
 * had diagnostics and has none now (LSP clients keep a file's last list until replaced).
 * Documents edited since the last publication (`edited`: URI to version) are always sent,
 * with their version, so the editor knows which version the list answers.
 */
export class DiagnosticsPublisher {
  /** By URI, the list last sent and its text. */
  private readonly last = new Map<string, { list: Diagnostic[]; key: string }>();

  constructor(private readonly send: (uri: string, diagnostics: Diagnostic[], version?: number) => void) {}

  publish(byUri: Map<string, Diagnostic[]>, edited: ReadonlyMap<string, number> = new Map()): void {
    for (const [uri, diagnostics] of byUri) {
      const last = this.last.get(uri);
      // The very list sent last time (FindingDiagnostics hands it on when unchanged) needs no comparing.
      let same = last?.list === diagnostics;
      if (!same) {
        const key = JSON.stringify(diagnostics);
        same = last?.key === key;
        this.last.set(uri, { list: diagnostics, key });
      }
      if (same && !edited.has(uri)) continue;
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
