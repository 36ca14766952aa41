/**
 * An open document's parse, kept between versions so that an edit re-parses only what
 * changed: tree-sitter is given the previous tree, edited to match the new text, and
 * reuses every subtree the edit did not touch.
 *
 * The edit is derived from the previous and new *prepared* texts (after the pre-passes),
 * not from the editor's change events: a pre-pass may rewrite text away from the typed
 * characters (a new `#if 0` blanks lines below it, a new `/*` blanks the rest of the file),
 * and the common prefix and suffix of what the parser actually read covers all of that.
 */
import type { FileFacts } from './facts';
import { FunctionMemo } from './functionMemo';
import { PARSE_BUDGET_MS, factsFromTree, parseFailedFacts, timeoutFacts, tooLargeFacts } from './index';
import type { CParser, Point, SyntaxTree, TreeEdit } from './parser';
import { PreparedPieces } from './preparedPieces';
import { errorsInside, reparsePlan } from './reparseZones';

/** The smallest edit that turns `before` into `after`: their common prefix and suffix stay. */
export function diffEdit(before: string, after: string): TreeEdit | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const startPosition = pointAt(before, prefix);
  return {
    startIndex: prefix,
    oldEndIndex: before.length - suffix,
    newEndIndex: after.length - suffix,
    startPosition,
    oldEndPosition: pointAt(before, before.length - suffix, prefix, startPosition),
    newEndPosition: pointAt(after, after.length - suffix, prefix, startPosition),
  };
}

/** Row and UTF-16 column of `index`, counting on from a known point `from` at `fromIndex`. */
function pointAt(text: string, index: number, fromIndex = 0, from: Point = { row: 0, column: 0 }): Point {
  let row = from.row;
  let lineStart = fromIndex - from.column;
  for (let i = text.indexOf('\n', fromIndex); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

export class DocumentParse {
  private last?: { prepared: string; tree: SyntaxTree };
  private memo = new FunctionMemo();
  private pieces = new PreparedPieces();

  constructor(
    private readonly parser: CParser,
    private readonly path: string,
    private readonly budgetMs: number = PARSE_BUDGET_MS,
  ) {}

  /** Facts for the document's new text; never throws, like `factsFromText`. */
  update(text: string): FileFacts {
    const tooLarge = tooLargeFacts(this.path, text);
    if (tooLarge) {
      this.dispose();
      return tooLarge;
    }
    try {
      const prepared = this.pieces.prepare(text);
      // Text the pre-passes blank (inside `#if 0`, after an unterminated comment) changes
      // nothing the parser reads: the tree stays.
      if (this.last?.prepared !== prepared.text) {
        const tree = this.parse(prepared.text);
        this.releaseTree();
        if (!tree) return timeoutFacts(this.path, this.budgetMs);
        this.last = { prepared: prepared.text, tree };
      }
      return factsFromTree(this.last.tree, prepared, this.path, this.budgetMs, this.memo);
    } catch (err) {
      this.dispose();
      return parseFailedFacts(this.path, err);
    }
  }

  /**
   * The new text's tree: the old tree re-parsed, with the zones around its errors and the
   * edit read afresh (reparseZones.ts), or a fresh parse when that cannot be trusted.
   */
  private parse(text: string): SyntaxTree | null {
    const old = this.last;
    const edit = old && diffEdit(old.prepared, text);
    if (!old || !edit) return this.parser.parse(text, this.budgetMs);
    const plan = reparsePlan(old.tree.rootNode, edit);
    if (!plan) return this.parser.parse(text, this.budgetMs);
    for (const e of plan.edits) this.parser.edit(old.tree, e);
    const tree = this.parser.parse(text, this.budgetMs, old.tree);
    if (!tree || errorsInside(tree.rootNode, plan.zones)) return tree;
    this.parser.release(tree);
    return this.parser.parse(text, this.budgetMs);
  }

  /** Frees the kept tree (wasm trees live outside the JS heap) and forgets the kept functions and pieces. */
  dispose(): void {
    this.releaseTree();
    this.memo = new FunctionMemo();
    this.pieces = new PreparedPieces();
  }

  private releaseTree(): void {
    if (this.last) this.parser.release(this.last.tree);
    this.last = undefined;
  }
}
