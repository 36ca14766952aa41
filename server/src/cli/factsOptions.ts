/** The options every analysing command shares: how facts are made (`--jobs`) and cached (`--cache-dir`, `--no-cache`). */

export interface FactsOptions {
  /** Worker threads; default: the available parallelism. */
  jobs?: number;
  /** `--cache-dir`; null for `--no-cache`; absent for IRQLENS_CACHE_DIR or the user's cache directory. */
  cacheDir?: string | null;
}

export const FACTS_USAGE = '[--jobs N] [--cache-dir DIR | --no-cache]';

/**
 * Reads the facts option at `rest[i]` into `into`. Returns the index of the last argument
 * it used, an error, or undefined when `rest[i]` is not a facts option.
 */
export function parseFactsOption(rest: readonly string[], i: number, into: FactsOptions): { last: number } | { error: string } | undefined {
  const a = rest[i];
  const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
  const inline = a.includes('=') ? a.slice(a.indexOf('=') + 1) : undefined;
  const last = inline === undefined ? i + 1 : i;
  const v = inline ?? rest[i + 1];
  if (name === '--no-cache' && inline === undefined) {
    into.cacheDir = null;
    return { last: i };
  }
  if (name === '--cache-dir') {
    if (!v) return { error: '--cache-dir takes a directory' };
    into.cacheDir = v;
    return { last };
  }
  if (name === '--jobs') {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 64) return { error: '--jobs takes a whole number from 1 to 64' };
    into.jobs = n;
    return { last };
  }
  return undefined;
}
