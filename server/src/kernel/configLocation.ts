/**
 * Where a configuration file may be read from. A workspace is untrusted input: its
 * `.irqlens.json`, or a config path its settings name, must not make irqlens read a file
 * elsewhere on the machine, neither through `..` nor through a symbolic link (the config
 * file itself, or any directory above it). The language server and the CLI both ask here.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Whether `p` is `root` or lies under it (after normalising, so `..` cannot escape). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * `p` with every symbolic link resolved. A path that does not exist (yet) keeps its missing
 * tail on the resolved real path of its deepest existing ancestor, so a link anywhere
 * above it still counts.
 */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

export type ConfigLocation = { ok: true; file: string } | { ok: false; message: string };

/**
 * `file` when its real path lies inside the real path of one of `roots`; else why it is
 * refused. A file that does not exist passes (there is nothing to read; a missing
 * `.irqlens.json` is normal).
 */
export function confineConfig(file: string, roots: readonly string[]): ConfigLocation {
  const real = realPath(file);
  if (roots.some((r) => isInside(realPath(r), real))) return { ok: true, file };
  const shown = real === path.resolve(file) ? file : `${file} (a link to ${real})`;
  return { ok: false, message: `config ${shown} is outside the workspace (${roots.join(', ')}); not read` };
}
