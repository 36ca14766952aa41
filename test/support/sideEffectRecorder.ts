/**
 * Preloaded into the language server (`NODE_OPTIONS=--require <this>`) by
 * test/lspSideEffects.test.ts: wraps every Node API through which a process reaches the
 * network, starts another program or changes the file system, and appends one JSON line
 * per call to the file named by IRQLENS_RECORD_FILE. The calls still go through: the
 * record is the evidence, the test judges it. `import x = require()` gives the modules
 * themselves, whose properties can be replaced, not TypeScript's read-only namespace copies.
 */
import childProcess = require('child_process');
import dgram = require('dgram');
import dns = require('dns');
import fs = require('fs');
import http = require('http');
import https = require('https');
import net = require('net');
import tls = require('tls');
import { isMainThread, threadId } from 'worker_threads';

export interface SideEffect {
  api: string;
  /** The first argument, when it is a string (a path, a host, a command). */
  target?: string;
  thread: number;
}

const recordFile = process.env.IRQLENS_RECORD_FILE;
const appendFileSync = fs.appendFileSync.bind(fs);

function record(api: string, args: unknown[]): void {
  if (!recordFile) return;
  const first = args[0];
  const target = typeof first === 'string' ? first : first instanceof URL ? first.toString() : Buffer.isBuffer(first) ? first.toString() : undefined;
  if (target === recordFile) return;
  const entry: SideEffect = { api, ...(target !== undefined ? { target } : {}), thread: isMainThread ? 0 : threadId };
  appendFileSync(recordFile, `${JSON.stringify(entry)}\n`);
}

/** Replaces `obj[name]` with a recording wrapper that calls the original. */
function wrap(obj: object, prefix: string, names: readonly string[]): void {
  const target = obj as Record<string, unknown>;
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      record(`${prefix}.${name}`, args);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    try {
      target[name] = wrapped;
    } catch {
      // A read-only export (some builds freeze the module object) is left as it is and reported.
      record(`unwrappable ${prefix}.${name}`, []);
    }
  }
}

/** fs.open with a flag that writes, creates or truncates. */
function writesFlag(flags: unknown): boolean {
  if (typeof flags === 'number') return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_APPEND)) !== 0;
  return typeof flags === 'string' && /[wa+]/.test(flags);
}

function wrapOpen(obj: object, prefix: string, names: readonly string[]): void {
  const target = obj as Record<string, unknown>;
  for (const name of names) {
    const original = target[name] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof original !== 'function') continue;
    target[name] = function (this: unknown, ...args: unknown[]): unknown {
      if (writesFlag(args[1])) record(`${prefix}.${name}(write)`, args);
      return original.apply(this, args);
    };
  }
}

const FS_WRITES = [
  'writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'write', 'writeSync', 'writev', 'writevSync',
  'rename', 'renameSync', 'unlink', 'unlinkSync', 'rm', 'rmSync', 'rmdir', 'rmdirSync', 'mkdir', 'mkdirSync',
  'mkdtemp', 'mkdtempSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync', 'truncate', 'truncateSync', 'ftruncate',
  'ftruncateSync', 'symlink', 'symlinkSync', 'link', 'linkSync', 'chmod', 'chmodSync', 'utimes', 'utimesSync',
  'createWriteStream',
] as const;

wrap(fs, 'fs', FS_WRITES);
wrapOpen(fs, 'fs', ['open', 'openSync']);
wrap(fs.promises, 'fs.promises', ['writeFile', 'appendFile', 'rename', 'unlink', 'rm', 'rmdir', 'mkdir', 'mkdtemp', 'copyFile', 'cp', 'truncate', 'symlink', 'link', 'chmod', 'utimes']);
wrapOpen(fs.promises, 'fs.promises', ['open']);
wrap(childProcess, 'child_process', ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']);
wrap(net, 'net', ['connect', 'createConnection', 'createServer']);
wrap(net.Socket.prototype, 'net.Socket', ['connect']);
wrap(tls, 'tls', ['connect']);
wrap(http, 'http', ['request', 'get', 'createServer']);
wrap(https, 'https', ['request', 'get', 'createServer']);
wrap(dns, 'dns', ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']);
wrap(dns.promises, 'dns.promises', ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']);
wrap(dgram, 'dgram', ['createSocket']);
if (typeof globalThis.fetch === 'function') wrap(globalThis, 'globalThis', ['fetch']);
// Marks that the recorder ran in this thread, so "no records" cannot mean "not loaded".
record('recorder.loaded', []);
