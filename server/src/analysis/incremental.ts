/**
 * Re-analysis after some files changed. Most edits in an editor — a new line, indentation,
 * a comment — move code without changing what it does: the new facts equal the old ones
 * except for positions. Then every phase's result still holds once the positions are
 * moved, and since the analysis refers to the facts' position objects rather than copying
 * them, moving those objects in place moves every witness, entry and pointer evidence with
 * them; only the findings (ids and order come from positions) are made again. Any other
 * change is analysed from scratch.
 */
import { isPos, type FileFacts } from '../syntax/facts';
import type { KernelIndex } from '../kernel';
import { Analysis, analysisPhases } from './analyze';

export interface Reanalysis {
  analysis: Analysis;
  /** Whether the previous analysis was reused with moved positions (else: from scratch). */
  reused: boolean;
}

/**
 * The analysis of `files`, reusing `previous` when the files differ from its files only in
 * positions. On reuse the previous facts objects (now holding the new positions) stay the
 * analysis's files: callers must take the facts from `analysis.files`, not from `files`.
 */
export function reanalyze(previous: Analysis | undefined, files: readonly FileFacts[], kernel: KernelIndex): Reanalysis {
  if (!previous || !canReuse(previous, files, kernel)) return { analysis: new Analysis(files, kernel), reused: false };
  files.forEach((f, i) => {
    if (previous.files[i] !== f) movePositions(previous.files[i], f);
  });
  return { analysis: new Analysis(previous.files, kernel, previous.reusedPhases()), reused: true };
}

/**
 * `reanalyze` for a caller that must stay responsive: yields to the event loop between
 * phases, and gives up (undefined) as soon as `stale()` says the input has changed.
 */
export async function reanalyzeUnlessStale(previous: Analysis | undefined, files: readonly FileFacts[], kernel: KernelIndex, stale: () => boolean): Promise<Reanalysis | undefined> {
  if (previous && canReuse(previous, files, kernel)) return reanalyze(previous, files, kernel);
  const steps = analysisPhases(files, kernel);
  for (;;) {
    const step = steps.next();
    if (step.done) return { analysis: new Analysis(files, kernel, step.value), reused: false };
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stale()) return undefined;
  }
}

/** Whether `reanalyze` would reuse `previous` for `files`: same kernel model, same facts but for positions. */
export function canReuse(previous: Analysis, files: readonly FileFacts[], kernel: KernelIndex): boolean {
  return previous.kernel === kernel && positionsOnlyChanged(previous.files, files);
}

function positionsOnlyChanged(before: readonly FileFacts[], after: readonly FileFacts[]): boolean {
  return before.length === after.length && before.every((f, i) => f === after[i] || sameButPositions(f, after[i]));
}

/** Structural equality that ignores every `Pos` value. */
export function sameButPositions(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameButPositions(v, b[i]));
  if (isPos(a) && isPos(b)) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => k in rb && sameButPositions(ra[k], rb[k]));
}

/** Copies every position of `to` into the matching position object of `from` (same shape, checked before). */
function movePositions(from: unknown, to: unknown): void {
  if (typeof from !== 'object' || from === null || typeof to !== 'object' || to === null) return;
  if (Array.isArray(from) && Array.isArray(to)) {
    from.forEach((v, i) => movePositions(v, to[i]));
    return;
  }
  if (isPos(from) && isPos(to)) {
    from.line = to.line;
    from.col = to.col;
    return;
  }
  const rf = from as Record<string, unknown>;
  const rt = to as Record<string, unknown>;
  for (const k of Object.keys(rf)) movePositions(rf[k], rt[k]);
}
