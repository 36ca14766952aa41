/**
 * The workspace configuration as the server sees it: each folder's `.irqlens.json`, plus
 * the extra file the `irqlens.configPath` setting names, merged into one IrqlensConfig.
 * An invalid file is reported (with the JSON path of each mistake) and left out, so the
 * analysis goes on with the defaults instead of stopping.
 */
import * as path from 'path';
import { EMPTY_CONFIG, parseConfig, type ConfigError, type IrqlensConfig } from '../kernel';
import type { IrqlensSettings } from './protocol';
import { confineConfig } from '../kernel/configLocation';

export const CONFIG_FILE = '.irqlens.json';

export interface ConfigProblem {
  file: string;
  /** Zero-based line and column of the JSON the error is about (the file start when unknown). */
  line: number;
  col: number;
  length: number;
  message: string;
}

export interface LoadedConfig {
  config: IrqlensConfig;
  /** The files that were read, so a change to any of them reloads. */
  files: string[];
  problems: ConfigProblem[];
}

/**
 * The configuration files for `roots`: each root's `.irqlens.json`, then the setting's file.
 * A workspace must not make the server read files elsewhere on the machine: any of them
 * whose real path (symbolic links resolved) is outside every root is left out, and `warn`
 * says so.
 */
export function configFilesFor(roots: readonly string[], settings: IrqlensSettings, warn: (message: string) => void): string[] {
  const files = roots.map((r) => path.join(r, CONFIG_FILE));
  if (settings.configPath !== '' && roots.length > 0) files.push(path.resolve(roots[0], settings.configPath));
  const kept: string[] = [];
  for (const file of new Set(files)) {
    const where = confineConfig(file, roots);
    if (where.ok) kept.push(where.file);
    else warn(`irqlens: ${where.message}`);
  }
  return kept;
}

function merge(a: IrqlensConfig, b: IrqlensConfig): IrqlensConfig {
  return {
    entryPoints: [...a.entryPoints, ...b.entryPoints],
    forbidden: [...a.forbidden, ...b.forbidden],
    contextChanges: [...a.contextChanges, ...b.contextChanges],
    wrappers: { ...a.wrappers, ...b.wrappers },
    rules: { ...a.rules, ...b.rules },
  };
}

/**
 * Loads and merges `files`; `read` gives a file's text, or undefined when it does not exist
 * (a missing `.irqlens.json` is normal). Settings' rules apply last: the user's switch wins.
 */
export function loadConfig(files: readonly string[], read: (file: string) => string | undefined, settings: IrqlensSettings): LoadedConfig {
  let config = EMPTY_CONFIG;
  const problems: ConfigProblem[] = [];
  for (const file of files) {
    const text = read(file);
    if (text === undefined) continue;
    const parsed = parseConfig(text);
    if (parsed.ok) config = merge(config, parsed.config);
    else for (const e of parsed.errors) problems.push({ file, ...locate(text, e), message: `${e.path}: ${e.message}` });
  }
  return { config: merge(config, { ...EMPTY_CONFIG, rules: settings.rules }), files: [...files], problems };
}

/**
 * Where a validator path such as `$.entryPoints[1].context` points in the text: each
 * property key is searched after the previous one, and an index `[n]` skips to the n+1-th
 * occurrence of the key that follows it. Approximate (no JSON tree), but it lands on the
 * right key for the mistakes people make; the message carries the exact path anyway.
 */
function locate(text: string, e: ConfigError): { line: number; col: number; length: number } {
  const segments = [...e.path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)];
  let at = -1;
  let length = 1;
  let skip = 0;
  for (const m of segments) {
    if (m[2] !== undefined) {
      skip = Number(m[2]);
      continue;
    }
    const key = JSON.stringify(m[1]);
    let found = text.indexOf(key, at + 1);
    for (let i = 0; i < skip && found >= 0; i++) found = text.indexOf(key, found + 1);
    skip = 0;
    if (found < 0) break;
    at = found;
    length = key.length;
  }
  if (at < 0) return { line: 0, col: 0, length: 1 };
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, col: at - (before.lastIndexOf('\n') + 1), length };
}
