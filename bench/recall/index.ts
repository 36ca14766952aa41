/**
 * The recall benchmark (issue 5): a seeded sample of real interrupt entry points of the
 * corpus, found by a textual scan; in a temporary copy of each entry's driver directory a
 * synchronous cross-CPU call is inserted in a function the entry reaches at call depth
 * 0..3 (direct calls) and behind one function-pointer hop of each way (probes.ts);
 * `irqlens check` runs on the copy as a child process, and a probe is a hit only when a
 * finding sits on the inserted call and one of its witnesses (one per entry that reaches
 * the call) starts at that entry.
 *
 * Probes of one directory share one copy and one run: a probe adds a call to an external
 * function and no edge between the directory's functions, so it changes no other probe's
 * witness.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createWasmParser, factsFromText, type CParser, type FunctionFacts } from '../../server/src/syntax';
import kernelApi from '../../server/src/kernel/kernelApi.json';
import { scanEntries, type ScannedEntry } from './entryScan';
import { mulberry32, type Rng } from '../../server/src/sim/prng';
import { indexDir, insertProbes, planProbes, shuffle, type DirIndex, type HopKind, type PointerVia, type Probe } from './probes';

export interface RecallOptions {
  corpus: string;
  /** Corpus subdirectories whose entries are sampled. */
  roots: string[];
  seed: number;
  count: number;
  /** After `count` entries, entries that have a pointer hop are sampled on until there are this many pointer probes. */
  pointerCount: number;
  /** At most this many entries per directory, so the sample spans many drivers. */
  perDir: number;
  /** Where the temporary copies go (deleted after each run). */
  scratch: string;
  cli: string;
  log: (line: string) => void;
}

export type Outcome = 'hit' | 'other-entry' | 'no-finding' | 'not-inserted';

export interface ProbeResult {
  entry: string;
  entryKind: string;
  entryFile: string;
  hop: HopKind;
  via?: PointerVia;
  depth: number;
  fn: string;
  file: string;
  chain: string[];
  outcome: Outcome;
  /** For `other-entry`: the entry the primary witness starts at, and its kind. */
  witnessEntry?: string;
  witnessKind?: string;
  confidence?: string;
  /** Facts about the probed function and the run that help to find a miss's cause. */
  hints: string[];
}

export interface RecallReport {
  seed: number;
  entries: number;
  directories: number;
  candidates: number;
  probes: ProbeResult[];
  seconds: number;
}

/** Every function the kernel model names: the analysis treats a call to one as a leaf. */
function modelledNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const x of node) modelledNames(x, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'name' && typeof v === 'string') out.add(v);
      else modelledNames(v, out);
    }
  }
  return out;
}

const MODELLED = modelledNames(kernelApi);

interface Selected {
  entry: ScannedEntry;
  file: string;
  fn: FunctionFacts;
  probes: Probe[];
}

function walkC(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkC(p, out);
    else if (e.isFile() && e.name.endsWith('.c')) out.push(p);
  }
}

/** Directories with at least one scanned registration, each with its candidates. */
function scanCorpus(opts: RecallOptions): Map<string, Array<{ entry: ScannedEntry; file: string }>> {
  const files: string[] = [];
  for (const r of opts.roots) walkC(path.join(opts.corpus, r), files);
  const byDir = new Map<string, Array<{ entry: ScannedEntry; file: string }>>();
  for (const file of files.sort()) {
    const found = scanEntries(fs.readFileSync(file, 'latin1'));
    if (found.length === 0) continue;
    const dir = path.dirname(file);
    byDir.set(dir, [...(byDir.get(dir) ?? []), ...found.map((entry) => ({ entry, file }))]);
  }
  return byDir;
}

function dirSources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.[ch]$/.test(e.name))
    .map((e) => path.join(dir, e.name));
}

function parseDir(parser: CParser, dir: string): { index: DirIndex; texts: Map<string, string> } {
  const texts = new Map<string, string>();
  const facts = dirSources(dir).map((file) => {
    const text = fs.readFileSync(file, 'latin1');
    texts.set(file, text);
    return factsFromText(parser, file, text);
  });
  return { index: indexDir(facts), texts };
}

