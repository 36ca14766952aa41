/**
 * One parser interface over the two tree-sitter packages the design card names:
 * native `tree-sitter` (fast, for the CLI and benchmarks) and `web-tree-sitter` (wasm,
 * for the language server inside VS Code, where native modules would have to match
 * Electron's ABI). Both load the same tree-sitter-c grammar version, and fact
 * extraction only uses the members below, so both produce identical facts.
 */
import * as path from 'path';

export interface Point {
  row: number;
  column: number;
}

/** The part of a tree-sitter node that fact extraction uses; both packages' nodes fit it. */
export interface SyntaxNode {
  readonly type: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: Point;
  readonly endPosition: Point;
  readonly hasError: boolean;
  readonly isMissing: boolean;
  readonly isNamed: boolean;
  readonly childCount: number;
  /**
   * All children in one call: `child(i)` walks from the first child, so a loop over it is
   * quadratic in a wide node (an ERROR node of 50,000 tokens took seconds).
   */
  readonly children: ReadonlyArray<SyntaxNode | null>;
  /** Natively the fastest way to a small node's named children, but quadratic in a wide one. */
  readonly namedChildren: ReadonlyArray<SyntaxNode | null>;
  childForFieldName(name: string): SyntaxNode | null;
}

export interface SyntaxTree {
  readonly rootNode: SyntaxNode;
}

export type Backend = 'native' | 'wasm';

/** A text change as tree-sitter describes it: UTF-16 offsets and points, as both packages count them for JS strings. */
export interface TreeEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: Point;
  oldEndPosition: Point;
  newEndPosition: Point;
}

export interface CParser {
  readonly backend: Backend;
  /**
   * The tree, or null when parsing took longer than `budgetMs` (a pathological input must
   * not stall a run). With `oldTree` (already `edit`ed to match `text`), tree-sitter reuses
   * its unchanged subtrees; `oldTree` stays valid and is still the caller's to release.
   */
  parse(text: string, budgetMs?: number, oldTree?: SyntaxTree): SyntaxTree | null;
  /** Shifts `tree` to match a text change, so it can be passed to `parse` as `oldTree`. */
  edit(tree: SyntaxTree, edit: TreeEdit): void;
  /** Frees what the tree holds outside the JS heap (wasm trees live in wasm memory). */
  release(tree: SyntaxTree): void;
}

/** The wasm grammar copied into grammars/ at install time (scripts/copy-grammar.js). */
export function defaultGrammarWasm(): string {
  return path.join(__dirname, '..', '..', '..', '..', 'grammars', 'tree-sitter-c.wasm');
}

interface NativeParser {
  setLanguage(language: unknown): void;
  setTimeoutMicros(micros: number): void;
  reset(): void;
  parse(input: string | ((index: number) => string | null), oldTree?: SyntaxTree | null): SyntaxTree | null;
}

interface EditableTree extends SyntaxTree {
  edit(edit: TreeEdit): void;
}

export function createNativeParser(): CParser {
  // Required lazily: the language server never loads the native module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const NativeParserClass = require('tree-sitter') as new () => NativeParser;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const language = require('tree-sitter-c') as unknown;
  const parser = new NativeParserClass();
  parser.setLanguage(language);
  return {
    backend: 'native',
    // The native binding copies a string input through a fixed-size buffer; a callback
    // input reads large files in chunks without that limit.
    parse: (text, budgetMs, oldTree) => {
      // 0 means "no limit" to tree-sitter, so a zero budget becomes one microsecond.
      parser.setTimeoutMicros(budgetMs === undefined ? 0 : Math.max(1, Math.round(budgetMs * 1000)));
      const tree = parser.parse((index) => (index < text.length ? text.slice(index, index + 65536) : null), oldTree ?? null);
      // A halted parse is resumed by the next call unless reset: the next file would get this one's tree.
      if (!tree) parser.reset();
      return tree;
    },
    edit: (tree, edit) => (tree as EditableTree).edit(edit),
    release: () => undefined,
  };
}

interface WasmTree extends EditableTree {
  delete(): void;
}

export async function createWasmParser(grammarWasm: string = defaultGrammarWasm()): Promise<CParser> {
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init();
  const language = await Language.load(grammarWasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    backend: 'wasm',
    parse: (text, budgetMs, oldTree) => {
      const deadline = budgetMs === undefined ? Infinity : performance.now() + budgetMs;
      // A progress callback that returns true cancels the parse (web-tree-sitter's ParseOptions).
      const progressCallback = (() => performance.now() > deadline) as unknown as () => void;
      const old = (oldTree ?? null) as Parameters<typeof parser.parse>[1];
      const tree = parser.parse(text, old, budgetMs === undefined ? undefined : { progressCallback });
      if (!tree) parser.reset();
      return tree ? (tree as unknown as WasmTree) : null;
    },
    edit: (tree, edit) => (tree as WasmTree).edit(edit),
    release: (tree) => (tree as WasmTree).delete(),
  };
}
