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
  pairedParameterHeaders: Record<string, string>;
  loopMacroPattern: string;
}

const dialect: Dialect = dialectData as Dialect;
const attributes = new Set(dialect.attributes);
const attributeCalls = new Set(dialect.attributeCalls);
const typedDeclarations = new Set(dialect.typedDeclarationMacros);

/** One regex finds every candidate; the sets decide what it is. */
const CANDIDATE = new RegExp(
  `\\b(?:${[...attributes, ...attributeCalls, ...typedDeclarations]
    .sort((a, b) => b.length - a.length)
    .join('|')}|\\w*(?:${dialect.loopMacroPattern})\\w*)\\b`,
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
  while (i < text.length && isSpaceCode(text.charCodeAt(i))) i++;
  return i;
}

/** Only blanks between the line's start and `i` (looked at backwards, so the cost is the blanks, not the line). */
function startsLine(text: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
  return k < 0 || text.charCodeAt(k) === 10;
}

function prevNonSpace(text: string, i: number): number {
  while (i >= 0 && isSpaceCode(text.charCodeAt(i))) i--;
  return i;
}

/** `\s` by code. */
function isSpaceCode(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || (code > 127 && /\s/.test(String.fromCharCode(code)));
}

/** Spaces for every character of `s` but line breaks, so lines stay where they were. */
function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/**
 * The last character of code before `i`, skipping space, comments (`/* … *\/` and a
 * `//` comment on the line before) and directive lines, so neither a comment nor an
 * `#endif` above a loop macro hides that the macro starts a statement.
 */
function prevCode(text: string, i: number): number {
  for (;;) {
    const p = prevNonSpace(text, i);
    if (p >= 1 && text[p] === '/' && text[p - 1] === '*') {
      const open = text.lastIndexOf('/*', p - 2);
      if (open < 0) return p;
      i = open - 1;
      continue;
    }
    const lineStart = text.lastIndexOf('\n', p) + 1;
    // A directive line (`#endif`) is no code: look above it.
    if (/^[ \t]*#/.test(text.slice(lineStart, p + 1))) {
      i = lineStart - 1;
      continue;
    }
    const comment = text.indexOf('//', lineStart);
    if (comment >= 0 && comment < p && !text.slice(lineStart, comment).includes('"')) {
      i = comment - 1;
      continue;
    }
    return p;
  }
}

/**
 * A loop macro only at the start of a statement and followed by its body (`x =
 * idr_for_each(...)` is a call), or as the tail of `do { … } while_each_thread(g, t);`.
 */
function isLoopMacroUse(text: string, start: number, close: number): boolean {
  const p = prevCode(text, start - 1);
  const before = p < 0 ? ';' : text[p];
  const startsStatement = ';{}):'.includes(before) || /\b(?:else|do)$/.test(text.slice(Math.max(0, p - 3), p + 1));
  if (!startsStatement) return false;
  const n = skipSpace(text, close);
  if (n >= text.length) return false;
  return text[n] === '{' || /[A-Za-z_]/.test(text[n]) || (before === '}' && text[n] === ';');
}

/** `struct foo` standing alone between `(`/`,` and `,`/`)`: a macro's type argument, never a cast. */
const TYPE_ARGUMENT = /([(,]\s*)(struct|union|enum)([ \t]+)([A-Za-z_]\w*)(?=\s*[,)])/g;

/**
 * A builtin type of several words as a macro's argument (`min_t(unsigned long, a, b)`):
 * followed by `,`, so a cast `(unsigned long)x` is left alone.
 */
