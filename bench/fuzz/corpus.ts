/**
 * The files mutation inputs start from: kernel sources in long runs (never committed),
 * and the committed fixtures and examples, which have findings and are all CI has.
 * Paths are relative to the repository root, so labels and saved fixtures name no machine.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Corpus } from './inputs';

function filesUnder(root: string, dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && ext.test(e.name)) out.push(path.relative(root, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** `kernelDir` (absolute, or null for none) plus the committed C files. */
export function loadCorpus(root: string, kernelDir: string | null): Corpus {
  return {
    files: kernelDir ? filesUnder(root, kernelDir, /\.c$/) : [],
    withFindings: [...filesUnder(root, path.join(root, 'test', 'fixtures', 'analysis'), /\.c$/), ...filesUnder(root, path.join(root, 'examples'), /\.[ch]$/)],
    read: (file) => fs.readFileSync(path.join(root, file)),
  };
}
