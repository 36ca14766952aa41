/**
 * A whole `check` run's report, cached under a key over everything it depends on: the
 * irqlens build (analysisFingerprint), the config, `--all`, the base directory, the Kbuild
 * selection and every selected file's path and bytes. When nothing changed, `check`
 * hashes the files and prints the stored report without parsing or analysing anything;
 * when one file changed, the key differs and the run goes through the fact cache.
 */
import { createHash } from 'crypto';
import { DiskStore, analysisFingerprint, decodeEntry, encodeEntry } from '../factCache';
import type { OpenWorkspace } from './loadWorkspace';
import { nodeReader } from './nodeReader';
import type { Report } from './report';

export function reportKey(ws: OpenWorkspace, all: boolean): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ build: analysisFingerprint(), config: ws.config, all, base: ws.base, skipped: ws.selection.skipped }));
  for (const file of ws.selection.files) {
    const bytes = nodeReader.read(file);
    hash.update(`\0${file}\0${bytes instanceof Uint8Array ? bytes.length : -1}\0`);
    hash.update(bytes instanceof Uint8Array ? bytes : bytes.error);
  }
  return hash.digest('hex');
}

/** The stored report, or undefined when there is none or it fails its checks (it is then rewritten). */
export function readReport(cacheDir: string, key: string): Report | undefined {
  const stored = new DiskStore(cacheDir, 'reports').read(key);
  if (!stored) return undefined;
  const entry = decodeEntry(stored);
  return entry.ok ? (JSON.parse(entry.payload) as Report) : undefined;
}

/** Stores the report; an error is returned, not thrown: the next run is just slower. */
export function writeReport(cacheDir: string, key: string, report: Report): string | undefined {
  return new DiskStore(cacheDir, 'reports').write(key, encodeEntry(JSON.stringify(report)));
}
