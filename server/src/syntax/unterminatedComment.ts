/**
 * A block comment that never closes turns the rest of the file into a comment for the
 * compiler; tree-sitter instead recovers and would invent functions inside it. Find
 * such a comment (skipping strings, character literals and line comments) and blank
 * it to the end of the file, keeping line breaks.
 */
const TOKEN = /\/\*|\/\/|"|'/g;

export function blankUnterminatedComment(text: string): { text: string; line?: number } {
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const at = m.index;
    let end: number;
    if (m[0] === '/*') {
      end = text.indexOf('*/', at + 2);
      if (end < 0) {
        const line = text.slice(0, at).split('\n').length - 1;
        return { text: text.slice(0, at) + text.slice(at).replace(/[^\n]/g, ' '), line };
      }
      end += 2;
    } else if (m[0] === '//') {
      end = text.indexOf('\n', at);
      if (end < 0) break;
    } else {
      // A string or character literal ends at its unescaped quote, or at the line's end.
      end = at + 1;
      while (end < text.length && text[end] !== m[0] && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
      end++;
    }
    TOKEN.lastIndex = end;
  }
  return { text };
}
