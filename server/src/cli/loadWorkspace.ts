/**
 * What every CLI command that analyses starts with: the config, the Kbuild selection,
 * the facts of every file and the analysis, or a message saying why not.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, type Analysis } from '../analysis';
import { selectSources, type SourceSelection } from '../analysis/workspace';
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

export interface LoadedWorkspace {
  ok: true;
  /** Where paths in output are relative to. */
  base: string;
  config: IrqlensConfig;
  selection: SourceSelection;
  facts: FileFacts[];
  cache: CacheStats;
  analysis: Analysis;
}

type ConfigLoad = { ok: true; config: IrqlensConfig } | { ok: false; message: string };

function loadConfig(explicit: string | undefined, base: string): ConfigLoad {
  const file = explicit ?? path.join(base, '.irqlens.json');
  if (!explicit && !fs.existsSync(file)) return { ok: true, config: EMPTY_CONFIG };
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

/** Loads, parses and analyses `paths`; the failure message is ready for stderr. */
export async function loadWorkspace(paths: readonly string[], configFile: string | undefined, options: FactsOptions, io: Io): Promise<LoadedWorkspace | { ok: false; message: string }> {
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
  const total = selection.files.length;
  const extracted = await extractAll(selection.files, {
    jobs: options.jobs ?? os.availableParallelism(),
    cacheDir: where.dir,
    ...(io.progress ? { progress: (done: number) => done % 50 === 0 && io.err(`\rirqlens: parsed ${done}/${total} files`) } : {}),
  });
  if (io.progress && total >= 50) io.err('\n');
  const { cache, facts } = extracted;
  if (cache.rebuilt > 0 || cache.writeErrors > 0) {
    io.err(`irqlens: fact cache ${where.dir}: ${cache.rebuilt} damaged entries rebuilt, ${cache.writeErrors} not written${cache.notes.map((n) => `\n  ${n}`).join('')}\n`);
  }
  const analysis = analyze(facts, new KernelIndex(BUILTIN_MODEL, config.config));
  return { ok: true, base, config: config.config, selection, facts, cache, analysis };
}
