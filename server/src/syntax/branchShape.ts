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
  /** The last code ends a statement, declaration, label or list item (`;`, `}`, `:`, `,`), or there is no code. */
  cleanEnd: boolean;
  /** The first code continues the statement before it (`else`, `&&`, `||`). */
  danglingStart: boolean;
}

/** Strings, character literals and comments on one line, blanked (a block comment's inside lines are left to the caller's luck). */
function codeOf(line: string): string {
  return line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\/\*.*?\*\/|\/\*.*$|\/\/.*$/g, ' ');
}

export function branchShape(lines: readonly string[], from: number, to: number): BranchShape {
  let braces = 0;
  let parens = 0;
  let first: string | undefined;
  let last = '';
  let continued = false;
  for (let k = from; k <= to; k++) {
    const raw = lines[k];
    // Directive lines (and their backslash continuations) are not code.
    const directive: boolean = continued || /^\s*#/.test(raw);
    continued = directive && raw.endsWith('\\');
    if (directive) continue;
    const code = codeOf(raw).trim();
    if (code === '' || code.startsWith('*')) continue;
    first ??= code;
    last = code;
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
    cleanEnd: last === '' || /[;}:,]$/.test(last),
    danglingStart: first !== undefined && /^(?:else\b|&&|\|\|)/.test(first),
  };
}
