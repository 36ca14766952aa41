/** Whether every `)` of a text closes a `(` before it and every `(` is closed: `a) (b` is not. */
export function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** A text without the parentheses that enclose all of it (`((a))` is `a`; `(a) && (b)` stays), trimmed. */
export function stripParens(text: string): string {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}
