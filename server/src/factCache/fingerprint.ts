/**
 * What cached results depend on besides the files' bytes: the facts format, grammar and
 * parser versions, the kernel-dialect table, irqlens' version, and the code itself (the
 * compiled modules of the layers that make the result, or the bundle that holds them), so
 * that a rebuilt irqlens never reads an entry an older build wrote, version bump or not.
 * Part of every cache key: a change makes old entries unreachable instead of wrong.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import dialect from '../../../grammars/kernel-dialect.json';
import pkg from '../../../package.json';
import { FACTS_VERSION } from '../syntax/facts';

/** out/server/src/<layer>/ beside this module; in a bundle (dist/server.js) there is none. */
function codeFiles(layers: readonly string[]): string[] {
  const src = path.join(__dirname, '..');
  if (!fs.existsSync(path.join(src, 'syntax'))) return [__filename];
  return layers.flatMap((layer) => {
    const dir = path.join(src, layer);
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.js') || f.endsWith('.json'))
      .sort()
      .map((f) => path.join(dir, f));
  });
}

function fingerprint(layers: readonly string[]): string {
  const hash = createHash('sha256').update(
    JSON.stringify({
      facts: FACTS_VERSION,
      irqlens: pkg.version,
      grammar: pkg.dependencies['tree-sitter-c'],
      parsers: [pkg.dependencies['web-tree-sitter'], pkg.dependencies['tree-sitter']],
      dialect,
    }),
  );
  for (const file of codeFiles(layers)) hash.update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

let extractor: string | undefined;
let analysis: string | undefined;

/** For per-file facts: the syntax layer. */
export function extractorFingerprint(): string {
  return (extractor ??= fingerprint(['syntax']));
}

/** For whole-run results: every layer from syntax to the CLI's report. */
export function analysisFingerprint(): string {
  return (analysis ??= fingerprint(['syntax', 'kernel', 'analysis', 'cli', 'cli/format']));
}
