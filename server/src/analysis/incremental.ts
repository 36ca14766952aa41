/**
 * Re-analysis after some files changed. Most edits in an editor — a new line, indentation,
 * a comment — move code without changing what it does: the new facts equal the old ones
 * except for positions. Then every phase's result still holds once the positions are
 * moved, and since the analysis refers to the facts' position objects rather than copying
 * them, moving those objects in place moves every witness, entry and pointer evidence with
 * them; only the findings' ids and order, made from positions, are made again. An edit
 * whose effect stays inside function bodies (localChange.ts) keeps every phase but the
 * propagation, which runs again reusing the unchanged functions' interpretations. Any
 * other change is analysed from scratch.
 */
import type { FileFacts } from '../syntax/facts';
import type { KernelIndex } from '../kernel';
import { Analysis, analysisPhases } from './analyze';
import { localChange, moveFilePositions, sameFileButPositions, type LocalChange } from './localChange';

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
  return (previous && reanalyzeInPlace(previous, files, kernel, reusePlan(previous, files, kernel))) ?? { analysis: new Analysis(files, kernel), how: 'whole' };
}

/**
 * How the re-analysis of `files` builds on the previous analysis: `moved`, only positions
 * changed; `bodies`, an edit inside function bodies (the change to apply). Deciding costs a
 * comparison of every changed file's facts with the previous ones, so a caller that needs
 * the decision before analysing (to choose how long to wait) hands it on instead of
 * having it made twice.
 */
export type ReusePlan = { how: 'moved' } | { how: 'bodies'; change: LocalChange };

/** The plan for building on `previous`, or undefined when `files` must be analysed whole. */
export function reusePlan(previous: Analysis, files: readonly FileFacts[], kernel: KernelIndex): ReusePlan | undefined {
  if (previous.kernel !== kernel) return undefined;
  if (positionsOnlyChanged(previous.files, files)) return { how: 'moved' };
  const change = localChange(previous, files);
  return change && { how: 'bodies', change };
}

/** The re-analysis that builds on `previous` as `plan` says; `files` are those the plan was made for. */
function reanalyzeInPlace(previous: Analysis, files: readonly FileFacts[], kernel: KernelIndex, plan: ReusePlan | undefined): Reanalysis | undefined {
  if (!plan) return undefined;
  if (plan.how === 'moved') {
    files.forEach((f, i) => {
      if (previous.files[i] !== f) moveFilePositions(previous.files[i], f);
    });
    return { analysis: new Analysis(previous.files, kernel, previous.reusedPhases(), previous.movedFindings()), how: 'moved' };
  }
  plan.change.apply();
  const phases = previous.propagatedAgain(plan.change.changed);
  return phases && { analysis: new Analysis(previous.files, kernel, phases), how: 'bodies' };
}

/**
 * `reanalyze` for a caller that must stay responsive: yields to the event loop between
 * phases, and gives up (undefined) as soon as `stale()` says the input has changed.
 * `planned`: the `reusePlan` of these same inputs, when the caller has made it already.
 */
export async function reanalyzeUnlessStale(
  previous: Analysis | undefined,
  files: readonly FileFacts[],
  kernel: KernelIndex,
  stale: () => boolean,
  planned?: { plan: ReusePlan | undefined },
): Promise<Reanalysis | undefined> {
  const inPlace = previous && reanalyzeInPlace(previous, files, kernel, planned ? planned.plan : reusePlan(previous, files, kernel));
  if (inPlace) return inPlace;
  const steps = analysisPhases(files, kernel);
  for (;;) {
    const step = steps.next();
    if (step.done) return { analysis: new Analysis(files, kernel, step.value), how: 'whole' };
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stale()) return undefined;
  }
}

function positionsOnlyChanged(before: readonly FileFacts[], after: readonly FileFacts[]): boolean {
  return before.length === after.length && before.every((f, i) => f === after[i] || sameFileButPositions(f, after[i]));
}
