/**
 * Which parts of the previous tree tree-sitter must read again token by token, so that an
 * incremental re-parse gives the tree a fresh parse gives even when the text has parse
 * errors, and whether the new tree can be trusted.
 *
 * Why it is needed: tree-sitter reuses an unchanged, error-free subtree of the old tree as
 * one token whenever its parse stack has a single version (lib/src/parser.c,
 * `ts_parser__reuse_node`, called only when `version_count == 1`), and while recovering
 * from an error it also reuses subtrees that an earlier recovery built. Error recovery
 * over such a token can go another way than over its tokens one by one: the random-edit
 * test found ERROR nodes that swallowed a reused function whole where a fresh parse
 * resynchronised inside it, and an unclosed `{` whose MISSING `}` landed elsewhere.
 *
 * So (1) every top-level item of the old tree that holds an error with the item before it
 * (a recovery can reach back into an item not yet reduced when the error was met), and the
 * items the edit touches with one item on either side (where a recovery from an error the
 * edit made begins and goes on), are marked changed by an edit that replaces their text
 * with itself: tree-sitter then lexes them again instead of reusing any part of them.
 * Every recovery inside these zones starts at a top-level boundary, in the state a fresh
 * parse is in there, and reads the same tokens. (2) The new tree is kept only when each of its top-level items with an error
 * lies inside a zone; an error outside (a recovery that ran into reused subtrees) sends
 * the caller to a fresh parse. Outside the zones the re-parse is tree-sitter's ordinary
 * incremental parse of error-free text, which the facts already relied on.
 */
import { MAX_CHILDREN } from './extractFacts';
import type { Point, SyntaxNode, TreeEdit } from './parser';

/** A range of the new text, as tree-sitter indices. */
export interface Zone {
  start: number;
  end: number;
}

export interface ReparsePlan {
  /** To apply to the old tree in this order, before parsing with it. */
  edits: TreeEdit[];
  /** Where the new tree may have errors without a fresh parse. */
  zones: Zone[];
}

/** The point at or after `edit`'s old end, moved as the edit moves it (as tree-sitter does). */
function shifted(p: Point, edit: TreeEdit): Point {
  if (p.row > edit.oldEndPosition.row) return { row: p.row + edit.newEndPosition.row - edit.oldEndPosition.row, column: p.column };
  return { row: edit.newEndPosition.row, column: edit.newEndPosition.column + p.column - edit.oldEndPosition.column };
}

/** An edit from `first` to `last` that leaves their text as it is, so that tree-sitter reads it again. */
function touch(first: SyntaxNode, last: SyntaxNode): TreeEdit {
  return {
    startIndex: first.startIndex,
    oldEndIndex: last.endIndex,
    newEndIndex: last.endIndex,
    startPosition: first.startPosition,
    oldEndPosition: last.endPosition,
    newEndPosition: last.endPosition,
  };
}

/**
 * The edits and zones that turn `edit` of the text under `oldRoot` into a re-parse a fresh
 * parse would equal; undefined (parse afresh) for a root wider than extraction reads
 * (MAX_CHILDREN), whose items are not worth listing at every edit, and for an error
 * item that cannot be marked.
 */
export function reparsePlan(oldRoot: SyntaxNode, edit: TreeEdit): ReparsePlan | undefined {
  if (oldRoot.childCount > MAX_CHILDREN) return undefined;
  const items = oldRoot.children.filter((c): c is SyntaxNode => c !== null);
  // Item index ranges to read again: each error item with the item before it (a recovery
  // can reach back into an item the parser had not reduced yet), and the items the edit
  // touches (an insertion right at an item's end touches it) with one item on either side.
  let first = items.findIndex((c) => c.endIndex >= edit.startIndex);
  if (first < 0) first = items.length;
  let after = first;
  while (after < items.length && items[after].startIndex <= edit.oldEndIndex) after++;
  const around: [number, number] = [Math.max(0, first - 1), Math.min(after, items.length - 1)];
  const ranges: Array<[number, number]> = [around];
  // Asked of the root first: most trees have no error, and each item's answer is a crossing into wasm.
  for (const [i, item] of oldRoot.hasError ? items.entries() : []) {
    if (!item.hasError) continue;
    // An empty item (a MISSING token between items) cannot be marked: its text is nothing.
    if (item.startIndex === item.endIndex) return undefined;
    ranges.push([Math.max(0, i - 1), i]);
  }
  const merged: Array<[number, number]> = [];
  for (const [lo, hi] of ranges.sort((a, b) => a[0] - b[0])) {
    const top = merged[merged.length - 1];
    if (top && lo <= top[1]) top[1] = Math.max(top[1], hi);
    else merged.push([lo, hi]);
  }
  const [editLo, editHi] = merged.find(([lo, hi]) => lo <= around[0] && around[1] <= hi) ?? around;
  let start = edit.startIndex;
  let startPosition = edit.startPosition;
  let oldEnd = edit.oldEndIndex;
  let oldEndPosition = edit.oldEndPosition;
  if (editLo <= editHi && items[editLo].startIndex < start) {
    start = items[editLo].startIndex;
    startPosition = items[editLo].startPosition;
  }
  if (editLo <= editHi && items[editHi].endIndex > oldEnd) {
    oldEnd = items[editHi].endIndex;
    oldEndPosition = items[editHi].endPosition;
  }
  const delta = edit.newEndIndex - edit.oldEndIndex;
  const widened: TreeEdit = {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: oldEnd + delta,
    startPosition,
    oldEndPosition,
    newEndPosition: oldEnd === edit.oldEndIndex ? edit.newEndPosition : shifted(oldEndPosition, edit),
  };
  const edits: TreeEdit[] = [];
  const zones: Zone[] = [{ start, end: oldEnd + delta }];
  for (const [lo, hi] of merged) {
    if (lo === editLo && hi === editHi) continue;
    edits.push(touch(items[lo], items[hi]));
    const before = hi < editLo;
    zones.push({ start: items[lo].startIndex + (before ? 0 : delta), end: items[hi].endIndex + (before ? 0 : delta) });
  }
  // The same-text edits first, in the old tree's positions; the widened edit then moves them.
  edits.push(widened);
  return { edits, zones };
}

/** Whether every error of the tree under `root` lies in a top-level item inside one of `zones`. */
export function errorsInside(root: SyntaxNode, zones: readonly Zone[]): boolean {
  if (!root.hasError) return true;
  if (root.type === 'ERROR' || root.childCount > MAX_CHILDREN) return false;
  for (const item of root.children) {
    if (item === null || !item.hasError) continue;
    // An empty error item (a MISSING token between items) was made by a recovery that may have begun in the item before it.
    if (item.startIndex === item.endIndex) return false;
    if (!zones.some((z) => z.start <= item.startIndex && item.endIndex <= z.end)) return false;
  }
  return true;
}