const BUILTIN_TYPE_ARGUMENT = /([(,][ \t]*)((?:unsigned|signed|long|short|int|char)(?:[ \t]+(?:unsigned|signed|long|short|int|char))+)(?=[ \t]*,)/g;

function joinTypeArguments(text: string): string {
  return text
    .replace(TYPE_ARGUMENT, (_m, open: string, kw: string, space: string, name: string) => open + kw + '_'.repeat(space.length) + name)
    .replace(BUILTIN_TYPE_ARGUMENT, (_m, open: string, type: string) => open + type.replace(/[ \t]/g, '_'));
}

/**
 * A macro call alone at the start of a line at file scope with no `;` after it
 * (`NOKPROBE_SYMBOL(f)`, `subsys_initcall(f)` written without one): its expansion ends the
 * declaration, but unexpanded it runs into the next definition, so it is blanked (with a
 * `static` before it: `static DEF_SCSI_QCMD(queue)` defines a function). One
 * followed by `{` (a function header such as `SYSCALL_DEFINE2(…)`) stays.
 */
const LINE_MACRO = /^(?:static[ \t]+)?(?:[A-Z][A-Z0-9_]*|\w*initcall\w*|module_(?:init|exit))[ \t]*\(/gm;

function blankUnterminatedMacros(text: string): string {
  let out = text;
  for (const m of text.matchAll(LINE_MACRO)) {
    const start = m.index ?? 0;
    if (start >= 2 && text[start - 2] === '\\') continue;
    const close = matchParen(text, start + m[0].length - 1);
    if (close < 0) continue;
    const eol = text.indexOf('\n', close);
    if (eol < 0 || text.slice(close, eol).trim() !== '') continue;
    const next = text[skipSpace(text, eol)];
    if (next === undefined || !/[A-Za-z_/#]/.test(next)) continue;
    out = out.slice(0, start) + blank(text.slice(start, close)) + out.slice(close);
  }
  return out;
}

/**
 * `offsetof(T, a[i].b)`: tree-sitter's `offsetof_expression` takes one field name, so a
 * member path becomes one identifier of the same length (`a_i__b`); the offset is a
 * constant either way.
 */
const OFFSETOF = /\boffsetof[ \t]*\(/g;

function offsetofPaths(text: string): string {
  let out = text;
  for (const m of text.matchAll(OFFSETOF)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const close = matchParen(text, open);
    const comma = close > 0 ? text.lastIndexOf(',', close) : -1;
    if (comma <= open) continue;
    const member = text.slice(comma + 1, close - 1);
    if (/^\s*[A-Za-z_]\w*\s*$/.test(member) || member.includes('\n')) continue;
    const lead = member.length - member.trimStart().length;
    const path = member.trim().replace(/\W/g, '_');
    out = out.slice(0, comma + 1 + lead) + path + out.slice(comma + 1 + lead + path.length);
  }
  return out;
}

/**
 * String-literal macros pasted beside literals (`printk(KERN_ERR "x")`, `PFX "y"`,
 * `"z" DRV_NAME`): an upper-case name next to a string literal, outside strings,
 * comments and directives, becomes a blank literal of its length, so the run is one
 * concatenated string.
 *
 * The scan reads character codes, never one-character strings: indexing a long string
 * with `text[i]` can fall off V8's fast path after other work in the same process (a 3 MB
 * line of literals took 15 s in the fuzz regression suite; with codes it takes 0.1 s).
 */
function stringMacros(text: string): string {
  const out: string[] = [];
  let last = 0;
  let prevLiteralEnd = -1;
  const n = text.length;
  // The regexp engine skips the characters that start nothing: a per-character loop in
  // JavaScript was fast alone but took minutes on a 10 MB line after other work had
  // shaped V8's optimised code for this function.
  for (let i = nextInteresting(text, 0); i < n; i = nextInteresting(text, i + 1)) {
    const c = text.charCodeAt(i);
    if (c === HASH && startsLine(text, i)) {
      // A directive (`#define PFX "x"`) is no expression: skip it with its continuations.
      let end = text.indexOf('\n', i);
      while (end > 0 && text.charCodeAt(end - 1) === BACKSLASH) end = text.indexOf('\n', end + 1);
      i = end < 0 ? n : end;
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === DQUOTE || c === SQUOTE) {
      let j = i + 1;
      for (let d = text.charCodeAt(j); j < n && d !== c && d !== NEWLINE; d = text.charCodeAt(j)) j += d === BACKSLASH ? 2 : 1;
      if (c === DQUOTE) prevLiteralEnd = j;
      i = j;
    } else if (isUpperOrUnderscore(c) && !isWordCode(text.charCodeAt(i - 1))) {
      let j = i;
      let upper = false;
      let macroLike = true;
      for (let d = c; j < n && isWordCode(d); d = text.charCodeAt(++j)) {
        if (d >= 65 && d <= 90) upper = true;
        else if (!isUpperOrUnderscore(d) && !(d >= 48 && d <= 57)) macroLike = false;
      }
      // Scanning back over the spaces before the word, not slicing from the literal: a
      // 10 MB line would make that quadratic.
      const afterLiteral = prevLiteralEnd >= 0 && prevNonSpace(text, i - 1) <= prevLiteralEnd;
      const beforeLiteral = text.charCodeAt(skipSpace(text, j)) === DQUOTE;
      if (j - i >= 2 && macroLike && upper && (beforeLiteral || afterLiteral)) {
        out.push(text.slice(last, i), '"' + ' '.repeat(j - i - 2) + '"');
        last = j;
        prevLiteralEnd = j - 1;
      }
      i = j - 1;
    }
  }
  if (last === 0) return text;
  out.push(text.slice(last));
  return out.join('');
}

const INTERESTING = /[#/"'A-Z_]/g;

/** The index of the next character at or after `from` that may start a directive, comment, literal or macro name; the length at the end. */
function nextInteresting(text: string, from: number): number {
  INTERESTING.lastIndex = from;
  return INTERESTING.test(text) ? INTERESTING.lastIndex - 1 : text.length;
}

const [HASH, SLASH, STAR, DQUOTE, SQUOTE, BACKSLASH, NEWLINE] = ['#', '/', '*', '"', "'", '\\', '\n'].map((ch) => ch.charCodeAt(0));

/** `[A-Z_]` by code. */
function isUpperOrUnderscore(code: number): boolean {
  return (code >= 65 && code <= 90) || code === 95;
}

/** `\w` by code (NaN, past either end of the text, is no word character). */
function isWordCode(code: number): boolean {
  return isUpperOrUnderscore(code) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

/** A digit-led word that is no C number (`0x1f`, `10UL`, `1e5`, `2.5f` are numbers). */
const DIGIT_WORD = /\b\d\w*[A-Za-z_]\w*\b/g;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|0[bB][01]+|\d+(?:[eE][+-]?\d+)?)[uUlLfF]*$/;

function undigitWords(text: string): string {
  return text.replace(DIGIT_WORD, (w: string) => (NUMBER.test(w) ? w : '_' + w.slice(1)));
}

/**
 * `BPF_CALL_3(fn, struct x *, a, u64, b) {` and `SYSCALL_DEFINE2(fn, int, a, long, b) {`
 * become `u64        fn( struct x *  a, u64  b) {`: the function the kernel's expansion
 * defines, with its parameters (the first comma turns into `(`, each type's comma into a
 * space). Without it the body is no function at all, and its stores and calls are lost.
 */
const PAIRED_HEADERS = Object.entries(dialect.pairedParameterHeaders)
  .filter(([pattern]) => !pattern.startsWith('$'))
  .map(([pattern, returns]) => ({ re: new RegExp(`^(${pattern})\\(`, 'gm'), returns }));

function pairedParameterHeaders(text: string): string {
  let out = text;
  for (const { re, returns } of PAIRED_HEADERS) {
    for (const m of text.matchAll(re)) {
      const start = m.index ?? 0;
      const open = start + m[0].length - 1;
      const close = matchParen(text, open);
      if (close < 0 || text[skipSpace(text, close)] !== '{' || m[1].length < returns.length) continue;
      const commas: number[] = [];
      let depth = 0;
      for (let i = open + 1; i < close - 1; i++) {
        if ('([{'.includes(text[i])) depth++;
        else if (')]}'.includes(text[i])) depth--;
        else if (text[i] === ',' && depth === 0) commas.push(i);
      }
      if (commas.length === 0 || commas.length % 2 !== 0) continue;
      const chars = [...out.slice(start, close)];
      const at = (i: number, c: string): void => void (chars[i - start] = c);
      for (let i = start; i <= open; i++) at(i, ' ');
      for (let i = 0; i < returns.length; i++) at(start + i, returns[i]);
      at(commas[0], '(');
      for (let k = 1; k < commas.length; k += 2) at(commas[k], ' ');
      out = out.slice(0, start) + chars.join('') + out.slice(close);
    }
  }
  return out;
}

/** `static NAME(` at the start of a line, NAME in upper case as kernel declaration macros are. */
const STATIC_MACRO = /^([ \t]*)static([ \t]+[A-Z][A-Z0-9_]*[ \t]*)\(/gm;

function unstaticMacros(text: string): string {
  return text.replace(STATIC_MACRO, (whole: string, indent: string, rest: string, offset: number) => {
    const close = matchParen(text, offset + whole.length - 1);
    return close > 0 && text[skipSpace(text, close)] === ';' ? `${indent}      ${rest}(` : whole;
  });
}

/** The rewrites, in the order they run: each reads the text the one before it made. */
const REWRITES: ReadonlyArray<(text: string) => string> = [joinTypeArguments, blankUnterminatedMacros, pairedParameterHeaders, offsetofPaths, stringMacros, undigitWords, unstaticMacros, rewriteMacros];

export function neutraliseDialect(text: string): string {
  return REWRITES.reduce((t, rewrite) => rewrite(t), text);
}

/**
 * `neutraliseDialect` of one piece of a file (preparedPieces.ts), or undefined when the
 * rewrites of the piece alone might differ from those of the whole file: the rewrites
 * look past where they start only for the `)` that closes a `(` (matchParen), over
 * blanks (whatever follows, a piece's next one begins with `}`, which no rewrite takes
 * for anything), and back over comments to the code before a loop macro (prevCode) or
 * to the literal before a word (stringMacros). So each rewrite's input must close every
 * `(` it opens, end outside a block comment, and close no comment it did not open.
 */
export function neutraliseDialectPiece(text: string): string | undefined {
  let t = text;
  for (const rewrite of REWRITES) {
    if (!parensClose(t) || !commentsInside(t)) return undefined;
    t = rewrite(t);
  }
  return t;
}

/** Every `(` has its `)` in `text`, counted as matchParen counts (strings and comments included). */
function parensClose(text: string): boolean {
  let open = 0;
  for (let i = text.indexOf('('), j = text.indexOf(')'); i >= 0 || j >= 0; ) {
    if (i >= 0 && (j < 0 || i < j)) {
      open++;
      i = text.indexOf('(', i + 1);
    } else {
      if (open > 0) open--;
      j = text.indexOf(')', j + 1);
    }
  }
  return open === 0;
}

/** No `/*` after the last `*\/`, and none of them before the first `/*`. */
function commentsInside(text: string): boolean {
  const lastOpen = text.lastIndexOf('/*');
  const firstClose = text.indexOf('*/');
  if (firstClose < 0) return lastOpen < 0;
  const firstOpen = text.indexOf('/*');
  return firstOpen >= 0 && firstOpen < firstClose && text.lastIndexOf('*/') >= lastOpen + 2;
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
      if (text[open] !== '(') {
        // `__no_kcsan` also stands alone before a definition.
        if (attributeCalls.has(name)) {
          out.push(text.slice(last, start), blank(name));
          last = end;
        }
        continue;
      }
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
        if (open === end && close === open + 2 && name.length > 5) {
          // `} while_each_subsys_mask();` ends a `do_each_…` loop: C needs a condition.
          out.push(text.slice(last, start), 'while' + ' '.repeat(name.length - 6) + '(1)');
          last = close;
          continue;
        }
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
