/**
 * Where the fact cache lives: `--cache-dir`, else `IRQLENS_CACHE_DIR`, else the user's
 * cache directory (`$XDG_CACHE_HOME/irqlens`, `~/.cache/irqlens`). Never inside a folder
 * being analysed: irqlens does not write into the user's sources.
 */
import * as path from 'path';

export type CacheDirChoice = { dir: string } | { dir: null; reason: string };

export interface CacheDirInputs {
  /** `--cache-dir`, or null for `--no-cache`. */
  explicit?: string | null;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The analysed folders. */
  roots: readonly string[];
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function chooseCacheDir(inputs: CacheDirInputs): CacheDirChoice {
  if (inputs.explicit === null) return { dir: null, reason: 'caching disabled (--no-cache)' };
  const xdg = inputs.env.XDG_CACHE_HOME;
  const chosen =
    inputs.explicit ?? inputs.env.IRQLENS_CACHE_DIR ?? (xdg && path.isAbsolute(xdg) ? path.join(xdg, 'irqlens') : path.join(inputs.home, '.cache', 'irqlens'));
  const dir = path.resolve(chosen);
  const root = inputs.roots.map((r) => path.resolve(r)).find((r) => inside(r, dir));
  if (root !== undefined) return { dir: null, reason: `cache directory ${dir} is inside the analysed folder ${root}; caching disabled` };
  return { dir };
}
