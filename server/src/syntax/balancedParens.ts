/** Whether every `)` of a text closes a `(` before it and every `(` is closed: `a) (b` is not. */
export function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
