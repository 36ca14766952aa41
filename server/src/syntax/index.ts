/**
 * The syntax layer's entry point: bytes of one C file in, FileFacts out. Never throws:
 * a file that cannot be analysed (binary, too large, a parser failure) yields empty
 * facts with a problem that says why, and the run goes on with the other files.
 */
import { FACTS_VERSION, type Cfg, type FileFacts, type FileProblem } from './facts';
import { MAX_CFG_DEPTH, scanConditionals } from './conditionals';
import { neutraliseDialect } from './dialect';
import { extractFromTree } from './extractFacts';
import type { FunctionMemo } from './functionMemo';
import { blankUnterminatedComment } from './unterminatedComment';
import type { CParser, SyntaxTree } from './parser';

export * from './facts';
export { createNativeParser, createWasmParser, type CParser, type Backend, type SyntaxNode, type TreeEdit } from './parser';

/** Files larger than this are reported and skipped: no driver source comes near it. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Time budget per file, for parsing and again for fact extraction: the largest driver
 * file parses in well under a second.
 */
export const PARSE_BUDGET_MS = 20_000;

export function emptyFacts(path: string, problems: FileProblem[]): FileFacts {
  return {
    version: FACTS_VERSION,
    path,
    functions: [],
    stores: [],
    topLevelCalls: [],
    macros: [],
    structs: [],
    typedefs: [],
    health: { errorNodes: 0, functionsWithErrors: 0 },
    problems,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Decodes a file's bytes, or says why it is not C source. */
export function decodeSource(bytes: Uint8Array): { text: string; problems: FileProblem[] } | FileProblem {
  if (bytes.length > MAX_FILE_BYTES) {
    return { kind: 'too-large', message: `file is ${bytes.length} bytes; files over ${MAX_FILE_BYTES} bytes are skipped` };
  }
  // A NUL byte in the first 8 KiB is what git and grep take as "binary".
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { kind: 'binary', message: 'file contains NUL bytes: not C source' };
  try {
    return { text: utf8.decode(bytes), problems: [] };
  } catch {
    // Old kernel files carry Latin-1 author names; decoding keeps every byte a character.
    return { text: latin1.decode(bytes), problems: [{ kind: 'encoding', message: 'file is not valid UTF-8; read as Latin-1' }] };
  }
}

/** A file's text after the length-preserving pre-passes: what the parser reads. */
export interface PreparedText {
  text: string;
  cfgAt: (line: number) => Cfg;
  /** Line of an unterminated comment, if any. */
  commentLine?: number;
  /** `#if` nesting deeper than MAX_CFG_DEPTH. */
  cfgTooDeep?: boolean;
}

export function prepareText(text: string): PreparedText {
  const comment = blankUnterminatedComment(text);
  const conditionals = scanConditionals(comment.text);
  const prepared = neutraliseDialect(conditionals.text);
  return {
    text: prepared,
    cfgAt: conditionals.cfgAt,
    ...(comment.line === undefined ? {} : { commentLine: comment.line }),
    ...(conditionals.tooDeep ? { cfgTooDeep: true } : {}),
  };
}

export function timeoutFacts(path: string, budgetMs: number): FileFacts {
  return emptyFacts(path, [{ kind: 'timeout', message: `parsing took longer than ${budgetMs} ms; file skipped` }]);
}

export function parseFailedFacts(path: string, err: unknown): FileFacts {
  const message = err instanceof Error ? err.message : String(err);
  return emptyFacts(path, [{ kind: 'parse-failed', message: `could not parse: ${message}` }]);
}

/** Facts from a tree of `prepared`; extraction that outlasts `budgetMs` keeps the facts found until then. */
export function factsFromTree(tree: SyntaxTree, prepared: PreparedText, path: string, budgetMs: number, memo?: FunctionMemo): FileFacts {
  const facts = extractFromTree(tree.rootNode, prepared.text, path, prepared.cfgAt, memo, performance.now() + budgetMs);
  const problems: FileProblem[] = [];
  if (prepared.commentLine !== undefined) {
    problems.push({ kind: 'unterminated-comment', message: `comment opened at line ${prepared.commentLine + 1} is never closed; the rest of the file is not code` });
  }
  if (prepared.cfgTooDeep) problems.push({ kind: 'too-deep', message: `#if nesting deeper than ${MAX_CFG_DEPTH} levels; the deeper conditions are not tracked` });
  return problems.length === 0 ? facts : { ...facts, problems: [...problems, ...facts.problems] };
}

/** The facts of a text too large to parse, or undefined: an editor buffer arrives without decodeSource's size check. */
export function tooLargeFacts(path: string, text: string): FileFacts | undefined {
  if (text.length <= MAX_FILE_BYTES) return undefined;
  return emptyFacts(path, [{ kind: 'too-large', message: `text is ${text.length} characters; files over ${MAX_FILE_BYTES} bytes are skipped` }]);
}

/**
 * Facts for one file's text. A file whose parse outlasts `budgetMs` is reported and
 * skipped; one whose fact extraction outlasts it keeps the facts found until then.
 */
export function factsFromText(parser: CParser, path: string, text: string, budgetMs: number = PARSE_BUDGET_MS): FileFacts {
  const tooLarge = tooLargeFacts(path, text);
  if (tooLarge) return tooLarge;
  try {
    const prepared = prepareText(text);
    const tree = parser.parse(prepared.text, budgetMs);
    if (!tree) return timeoutFacts(path, budgetMs);
    try {
      return factsFromTree(tree, prepared, path, budgetMs);
    } finally {
      parser.release(tree);
    }
  } catch (err) {
    return parseFailedFacts(path, err);
  }
}

/** Facts for one file's bytes. */
export function factsFromBytes(parser: CParser, path: string, bytes: Uint8Array, budgetMs: number = PARSE_BUDGET_MS): FileFacts {
  const decoded = decodeSource(bytes);
  if ('kind' in decoded) return emptyFacts(path, [decoded]);
  const facts = factsFromText(parser, path, decoded.text, budgetMs);
  return decoded.problems.length > 0 ? { ...facts, problems: [...decoded.problems, ...facts.problems] } : facts;
}
