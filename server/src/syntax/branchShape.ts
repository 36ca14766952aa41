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

/** A line's code: strings, character literals and comments blanked; `inComment` carries a block comment across lines. */
export function codeOf(line: string, state: CommentState): string {
  let rest = line;
  if (state.inComment) {
    const end = rest.indexOf('*/');
    if (end < 0) return '';
    rest = ' '.repeat(end + 2) + rest.slice(end + 2);
    state.inComment = false;
  }
  const code = rest.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\/\*.*?\*\/|\/\/.*$/g, ' ');
  const open = code.indexOf('/*');
  if (open < 0) return code;
  state.inComment = true;
  return code.slice(0, open);
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

/** Net `(` minus `)` of one line's code. */
export function parenBalance(line: string, state: CommentState): number {
  let n = 0;
  for (const c of codeOf(line, state)) {
    if (c === '(') n++;
    else if (c === ')') n--;
  }
  return n;
}