/** The scanned entries of one directory that name a function defined there, with their probes. */
function selectInDir(
  index: DirIndex,
  candidates: Array<{ entry: ScannedEntry; file: string }>,
  opts: RecallOptions,
  random: Rng,
): Selected[] {
  const out: Selected[] = [];
  const seen = new Set<string>();
  for (const c of shuffle(candidates, random)) {
    if (out.length >= opts.perDir || seen.has(c.entry.name)) continue;
    const defs = index.byName.get(c.entry.name) ?? [];
    const def = defs.find((d) => d.file === c.file) ?? defs.find((d) => !d.fn.isStatic);
    if (!def) continue;
    // `.function =` is an hrtimer's only when the callback returns enum hrtimer_restart.
    if (c.entry.kind === 'hrtimer' && !/hrtimer_restart/.test(def.fn.returnType)) continue;
    seen.add(c.entry.name);
    out.push({ entry: c.entry, file: def.file, fn: def.fn, probes: planProbes(index, def, 3, random) });
  }
  return out;
}

interface CliWitness {
  entry: string;
  confidence: string;
  path: Array<{ function: string; kind: string }>;
}

interface CliFinding extends CliWitness {
  rule: string;
  entryKind: string;
  callee: string;
  location: { file: string; line: number };
  witnesses: CliWitness[];
  moreWitnesses: number;
}

/** The finding's witness that starts at `entry`, if it shows one. */
function witnessFrom(f: CliFinding, entry: string): CliWitness | undefined {
  return f.witnesses.find((w) => w.path[0]?.function === entry);
}

function runCheck(cli: string, dir: string): { findings: CliFinding[]; skipped: string[] } | { error: string } {
  const r = spawnSync(process.execPath, [cli, 'check', dir, '--format', 'json', '--all'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 20 * 60 * 1000,
  });
  if (r.status !== 0 && r.status !== 1) return { error: `exit ${r.status}: ${(r.stderr ?? '').slice(0, 500)}` };
  try {
    const json = JSON.parse(r.stdout) as { findings: CliFinding[]; skipped: Array<{ file: string }> };
    return { findings: json.findings, skipped: json.skipped.map((s) => path.basename(s.file)) };
  } catch (err) {
    return { error: `unreadable JSON: ${String(err)}` };
  }
}

