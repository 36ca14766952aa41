/**
 * Re-analysis after some files changed. Most edits in an editor — a new line, indentation,
 * a comment — move code without changing what it does: the new facts equal the old ones
 * except for positions. Then every phase's result still holds once the positions are
 * moved, and since the analysis refers to the facts' position objects rather than copying
 * them, moving those objects in place moves every witness, entry and pointer evidence with
 * them; only the findings (ids and order come from positions) are made again. An edit
 * whose effect stays inside function bodies (localChange.ts) keeps every phase but the
 * propagation, which runs again reusing the unchanged functions' interpretations. Any
 * other change is analysed from scratch.
 */
import type { FileFacts } from '../syntax/facts';
import type { KernelIndex } from '../kernel';
import { Analysis, analysisPhases } from './analyze';
import { localChange, movePositions, sameButPositions } from './localChange';

export interface Reanalysis {
  analysis: Analysis;
  /**
   * How: `moved`, the previous analysis with positions moved; `bodies`, the previous
   * phases but propagation, after an edit inside function bodies; `whole`, from scratch.
   * Unless `whole`, the previous facts objects (now equal to the new ones) are the
   * analysis's files.
   */
  how: 'moved' | 'bodies' | 'whole';
}

/**
 * The analysis of `files`, reusing `previous` when the files differ from its files only in
 * positions. On reuse the previous facts objects (now holding the new positions) stay the
 * analysis's files: callers must take the facts from `analysis.files`, not from `files`.
 */
export function reanalyze(previous: Analysis | undefined, files: readonly FileFacts[], kernel: KernelIndex): Reanalysis {
  return (previous && reanalyzeInPlace(previous, files, kernel)) ?? { analysis: new Analysis(files, kernel), how: 'whole' };
}

/** The re-analysis that builds on `previous`, when the change allows one. */
function reanalyzeInPlace(previous: Analysis, files: readonly FileFacts[], kernel: KernelIndex): Reanalysis | undefined {
  if (previous.kernel !== kernel) return undefined;
  if (positionsOnlyChanged(previous.files, files)) {
    files.forEach((f, i) => {
      if (previous.files[i] !== f) movePositions(previous.files[i], f);
    });
    return { analysis: new Analysis(previous.files, kernel, previous.reusedPhases()), how: 'moved' };
  }
  const change = localChange(previous, files);
  if (!change) return undefined;
  change.apply();
  const phases = previous.propagatedAgain(change.changed);
  return phases && { analysis: new Analysis(previous.files, kernel, phases), how: 'bodies' };
}

/**
 * `reanalyze` for a caller that must stay responsive: yields to the event loop between
 * phases, and gives up (undefined) as soon as `stale()` says the input has changed.
 */
export async function reanalyzeUnlessStale(previous: Analysis | undefined, files: readonly FileFacts[], kernel: KernelIndex, stale: () => boolean): Promise<Reanalysis | undefined> {
  const inPlace = previous && reanalyzeInPlace(previous, files, kernel);
  if (inPlace) return inPlace;
  const steps = analysisPhases(files, kernel);
  for (;;) {
    const step = steps.next();
    if (step.done) return { analysis: new Analysis(files, kernel, step.value), how: 'whole' };
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stale()) return undefined;
  }
}

/**
 * Whether `reanalyze` would build on `previous` for `files` (same kernel model; positions
 * moved, or an edit inside function bodies), so the analysis is quick.
 */
export function canReuse(previous: Analysis, files: readonly FileFacts[], kernel: KernelIndex): boolean {
  return previous.kernel === kernel && (positionsOnlyChanged(previous.files, files) || localChange(previous, files) !== undefined);
}

function positionsOnlyChanged(before: readonly FileFacts[], after: readonly FileFacts[]): boolean {
  return before.length === after.length && before.every((f, i) => f === after[i] || sameButPositions(f, after[i]));
}
