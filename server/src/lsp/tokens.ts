/**
 * Identifier tokens in source lines. The analysis records where a call or store starts;
 * editors want the range of the name there, and hover wants the word under the cursor.
 */
import type { Range } from 'vscode-languageserver';
import type { Pos } from '../syntax/facts';

const IDENT_AT = /^[A-Za-z_]\w*/;

/** The range of the identifier that starts at `pos`, or `fallback` characters when the line says otherwise. */
export function tokenRange(line: string | undefined, pos: Pos, fallback = 1): Range {
  const m = line === undefined ? null : IDENT_AT.exec(line.slice(pos.col));
  const length = m ? m[0].length : fallback;
  return { start: { line: pos.line, character: pos.col }, end: { line: pos.line, character: pos.col + length } };
}

/** The range of the first whole-word occurrence of `name` on the line at or after `pos`, else the token at `pos`. */
export function nameRange(line: string | undefined, pos: Pos, name: string): Range {
  if (line !== undefined) {
    const m = new RegExp(`\\b${name.replace(/\W/g, '')}\\b`).exec(line.slice(pos.col));
    if (m) return { start: { line: pos.line, character: pos.col + m.index }, end: { line: pos.line, character: pos.col + m.index + name.length } };
  }
  return tokenRange(line, pos, name.length);
}

export interface Word {
  text: string;
  /** Where the word starts, as an analysis position. */
  at: Pos;
}

/** The C identifier under (or just before) `character` on `line`. */
export function wordAt(lineText: string | undefined, line: number, character: number): Word | undefined {
  if (lineText === undefined) return undefined;
  const isWord = (c: string | undefined): boolean => c !== undefined && /\w/.test(c);
  let start = Math.min(character, lineText.length);
  if (!isWord(lineText[start]) && isWord(lineText[start - 1])) start--;
  if (!isWord(lineText[start])) return undefined;
  while (start > 0 && isWord(lineText[start - 1])) start--;
  const m = IDENT_AT.exec(lineText.slice(start));
  return m ? { text: m[0], at: { line, col: start } } : undefined;
}
