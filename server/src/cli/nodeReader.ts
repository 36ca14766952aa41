/** The file reader the CLI and language server give the analysis: the real file system. */
import * as fs from 'fs';
import type { DirEntry, FileReader } from '../analysis/workspace';

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.message ?? String(err);
}

export const nodeReader: FileReader = {
  read(file) {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      return { error: reason(err) };
    }
  },
  list(dir) {
    try {
      return fs.readdirSync(dir, { withFileTypes: true }).map((d): DirEntry => ({ name: d.name, isDirectory: d.isDirectory() }));
    } catch (err) {
      return { error: reason(err) };
    }
  },
  isDirectory(p) {
    try {
      return fs.statSync(p).isDirectory();
    } catch (err) {
      return { error: reason(err) };
    }
  },
};
