/**
 * Tests never touch the user's real fact cache: importing this points IRQLENS_CACHE_DIR
 * (inherited by every CLI and server process a test starts) at a temporary directory,
 * removed when the test process exits.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const TEST_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-test-cache-'));
process.env.IRQLENS_CACHE_DIR = TEST_CACHE_DIR;
process.on('exit', () => fs.rmSync(TEST_CACHE_DIR, { recursive: true, force: true }));

/** A fresh empty directory for one test, removed with the others. */
export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(TEST_CACHE_DIR, `${name}-`));
}
