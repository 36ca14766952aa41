/**
 * What every CLI command that analyses starts with: the config, the Kbuild selection,
 * the facts of every file and the analysis, or a message saying why not.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyze, type Analysis } from '../analysis';
import { collectFacts, selectSources, type SourceSelection } from '../analysis/workspace';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex, parseConfig, type IrqlensConfig } from '../kernel';
import { createNativeParser, createWasmParser, factsFromBytes, type CParser, type FileFacts } from '../syntax';
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

/**
 * The wasm parser by default: it yields the same facts as the native one (a test checks
 * it), extracts them about twice as fast (each node access into the native binding
 * crosses into C++) and frees each tree at once, where native trees wait for V8's GC.
 * See BENCHMARKS.md.
 */
async function parser(): Promise<CParser> {
  try {
    return await createWasmParser();
  } catch {
    return createNativeParser();
  }
}

/** Loads, parses and analyses `paths`; the failure message is ready for stderr. */
export async function loadWorkspace(paths: readonly string[], configFile: string | undefined, io: Io): Promise<LoadedWorkspace | { ok: false; message: string }> {
  const firstIsDir = nodeReader.isDirectory(paths[0]);
  if (typeof firstIsDir !== 'boolean') return { ok: false, message: `irqlens: ${paths[0]}: ${firstIsDir.error}\n` };
  const base = baseOf(paths[0], firstIsDir);
  const config = loadConfig(configFile, base);
  if (!config.ok) return { ok: false, message: `irqlens: ${config.message}\n` };
  const selection = selectSources(paths, nodeReader);
  if (selection.errors.length > 0) return { ok: false, message: selection.errors.map((e) => `irqlens: ${e.file}: ${e.reason}\n`).join('') };
  const p = await parser();
  let done = 0;
  const facts = collectFacts(selection.files, nodeReader, (file, bytes) => {
    if (io.progress && ++done % 50 === 0) io.err(`\rirqlens: parsed ${done}/${selection.files.length} files`);
    return factsFromBytes(p, file, bytes);
  });
  if (io.progress && done >= 50) io.err('\n');
  const analysis = analyze(facts, new KernelIndex(BUILTIN_MODEL, config.config));
  return { ok: true, base, config: config.config, selection, facts, analysis };
}