/** Copies the directory's files (not its subdirectories), inserts the probes, runs check, scores. */
function measureDir(dir: string, selected: readonly Selected[], texts: Map<string, string>, index: DirIndex, opts: RecallOptions, runId: number): ProbeResult[] {
  const copy = path.join(opts.scratch, String(runId), path.basename(dir));
  fs.mkdirSync(copy, { recursive: true });
  const probeLines = new Map<Probe, number>();
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile()) fs.copyFileSync(path.join(dir, e.name), path.join(copy, e.name));
    }
    const byFile = new Map<string, Probe[]>();
    for (const s of selected) for (const p of s.probes) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
    for (const [file, probes] of byFile) {
      const { text, lines } = insertProbes(texts.get(file) ?? '', [...new Set(probes.map((p) => p.fn))]);
      fs.writeFileSync(path.join(copy, path.basename(file)), text, 'latin1');
      for (const p of probes) {
        const line = lines.get(p.fn);
        if (line !== undefined) probeLines.set(p, line);
      }
    }
    const run = runCheck(opts.cli, copy);
    if ('error' in run) opts.log(`recall: ${dir}: ${run.error}`);
    const findings = 'error' in run ? [] : run.findings.filter((f) => f.rule === 'xcall-in-atomic' && f.callee === 'smp_call_function');
    const skipped = new Set('error' in run ? [] : run.skipped);
    const results: ProbeResult[] = [];
    for (const s of selected) {
      for (const p of s.probes) {
        const line = probeLines.get(p);
        const hints: string[] = [];
        if (skipped.has(path.basename(p.file))) hints.push('probe file not built (Kbuild)');
        if (skipped.has(path.basename(s.file))) hints.push('entry file not built (Kbuild)');
        if (p.fn.errors > 0) hints.push('probed function has ERROR nodes');
        if (s.fn.errors > 0) hints.push('entry function has ERROR nodes');
        if (p.fn.cfg.length > 0) hints.push(`probed function under #if ${p.fn.cfg.join(' && ')}`);
        if (p.file.endsWith('.h')) hints.push('probed function in a header');
        const modelled = p.chain.slice(1).find((f) => MODELLED.has(f.replace(/^->\w+:/, '')));
        if (modelled) hints.push(`path passes through ${modelled}, a modelled kernel API (a leaf)`);
        if ((index.byName.get(p.fn.name)?.length ?? 0) > 1) hints.push('probed name defined more than once');
        const base = {
          entry: s.entry.name,
          entryKind: s.entry.kind,
          entryFile: path.relative(opts.corpus, s.file),
          hop: p.hop,
          ...(p.via ? { via: p.via } : {}),
          depth: p.depth,
          fn: p.fn.name,
          file: path.relative(opts.corpus, p.file),
          chain: p.chain,
          hints,
        };
        if (line === undefined) {
          results.push({ ...base, outcome: 'not-inserted' });
          continue;
        }
        const at = findings.filter((f) => path.basename(f.location.file) === path.basename(p.file) && f.location.line === line + 1);
        const mine = at.map((f) => witnessFrom(f, s.entry.name)).find((w) => w !== undefined);
        if (mine) results.push({ ...base, outcome: 'hit', confidence: mine.confidence });
        else if (at.length > 0) {
          if (at.some((f) => f.moreWitnesses > 0)) hints.push('more entries reach the call than the finding shows witnesses for');
          results.push({ ...base, outcome: 'other-entry', witnessEntry: at[0].path[0]?.function, witnessKind: at[0].entryKind, confidence: at[0].confidence });
        } else {
          // Only a run with the entry's depth-0 probe tells an unrecognised entry (the pointer-only sampling has none).
          const hasDepth0 = s.probes.some((q) => q.hop === 'direct' && q.depth === 0);
          if (hasDepth0 && !findings.some((f) => witnessFrom(f, s.entry.name))) hints.push('no finding in the run starts at this entry');
          results.push({ ...base, outcome: 'no-finding' });
        }
      }
    }
    return results;
  } finally {
    fs.rmSync(path.join(opts.scratch, String(runId)), { recursive: true, force: true });
  }
}

export async function runRecall(opts: RecallOptions): Promise<RecallReport> {
  const started = performance.now();
  const random = mulberry32(opts.seed);
  const byDir = scanCorpus(opts);
  const candidates = [...byDir.values()].reduce((n, c) => n + c.length, 0);
  opts.log(`recall: ${candidates} scanned registrations in ${byDir.size} directories`);
  const parser = await createWasmParser();
  const probes: ProbeResult[] = [];
  let entries = 0;
  let directories = 0;
  const pointerProbes = (): number => probes.filter((p) => p.hop === 'pointer').length;
  for (const dir of shuffle([...byDir.keys()].sort(), random)) {
    const pointerOnly = entries >= opts.count;
    if (pointerOnly && pointerProbes() >= opts.pointerCount) break;
    const { index, texts } = parseDir(parser, dir);
    let selected = selectInDir(index, byDir.get(dir) ?? [], opts, random);
    selected = pointerOnly
      ? selected.map((s) => ({ ...s, probes: s.probes.filter((p) => p.hop === 'pointer') })).filter((s) => s.probes.length > 0)
      : selected.slice(0, opts.count - entries);
    if (selected.length === 0) continue;
    entries += selected.length;
    directories++;
    const results = measureDir(dir, selected, texts, index, opts, directories);
    probes.push(...results);
    opts.log(`recall: [${entries}/${opts.count}] ${path.relative(opts.corpus, dir)}: ${results.filter((r) => r.outcome === 'hit').length}/${results.length} hits`);
  }
  return { seed: opts.seed, entries, directories, candidates, probes, seconds: (performance.now() - started) / 1000 };
}
