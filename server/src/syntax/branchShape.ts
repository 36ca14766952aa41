/**
 * The shape of a run of C lines, as far as a line scan can tell: net braces and
 * parentheses, and whether it starts or ends in the middle of a statement. Used to tell a
 * preprocessor branch of whole statements from one that splits a statement.
 */

export interface BranchShape {
  /** Net `{` minus `}`. */
  braces: number;
  /** Net `(` minus `)`. */
  parens: number;
  /** The last code ends a statement, declaration, label or list item (`;`, `}`, `:`, `,`, a file-scope macro call), or there is no code. */
  cleanEnd: boolean;
  /** The first code continues the statement before it (`else`, `&&`, `||`). */
  danglingStart: boolean;
}

export interface CommentState {
  inComment: boolean;
}

/**
 * A line's code: strings, character literals and comments blanked; `inComment` carries a
 * block comment across lines. A hand-written scan, not a regular expression: a backtracking
 * string pattern overflows V8's regexp stack on a megabyte-long literal.
 */
export function codeOf(line: string, state: CommentState): string {
  const parts: string[] = [];
  let i = 0;
  if (state.inComment) {
    const end = line.indexOf('*/');
    if (end < 0) return '';
    parts.push(' '.repeat(end + 2));
    i = end + 2;
    state.inComment = false;
  }
  let from = i;
  // A quote with no closing partner on this line stays code; later ones of the same kind cannot close either.
  const unclosed = new Set<string>();
  while (i < line.length) {
    const c = line[i];
    if ((c === '"' || c === "'") && !unclosed.has(c)) {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) {
        unclosed.add(c);
        i++;
        continue;
      }
      parts.push(line.slice(from, i), ' ');
      i = from = j + 1;
    } else if (c === '/' && line[i + 1] === '/') {
      parts.push(line.slice(from, i), ' ');
      return parts.join('');
    } else if (c === '/' && line[i + 1] === '*') {
      const end = line.indexOf('*/', i + 2);
      parts.push(line.slice(from, i));
      if (end < 0) {
        state.inComment = true;
        return parts.join('');
      }
      parts.push(' ');
      i = from = end + 2;
    } else {
      i++;
    }
  }
  parts.push(line.slice(from));
  return parts.join('');
}

export function branchShape(lines: readonly string[], from: number, to: number): BranchShape {
  let braces = 0;
  let parens = 0;
  let first: string | undefined;
  let last = '';
  let lastRaw = '';
  let continued = false;
  const state: CommentState = { inComment: false };
  for (let k = from; k <= to; k++) {
    const raw = lines[k];
    // Directive lines (and their backslash continuations) are not code.
    const directive: boolean = continued || /^\s*#/.test(raw);
    continued = directive && raw.endsWith('\\');
    if (directive) continue;
    const code = codeOf(raw, state).trim();
    if (code === '') continue;
    first ??= code;
    last = code;
    lastRaw = raw;
    for (const c of code) {
      if (c === '{') braces++;
      else if (c === '}') braces--;
      else if (c === '(') parens++;
      else if (c === ')') parens--;
    }
  }
  return {
    braces,
    parens,
    // A file-scope macro call without `;` (`subsys_initcall(f)`) ends its declaration when expanded.
    cleanEnd: last === '' || /[;}:,]$/.test(last) || /^[A-Za-z_]\w*\(.*\)\s*$/.test(lastRaw),
    danglingStart: first !== undefined && /^(?:else\b|&&|\|\|)/.test(first),
  };
}

/** A line with none of these, outside a block comment, is all code. */
const NOT_PLAIN = /["'/]/;

/** Net `(` minus `)` of one line's code. */
export function parenBalance(line: string, state: CommentState): number {
  let n = 0;
  // Most lines are plain code: count them as they are, without copying.
  const code = state.inComment || NOT_PLAIN.test(line) ? codeOf(line, state) : line;
  for (const c of code) {
    if (c === '(') n++;
    else if (c === ')') n--;
  }
  return n;
}
