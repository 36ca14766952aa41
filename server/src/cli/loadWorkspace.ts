/**
 * What every CLI command that analyses starts with: the config, the Kbuild selection,
 * the facts of every file and the analysis, or a message saying why not.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, type Analysis } from '../analysis';
import { selectSources, type SourceSelection } from '../analysis/workspace';
import { confineConfig } from '../kernel/configLocation';
import { chooseCacheDir, type CacheStats } from '../factCache';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex, parseConfig, type IrqlensConfig } from '../kernel';
import type { FileFacts } from '../syntax';
import type { FactsOptions } from './factsOptions';
import { extractAll } from './factsPool';
import { nodeReader } from './nodeReader';
import { baseOf } from './report';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether progress lines make sense (stderr is a terminal). */
  progress: boolean;
}

/** A workspace's inputs, before any file is parsed. */
export interface OpenWorkspace {
  ok: true;
  /** Where paths in output are relative to. */
  base: string;
  config: IrqlensConfig;
  selection: SourceSelection;
  /** The fact cache's directory, or null when there is none. */
  cacheDir: string | null;
  jobs: number;
}

export interface LoadedWorkspace extends OpenWorkspace {
  facts: FileFacts[];
  cache: CacheStats;
  analysis: Analysis;
}

export type Failed = { ok: false; message: string };

type ConfigLoad = { ok: true; config: IrqlensConfig } | { ok: false; message: string };

/**
 * `--config FILE` is the user's own choice and is read wherever it is; the workspace's
 * `.irqlens.json` is read only when its real path stays inside the workspace.
 */
function loadConfig(explicit: string | undefined, base: string): ConfigLoad {
  const file = explicit ?? path.join(base, '.irqlens.json');
  if (!explicit && !fs.existsSync(file)) return { ok: true, config: EMPTY_CONFIG };
  if (!explicit) {
    const where = confineConfig(file, [base]);
    if (!where.ok) return where;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, message: `cannot read config ${file}: ${(err as Error).message}` };
  }
  const parsed = parseConfig(text);
  if (!parsed.ok) return { ok: false, message: parsed.errors.map((e) => `${file}: ${e.path}: ${e.message}`).join('\n') };
  return { ok: true, config: parsed.config };
}

/** The config, the Kbuild selection and the cache directory; the failure message is ready for stderr. */
export function openWorkspace(paths: readonly string[], configFile: string | undefined, options: FactsOptions, io: Io): OpenWorkspace | Failed {
  const firstIsDir = nodeReader.isDirectory(paths[0]);
  if (typeof firstIsDir !== 'boolean') return { ok: false, message: `irqlens: ${paths[0]}: ${firstIsDir.error}\n` };
  const base = baseOf(paths[0], firstIsDir);
  const config = loadConfig(configFile, base);
  if (!config.ok) return { ok: false, message: `irqlens: ${config.message}\n` };
  const selection = selectSources(paths, nodeReader);
  if (selection.errors.length > 0) return { ok: false, message: selection.errors.map((e) => `irqlens: ${e.file}: ${e.reason}\n`).join('') };
  const roots = paths.map((p) => (nodeReader.isDirectory(p) === true ? p : path.dirname(p)));
  const where = chooseCacheDir({ explicit: options.cacheDir, env: process.env, home: os.homedir(), roots });
  if (where.dir === null && options.cacheDir !== null) io.err(`irqlens: ${where.reason}\n`);
  return { ok: true, base, config: config.config, selection, cacheDir: where.dir, jobs: options.jobs ?? os.availableParallelism() };
}

/** Facts of every selected file (through the cache, on worker threads), and their analysis. */
export async function analyseWorkspace(ws: OpenWorkspace, io: Io): Promise<LoadedWorkspace> {
  const total = ws.selection.files.length;
  const extracted = await extractAll(ws.selection.files, {
    jobs: ws.jobs,
    cacheDir: ws.cacheDir,
    ...(io.progress ? { progress: (done: number) => done % 50 === 0 && io.err(`\rirqlens: parsed ${done}/${total} files`) } : {}),
  });
  if (io.progress && total >= 50) io.err('\n');
  const { cache, facts } = extracted;
  if (cache.rebuilt > 0 || cache.writeErrors > 0) {
    io.err(`irqlens: fact cache ${ws.cacheDir}: ${cache.rebuilt} damaged entries rebuilt, ${cache.writeErrors} not written${cache.notes.map((n) => `\n  ${n}`).join('')}\n`);
  }
  const analysis = analyze(facts, new KernelIndex(BUILTIN_MODEL, ws.config));
  return { ...ws, facts, cache, analysis };
}

/** Loads, parses and analyses `paths`; the failure message is ready for stderr. */
export async function loadWorkspace(paths: readonly string[], configFile: string | undefined, options: FactsOptions, io: Io): Promise<LoadedWorkspace | Failed> {
  const ws = openWorkspace(paths, configFile, options, io);
  return ws.ok ? analyseWorkspace(ws, io) : ws;
}
