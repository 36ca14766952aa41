/**
 * Neutralises the kernel's C dialect so that tree-sitter's C grammar parses kernel code
 * as the compiler sees it after preprocessing. Every rewrite keeps the text's length and
 * line breaks, so every position in the facts is a position in the user's file.
 *
 * - attribute macros (`__init`, `__iomem`, `asmlinkage`) become spaces;
 * - attribute macros with arguments (`__acquires(lock)`, `__printf(1, 2)`) become spaces;
 * - `DEFINE_PER_CPU(type, name)` becomes `type name`, a plain declaration;
 * - a type passed to a macro (`container_of(p, struct foo, member)`, `offsetof(struct foo, x)`)
 *   becomes one identifier (`struct_foo`), since C has no expression that is a type;
 * - a token-pasted name that starts with a digit (`ETHTOOL_LINK_MODE(10000baseT_Full)`)
 *   gets `_` for its first digit, since C has no such token;
 * - `static DECLARE_TASKLET(t, fn);` at file scope loses its `static`, so the declaration
 *   macro parses as the call it looks like (tree-sitter has no declaration that fits);
 * - loop macros at statement start (`list_for_each_entry(pos, head, member) { … }`) become
 *   `while (pos, head, member) { … }`, which C parses as a loop over a comma expression.
 */
import dialectData from '../../../grammars/kernel-dialect.json';

interface Dialect {
  attributes: string[];
  attributeCalls: string[];
  typedDeclarationMacros: string[];
  loopMacroPattern: string;
}

const dialect: Dialect = dialectData;
const attributes = new Set(dialect.attributes);
const attributeCalls = new Set(dialect.attributeCalls);
const typedDeclarations = new Set(dialect.typedDeclarationMacros);

/** One regex finds every candidate; the sets decide what it is. */
const CANDIDATE = new RegExp(
  `\\b(?:${[...attributes, ...attributeCalls, ...typedDeclarations]
    .sort((a, b) => b.length - a.length)
    .join('|')}|\\w*${dialect.loopMacroPattern}\\w*)\\b`,
  'g',
);

/** Index just past the `)` matching the `(` at `open`, or -1 (skipping strings and comments is not needed: macro arguments rarely hold unbalanced parens). */
function matchParen(text: string, open: number): number {
  let depth = 0;
  const limit = Math.min(text.length, open + 4000);
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 /* ( */) depth++;
    else if (c === 41 /* ) */) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

function prevNonSpace(text: string, i: number): number {
  while (i >= 0 && /\s/.test(text[i])) i--;
  return i;
}

/** Spaces for every character of `s` but line breaks, so lines stay where they were. */
function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/**
 * A loop macro only at the start of a statement and followed by its body (`x =
 * idr_for_each(...)` is a call), or as the tail of `do { … } while_each_thread(g, t);`.
 */
function isLoopMacroUse(text: string, start: number, close: number): boolean {
  const p = prevNonSpace(text, start - 1);
  const before = p < 0 ? ';' : text[p];
  const startsStatement = ';{}):'.includes(before) || /\b(?:else|do)$/.test(text.slice(Math.max(0, p - 3), p + 1));
  if (!startsStatement) return false;
  const n = skipSpace(text, close);
  if (n >= text.length) return false;
  return text[n] === '{' || /[A-Za-z_]/.test(text[n]) || (before === '}' && text[n] === ';');
}

/** `struct foo` standing alone between `(`/`,` and `,`/`)`: a macro's type argument, never a cast. */
const TYPE_ARGUMENT = /([(,]\s*)(struct|union|enum)([ \t]+)([A-Za-z_]\w*)(?=\s*[,)])/g;

/** A digit-led word that is no C number (`0x1f`, `10UL`, `1e5`, `2.5f` are numbers). */
const DIGIT_WORD = /\b\d\w*[A-Za-z_]\w*\b/g;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|0[bB][01]+|\d+(?:[eE][+-]?\d+)?)[uUlLfF]*$/;

function undigitWords(text: string): string {
  return text.replace(DIGIT_WORD, (w: string) => (NUMBER.test(w) ? w : '_' + w.slice(1)));
}

/** `static NAME(` at the start of a line, NAME in upper case as kernel declaration macros are. */
const STATIC_MACRO = /^([ \t]*)static([ \t]+[A-Z][A-Z0-9_]*[ \t]*)\(/gm;

function unstaticMacros(text: string): string {
  return text.replace(STATIC_MACRO, (whole: string, indent: string, rest: string, offset: number) => {
    const close = matchParen(text, offset + whole.length - 1);
    return close > 0 && text[skipSpace(text, close)] === ';' ? `${indent}      ${rest}(` : whole;
  });
}

export function neutraliseDialect(text: string): string {
  const typesJoined = text.replace(TYPE_ARGUMENT, (_m, open: string, kw: string, space: string, name: string) => open + kw + '_'.repeat(space.length) + name);
  return rewriteMacros(unstaticMacros(undigitWords(typesJoined)));
}

function rewriteMacros(text: string): string {
  const out: string[] = [];
  let last = 0;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
    const name = m[0];
    const start = m.index;
    if (start < last) continue;
    let end = start + name.length;
    let replacement: string | undefined;
    if (attributes.has(name)) {
      replacement = blank(name);
    } else {
      const open = skipSpace(text, end);
      if (text[open] !== '(') continue;
      const close = matchParen(text, open);
      if (close < 0) continue;
      const whole = text.slice(start, close);
      if (attributeCalls.has(name)) {
        replacement = blank(whole);
      } else if (typedDeclarations.has(name)) {
        const inner = text.slice(open + 1, close - 1);
        const comma = inner.lastIndexOf(',');
        if (comma < 0) continue;
        replacement = blank(text.slice(start, open + 1)) + inner.slice(0, comma) + ' ' + inner.slice(comma + 1) + ' ';
      } else if (isLoopMacroUse(text, start, close)) {
        replacement = 'while' + ' '.repeat(name.length - 5);
        end = start + name.length;
        out.push(text.slice(last, start), replacement);
        last = end;
        continue;
      } else {
        continue;
      }
      end = close;
    }
    out.push(text.slice(last, start), replacement);
    last = end;
  }
  if (last === 0) return text;
  out.push(text.slice(last));
  return out.join('');
}
