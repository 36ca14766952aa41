/**
 * What the facts of a file depend on besides its bytes: the facts format, the grammar and
 * parser versions, the kernel-dialect table and irqlens' own version. Part of every cache
 * key, so upgrading any of them makes old entries unreachable instead of wrong.
 */
import { createHash } from 'crypto';
import dialect from '../../../grammars/kernel-dialect.json';
import pkg from '../../../package.json';
import { FACTS_VERSION } from '../syntax/facts';

export function extractorFingerprint(): string {
  const inputs = {
    facts: FACTS_VERSION,
    irqlens: pkg.version,
    grammar: pkg.dependencies['tree-sitter-c'],
    parsers: [pkg.dependencies['web-tree-sitter'], pkg.dependencies['tree-sitter']],
    dialect,
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}
