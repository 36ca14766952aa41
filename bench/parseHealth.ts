/**
 * Parse health on the corpus (issue 5): the share of functions whose definition holds a
 * tree-sitter ERROR or MISSING node, per corpus directory, and the likely cause of each,
 * bucketed by the macro-looking name nearest the function's first error (or `#if` inside
 * the function, or the error's own text), so the top causes can be fixed in the dialect.
 */
import * as path from 'path';
import { selectSources } from '../server/src/analysis/workspace';
import { nodeReader } from '../server/src/cli/nodeReader';
import { PARSE_BUDGET_MS, decodeSource, factsFromTree, prepareText, type CParser, type SyntaxNode } from '../server/src/syntax';

export interface HealthReport {
  corpus: string;
  files: number;
  functions: number;
  functionsWithErrors: number;
  /** Cause → functions, most frequent first, with up to three examples each. */
  causes: Array<{ cause: string; functions: number; examples: string[] }>;
}

/** The first ERROR or MISSING node under `node`, in source order. */
function firstError(node: SyntaxNode): SyntaxNode | undefined {
  if (node.type === 'ERROR' || node.isMissing) return node;
  for (const c of node.children) {
    if (c && (c.hasError || c.isMissing)) {
      const e = firstError(c);
      if (e) return e;
    }
  }
  return undefined;
}

/** Definitions with errors, found as the facts find them (function_definition at any depth tree-sitter put them). */
function erroneousDefinitions(root: SyntaxNode, out: SyntaxNode[] = []): SyntaxNode[] {
  for (const c of root.children) {
    if (!c || !c.hasError) continue;
    if (c.type === 'function_definition') out.push(c);
    else erroneousDefinitions(c, out);
  }
  return out;
}

const MACRO_CALL = /\b([A-Z_][A-Z0-9_]*[A-Z][A-Z0-9_]*|__\w+)\s*\(/g;
const MACRO_WORD = /\b([A-Z_][A-Z0-9_]*[A-Z][A-Z0-9_]{2,}|__[a-z]\w*)\b/g;

/** The cause of a function's first error, as a bucket name. */
export function errorCause(text: string, fn: SyntaxNode, error: SyntaxNode): string {
  const lineStart = text.lastIndexOf('\n', error.startIndex - 1) + 1;
  const lineEnd = text.indexOf('\n', error.startIndex);
  const around = text.slice(lineStart, Math.max(lineEnd, Math.min(error.endIndex, error.startIndex + 200)));
  const call = [...around.matchAll(MACRO_CALL)][0];
  if (call) return `${call[1]}(…)`;
  const word = [...around.matchAll(MACRO_WORD)][0];
  if (word) return word[1];
  if (/^[ \t]*#[ \t]*(if|else|elif|endif)/m.test(text.slice(fn.startIndex, fn.endIndex))) return '#if inside the function';
  const token = text.slice(error.startIndex, error.endIndex).trim().split(/\s+/)[0] ?? '';
  return error.isMissing ? `missing ${error.type}` : `text: ${token.slice(0, 24) || '(empty)'}`;
}

export function parseHealth(parser: CParser, corpus: string, subdir: string): HealthReport {
  const selection = selectSources([path.join(corpus, subdir)], nodeReader);
  let functions = 0;
  let functionsWithErrors = 0;
  const causes = new Map<string, { functions: number; examples: string[] }>();
  for (const file of selection.files) {
    const bytes = nodeReader.read(file);
    if (!(bytes instanceof Uint8Array)) continue;
    const decoded = decodeSource(bytes);
    if ('kind' in decoded) continue;
    const prepared = prepareText(decoded.text);
    const tree = parser.parse(prepared.text, 20_000);
    if (!tree) continue;
    try {
      const facts = factsFromTree(tree, prepared, file, PARSE_BUDGET_MS);
      functions += facts.functions.length;
      functionsWithErrors += facts.health.functionsWithErrors;
      for (const def of erroneousDefinitions(tree.rootNode)) {
        const error = firstError(def);
        if (!error) continue;
        const cause = errorCause(prepared.text, def, error);
        const entry = causes.get(cause) ?? { functions: 0, examples: [] };
        entry.functions++;
        if (entry.examples.length < 3) entry.examples.push(`${path.relative(corpus, file)}:${error.startPosition.row + 1}`);
        causes.set(cause, entry);
      }
    } finally {
      parser.release(tree);
    }
  }
  return {
    corpus: subdir,
    files: selection.files.length,
    functions,
    functionsWithErrors,
    causes: [...causes].map(([cause, c]) => ({ cause, ...c })).sort((a, b) => b.functions - a.functions),
  };
}

export function healthMarkdown(reports: readonly HealthReport[], top: number): string {
  const lines = ['| corpus | files | functions | with ERROR nodes |', '|---|---|---|---|'];
  for (const r of reports) {
    lines.push(`| ${r.corpus} | ${r.files} | ${r.functions} | ${r.functionsWithErrors} (${((100 * r.functionsWithErrors) / Math.max(1, r.functions)).toFixed(2)}%) |`);
  }
  for (const r of reports) {
    lines.push('', `Top causes in ${r.corpus}:`, '', '| cause (nearest macro at the first error) | functions | examples |', '|---|---|---|');
    for (const c of r.causes.slice(0, top)) lines.push(`| \`${c.cause}\` | ${c.functions} | ${c.examples.join(', ')} |`);
  }
  return lines.join('\n');
}
