/**
 * The cache's files: one entry per key under `<dir>/<kind>-v<format>/<2 hex>/<key>`
 * (kind `facts` per file, `reports` per whole `check` run).
 * A write goes to a unique temporary file in the same directory and is renamed over the
 * entry, so a reader sees the old entry, the new one or none, never half of one; a crash
 * between the two leaves only a `.tmp` file that no key names. Errors are values: a cache
 * that cannot be written makes irqlens slower, not wrong.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ENTRY_FORMAT } from './entryCodec';

export interface EntryStore {
  /** The entry's bytes, or undefined when there is none (or it cannot be read). */
  read(key: string): Uint8Array | undefined;
  /** Writes atomically; returns an error message instead of throwing. */
  write(key: string, bytes: Uint8Array): string | undefined;
}

let tmpCounter = 0;

export class DiskStore implements EntryStore {
  readonly root: string;

  constructor(dir: string, kind: 'facts' | 'reports' = 'facts') {
    this.root = path.join(dir, `${kind}-v${ENTRY_FORMAT}`);
  }

  entryPath(key: string): string {
    return path.join(this.root, key.slice(0, 2), key);
  }

  read(key: string): Uint8Array | undefined {
    try {
      return fs.readFileSync(this.entryPath(key));
    } catch {
      return undefined;
    }
  }

  write(key: string, bytes: Uint8Array): string | undefined {
    const file = this.entryPath(key);
    // Unique per process and thread, so concurrent writers of the same key never share a temp file.
    const tmp = `${file}.${process.pid}.${process.hrtime.bigint()}.${tmpCounter++}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, file);
      return undefined;
    } catch (err) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // The directory itself is unwritable: there is no temp file to remove.
      }
      return err instanceof Error ? err.message : String(err);
    }
  }
}
