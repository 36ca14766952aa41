/**
 * The CLI's report: findings with 1-based positions and paths relative to the first
 * argument, as every output format shows them.
 */
import * as path from 'path';
import type { Finding, Witness, WitnessStep } from '../analysis/findings';
import { findingId, type AnalysisStats } from '../analysis/analyze';
import type { SkippedFile } from '../analysis/workspace';
import type { FileProblem } from '../syntax/facts';

export interface ReportStep {
  function: string;
  file: string;
  line: number;
  column: number;
  kind: string;
  note: string;
  /** Where the function pointer of an indirect hop was stored. */
  evidence?: { file: string; line: number; column: number };
}

export interface ReportWitness {
  entry: string;
  entryKind: Witness['entryKind'];
  context: Witness['context'];
  confidence: Witness['confidence'];
  path: ReportStep[];
}

export interface ReportFinding {
  id: string;
  rule: Finding['rule'];
  severity: Finding['severity'];
  message: string;
  context: Finding['context'];
  contexts: Finding['contexts'];
  confidence: Finding['confidence'];
  entryKind: Finding['entryKind'];
  location: { file: string; line: number; column: number };
  callee: string;
  why: string;
  path: ReportStep[];
  /** The primary witness first (its path is `path`), then one per further entry that reaches the call, shortest first. */
  witnesses: ReportWitness[];
  /** Entries that reach the call beyond `witnesses`. */
  moreWitnesses: number;
}

export interface Report {
  version: 1;
  findings: ReportFinding[];
  stats: AnalysisStats & {
    skippedFiles: number;
    filesWithProblems: number;
    hiddenFindings: number;
    /**
     * The cache: whether this whole report was reused (nothing changed since it was made;
     * the counts are then 0), else fact entries used, files parsed, damaged entries
     * rebuilt, entries not written.
     */
    cache: { report: boolean; hits: number; misses: number; rebuilt: number; writeErrors: number };
    seconds: number;
  };
  skipped: SkippedFile[];
  problems: Array<{ file: string } & FileProblem>;
}

/** The directory paths are shown relative to: the first argument, or its folder when it is a file. */
export function baseOf(first: string, isDirectory: boolean): string {
  return isDirectory ? first : path.dirname(first);
}

export function relative(base: string, file: string): string {
  const rel = path.relative(base, file);
  return rel === '' ? path.basename(file) : rel.split(path.sep).join('/');
}

export function toReportFinding(f: Finding, base: string): ReportFinding {
  const file = relative(base, f.location.file);
  return {
    id: findingId(f.rule, { file, pos: f.location.pos }),
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    context: f.context,
    contexts: f.contexts,
    confidence: f.confidence,
    entryKind: f.entryKind,
    location: { file, line: f.location.pos.line + 1, column: f.location.pos.col + 1 },
    callee: f.callee,
    why: f.why,
    path: reportSteps(f.path, base),
    witnesses: f.witnesses.map((w) => ({ entry: w.entry, entryKind: w.entryKind, context: w.context, confidence: w.confidence, path: reportSteps(w.path, base) })),
    moreWitnesses: f.moreWitnesses,
  };
}

function reportSteps(path: readonly WitnessStep[], base: string): ReportStep[] {
  return path.map((s) => ({
    function: s.function,
    file: relative(base, s.location.file),
    line: s.location.pos.line + 1,
    column: s.location.pos.col + 1,
    kind: s.kind,
    note: s.note,
    ...(s.evidence ? { evidence: { file: relative(base, s.evidence.file), line: s.evidence.pos.line + 1, column: s.evidence.pos.col + 1 } } : {}),
  }));
}
