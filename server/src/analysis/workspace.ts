/**
 * Finding a workspace's C sources and turning them into facts. All IO goes through an
 * injected reader, so tests run on in-memory trees and the language server can serve
 * unsaved editor buffers.
 */
import * as path from 'path';
import type { FileFacts } from '../syntax/facts';
import { emptyFacts } from '../syntax';
import { parseKbuild } from './kbuild';

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

export interface FileReader {
  /** Bytes of a file, or an error message. */
  read(file: string): Uint8Array | { error: string };
  /** Entries of a directory, or an error message. */
  list(dir: string): DirEntry[] | { error: string };
  isDirectory(p: string): boolean | { error: string };
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface SourceSelection {
  files: string[];
  skipped: SkippedFile[];
  /** Paths that could not be read at all (a missing argument, an unreadable directory). */
  errors: SkippedFile[];
}

const SOURCE = /\.[ch]$/;
const IGNORED_DIRS = new Set(['.git', 'node_modules', '.irqlens-cache', '.cache']);

/** The sources under `roots`, honouring each directory's Kbuild file. */
export function selectSources(roots: readonly string[], reader: FileReader, maxFiles = Infinity): SourceSelection {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const errors: SkippedFile[] = [];
  const seen = new Set<string>();

  const walk = (dir: string, depth: number): void => {
    const entries = reader.list(dir);
    if ('error' in entries) {
      errors.push({ file: dir, reason: entries.error });
      return;
    }
    const names = entries.map((e) => e.name);
    const kbuildName = ['Kbuild', 'Makefile'].find((n) => names.includes(n));
    let objects: Set<string> | undefined;
    if (kbuildName) {
      const bytes = reader.read(path.join(dir, kbuildName));
      const parsed = bytes instanceof Uint8Array ? parseKbuild(Buffer.from(bytes).toString('utf8')) : undefined;
      if (parsed && parsed.objects.size > 0) objects = parsed.objects;
    }
    for (const e of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory) {
        if (!IGNORED_DIRS.has(e.name) && depth < 64) walk(p, depth + 1);
        continue;
      }
      if (!SOURCE.test(e.name) || seen.has(p)) continue;
      if (objects && e.name.endsWith('.c') && !objects.has(e.name.slice(0, -2))) {
        skipped.push({ file: p, reason: `not built by ${path.join(dir, kbuildName ?? 'Makefile')}` });
        continue;
      }
      if (files.length >= maxFiles) {
        skipped.push({ file: p, reason: `over the limit of ${maxFiles} files` });
        continue;
      }
      seen.add(p);
      files.push(p);
    }
  };

  for (const root of roots) {
    const isDir = reader.isDirectory(root);
    if (typeof isDir !== 'boolean') errors.push({ file: root, reason: isDir.error });
    else if (isDir) walk(root, 0);
    else if (!seen.has(root)) {
      seen.add(root);
      files.push(root);
    }
  }
  return { files, skipped, errors };
}

/** Facts for every selected file, through the given per-file fact maker (which never throws). */
export function collectFacts(files: readonly string[], reader: FileReader, factsOf: (file: string, bytes: Uint8Array) => FileFacts): FileFacts[] {
  return files.map((file) => {
    const bytes = reader.read(file);
    if (bytes instanceof Uint8Array) return factsOf(file, bytes);
    return emptyFacts(file, [{ kind: 'read-failed', message: bytes.error }]);
  });
}
