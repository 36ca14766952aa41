/**
 * Escaping C text (identifiers, string literals, notes quoting source) for Markdown
 * hovers: a driver's comment or string may contain `<script>`, `[link](…)` or `*`, and
 * the editor must show it as text.
 */
const PUNCTUATION = /[\\`*_{}[\]()#+\-.!|~]/g;

export function escapeMarkdown(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(PUNCTUATION, (c) => `\\${c}`);
}
