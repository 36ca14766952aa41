/**
 * The server's model of the workspace: which C files are selected (Kbuild honoured), their
 * facts (open documents override disk), the merged configuration, and the analysis of all
 * of it, recomputed when the revision counter says something changed.
 *
 * Only the changed file is re-parsed, an open document incrementally (DocumentParse keeps its
 * tree and function facts); an edit that only moved positions reuses the previous analysis,
 * one inside function bodies re-runs only the propagation (analysis/incremental.ts), any
 * other is analysed whole. Every change bumps `revision`, so
 * work started for an older revision can see that it is stale and drop its result.
 */
import * as path from 'path';
import { reanalyzeUnlessStale, reusePlan, selectSources, type Analysis, type FileReader, type ReusePlan } from '../analysis';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../kernel';
import { emptyFacts, factsFromBytes, type CParser, type FileFacts } from '../syntax';
import { DocumentParse } from '../syntax/incremental';
import { configFilesFor, loadConfig, type LoadedConfig } from './configFiles';
import { DEFAULT_SETTINGS, type IrqlensSettings } from './protocol';
import { isInside } from '../kernel/configLocation';

/**
 * The files whose text changed since diagnostics were last made, or `all` when anything
 * else did (settings, configuration, the file selection): what decides which files'
 * diagnostics are made again (diagnostics.ts).
 */
export type ChangedFiles = ReadonlySet<string> | 'all';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

interface OpenDoc {
  text: string;
  /** Undefined until the next analysis parses the new text. */
  facts?: FileFacts;
  lines?: string[];
}

const SOURCE = /\.[ch]$/;
const KBUILD = /^(Kbuild|Makefile)$/;
/** Files parsed between yields to the event loop while indexing, so requests keep being answered. */
const INDEX_CHUNK = 16;

export function isSourceFile(p: string): boolean {
  return SOURCE.test(p);
}

export function isKbuildFile(p: string): boolean {
  return KBUILD.test(path.basename(p));
}

const utf8 = new TextDecoder('utf-8');

/** How a file on disk becomes facts: `factsFromBytes`, or the same through the fact cache (factsProvider.ts). */
export type FactsOf = (parser: CParser, path: string, bytes: Uint8Array) => FileFacts;

const ms = (n: number): string => n.toFixed(0);

export class WorkspaceState {
  private rev = 0;
  /** What changed since `takeChanges` was last called. */
  private changes: Set<string> | 'all' = 'all';
  private readonly disk = new Map<string, FileFacts>();
  private selected: string[] = [];
  private selectedSet = new Set<string>();
  /** Files the selection left out on purpose (Kbuild, maxFiles): not analysed even when open. */
  private skippedSet = new Set<string>();
  private readonly open = new Map<string, OpenDoc>();
  /** Each open document's parse, kept across its versions. */
  private readonly parses = new Map<string, DocumentParse>();
  /** Disk files whose facts must be re-read at the next analysis (changed on disk, or closed in the editor). */
  private readonly dirtyDisk = new Set<string>();
  private readonly diskLines = new Map<string, string[]>();
  private cache?: { revision: number; analysis: Analysis };
  /** The reuse plan `analysisIsCheap` made for `revision` on the analysis `previous`: the analysis of that revision takes it over. */
  private planned?: { revision: number; previous: Analysis; plan: ReusePlan | undefined };
  /** Files re-parsed, and the time it took, since the last analysis was logged. */
  private parsing = { files: 0, ms: 0 };
  /** The analysis under way, if any: callers share it. */
  private running?: Promise<Analysis>;
  private indexRun = 0;
  private settingsValue: IrqlensSettings = DEFAULT_SETTINGS;
  private loaded: LoadedConfig = { config: EMPTY_CONFIG, files: [], problems: [] };
  private kernel = new KernelIndex(BUILTIN_MODEL, this.loaded.config);

  constructor(
    private rootList: readonly string[],
    private readonly reader: FileReader,
    private readonly parser: Promise<CParser>,
    private readonly log: Logger,
    private readonly factsOf: FactsOf = factsFromBytes,
  ) {}

  get roots(): readonly string[] {
    return this.rootList;
  }

  /** Workspace folders were added or removed: the next `index()` selects files anew. */
  setRoots(roots: readonly string[]): void {
    this.rootList = roots;
    this.reloadConfig();
  }

  get revision(): number {
    return this.rev;
  }

  get settings(): IrqlensSettings {
    return this.settingsValue;
  }

  get config(): LoadedConfig {
    return this.loaded;
  }

  /** A new revision: `file`'s text changed, or (no file) anything else did. */
  private bump(file?: string): void {
    this.rev++;
    if (file === undefined) this.changes = 'all';
    else if (this.changes !== 'all') this.changes.add(file);
  }

  /** What changed since the last call (see ChangedFiles); the publisher asks once per publication. */
  takeChanges(): ChangedFiles {
    const changes = this.changes;
    this.changes = new Set();
    return changes;
  }

  /** Inside a workspace folder (any file, when the client opened no folder). */
  inWorkspace(p: string): boolean {
    return this.roots.length === 0 || this.roots.some((r) => isInside(r, p));
  }

  /** Whether the file takes part in the analysis. */
  isTracked(p: string): boolean {
    if (!isSourceFile(p) || !this.inWorkspace(p)) return false;
    if (this.roots.length === 0) return this.open.has(p);
    // A file opened before the selection is known, or created in the editor since, is
    // analysed unless the selection left it out on purpose.
    return this.selectedSet.has(p) || (this.open.has(p) && !this.skippedSet.has(p));
  }

  isConfigFile(p: string): boolean {
    return this.loaded.files.includes(p);
  }

  // ---- configuration -------------------------------------------------------------

  /** Re-reads the configuration files; open editors' text wins over disk. */
  reloadConfig(): void {
    const files = configFilesFor(this.roots, this.settingsValue, (m) => this.log.warn(m));
    this.loaded = loadConfig(files, (f) => this.text(f), this.settingsValue);
    this.kernel = new KernelIndex(BUILTIN_MODEL, this.loaded.config);
    for (const p of this.loaded.problems) this.log.warn(`${p.file}:${p.line + 1}: ${p.message}`);
    this.bump();
  }

  /** New settings; says whether the file selection must be recomputed. */
  setSettings(settings: IrqlensSettings): { reindex: boolean } {
    const reindex = settings.maxFiles !== this.settingsValue.maxFiles;
    this.settingsValue = settings;
    this.reloadConfig();
    return { reindex };
  }

  // ---- documents and disk --------------------------------------------------------

  /** A document was opened or edited in the editor: its text now overrides the disk. */
  setDocText(p: string, text: string): void {
    this.open.set(p, { text });
    this.bump(p);
  }

  closeDoc(p: string): void {
    if (!this.open.delete(p)) return;
    this.parses.get(p)?.dispose();
    this.parses.delete(p);
    // The buffer may have been closed without saving: go back to what is on disk.
    this.dirtyDisk.add(p);
    this.diskLines.delete(p);
    this.bump(p);
  }

  isOpen(p: string): boolean {
    return this.open.has(p);
  }

  /** A file changed, appeared or disappeared outside the editor. */
  diskChanged(p: string): void {
    this.diskLines.delete(p);
    this.dirtyDisk.add(p);
    this.bump(p);
  }

  /** The current text of a file: the editor's, else the disk's. */
  text(p: string): string | undefined {
    const doc = this.open.get(p);
    if (doc) return doc.text;
    const bytes = this.read(p);
    return bytes instanceof Uint8Array ? utf8.decode(bytes) : undefined;
  }

  lineText(p: string, line: number): string | undefined {
    const doc = this.open.get(p);
    if (doc) return (doc.lines ??= doc.text.split('\n'))[line];
    let lines = this.diskLines.get(p);
    if (!lines) {
      const text = this.text(p);
      if (text === undefined) return undefined;
      lines = text.split('\n');
      this.diskLines.set(p, lines);
    }
    return lines[line];
  }

  // ---- indexing ------------------------------------------------------------------

  /**
   * Selects the workspace's sources and parses those not parsed yet, yielding to the event
   * loop between chunks. A later call supersedes an earlier one, which then stops.
   * Returns false when superseded.
   */
  async index(progress: (done: number, total: number) => void): Promise<boolean> {
    const run = ++this.indexRun;
    const selection = selectSources(this.roots, this.reader, this.settingsValue.maxFiles);
    for (const e of selection.errors) this.log.warn(`cannot index ${e.file}: ${e.reason}`);
    if (selection.skipped.length > 0) this.log.info(`${selection.skipped.length} files not indexed (Kbuild or irqlens.maxFiles); first: ${selection.skipped[0].file}: ${selection.skipped[0].reason}`);
    this.selected = selection.files;
    this.selectedSet = new Set(selection.files);
    this.skippedSet = new Set(selection.skipped.map((f) => f.file));
    for (const p of [...this.disk.keys()]) if (!this.selectedSet.has(p)) this.disk.delete(p);
    this.bump();

    const todo = selection.files.filter((p) => !this.disk.has(p) && !this.open.has(p));
    const parser = await this.parser;
    progress(0, todo.length);
    for (let i = 0; i < todo.length; i += INDEX_CHUNK) {
      if (run !== this.indexRun) return false;
      // No revision bump per chunk: a request during indexing re-analysing the growing
      // set every chunk would slow the index down for answers that are partial anyway.
      for (const p of todo.slice(i, i + INDEX_CHUNK)) this.disk.set(p, this.parseDisk(parser, p));
      progress(Math.min(i + INDEX_CHUNK, todo.length), todo.length);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.bump();
    return run === this.indexRun;
  }

  private parseDisk(parser: CParser, p: string): FileFacts {
    const bytes = this.read(p);
    return bytes instanceof Uint8Array ? this.factsOf(parser, p, bytes) : emptyFacts(p, [{ kind: 'read-failed', message: bytes.error }]);
  }

  /** The reader's answer, with a throwing reader (a file vanishing under a network mount) turned into an error value. */
  private read(p: string): Uint8Array | { error: string } {
    try {
      return this.reader.read(p);
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  // ---- analysis ------------------------------------------------------------------

  /**
   * The analysis of the current revision: re-parses what changed, then re-analyses. One
   * analysis runs at a time, shared by every caller; it yields between phases and, when a
   * change arrives meanwhile, drops its work and starts on the new revision.
   */
  analysis(): Promise<Analysis> {
    if (this.cache && this.cache.revision === this.rev) return Promise.resolve(this.cache.analysis);
    this.running ??= this.analyseLatest().finally(() => (this.running = undefined));
    return this.running;
  }

  private async analyseLatest(): Promise<Analysis> {
    for (;;) {
      const revision = this.rev;
      const { files } = await this.currentFiles();
      if (this.rev !== revision) continue;
      const started = Date.now();
      const previous = this.cache?.analysis;
      const planned = this.planned?.revision === revision && this.planned.previous === previous ? this.planned : undefined;
      this.planned = undefined;
      const result = await reanalyzeUnlessStale(previous, files, this.kernel, () => this.rev !== revision, planned);
      if (!result) {
        this.log.info(`analysis of revision ${revision} dropped after ${Date.now() - started} ms: revision ${this.rev} arrived`);
        continue;
      }
      const { analysis, how } = result;
      // Built on the previous analysis, the previous facts (now equal to the new ones) are the analysis's: keep those.
      if (how !== 'whole') for (const f of analysis.files) this.keepFacts(f);
      const t = analysis.times;
      const phases =
        how === 'moved'
          ? 'positions moved, analysis reused'
          : `${how === 'bodies' ? `function bodies changed, propagation only (${analysis.propagation.made}): ` : ''}symbols ${ms(t.symbols)}, pointsTo ${ms(t.pointsTo)}, entries ${ms(t.entries)}, propagate ${ms(t.propagate)}, findings ${ms(t.findings)}`;
      this.log.info(`analysed ${files.length} files at revision ${revision} in ${Date.now() - started} ms (${phases}) (re-parsed ${this.parsing.files} files in ${ms(this.parsing.ms)} ms since the last analysis): ${analysis.findings.length} findings`);
      this.parsing = { files: 0, ms: 0 };
      this.cache = { revision, analysis };
      if (this.rev === revision) return analysis;
    }
  }

  /**
   * Whether the current revision's analysis is at hand or cheap: cached, or only positions
   * or function bodies changed since the last one (see `reusePlan`). Parses what changed
   * to tell, and keeps the plan for the analysis of this revision (which would make both
   * anyway).
   */
  async analysisIsCheap(): Promise<boolean> {
    if (this.cache?.revision === this.rev) return true;
    if (!this.cache) return false;
    const revision = this.rev;
    const { files } = await this.currentFiles();
    if (this.cache?.revision === this.rev) return true;
    // No analysis to build on, or files of a revision already superseded: not cheap to tell.
    if (!this.cache || this.rev !== revision) return false;
    const previous = this.cache.analysis;
    // Asked again for this revision: the plan is made.
    if (this.planned?.revision === revision && this.planned.previous === previous) return this.planned.plan !== undefined;
    const plan = reusePlan(previous, files, this.kernel);
    this.planned = { revision, previous, plan };
    return plan !== undefined;
  }

  /** Every tracked file's facts at the current revision, parsing what changed since the last call. */
  private async currentFiles(): Promise<{ files: FileFacts[] }> {
    const parser = await this.parser;
    const started = performance.now();
    let parsed = this.dirtyDisk.size;
    for (const p of this.dirtyDisk) {
      if (this.open.has(p)) continue;
      if (this.selectedSet.has(p)) this.disk.set(p, this.parseDisk(parser, p));
      else this.disk.delete(p);
    }
    this.dirtyDisk.clear();
    const files: FileFacts[] = [];
    const openFacts = (p: string): FileFacts => {
      const doc = this.open.get(p);
      if (!doc) return emptyFacts(p, []);
      if (doc.facts) return doc.facts;
      parsed++;
      let parse = this.parses.get(p);
      if (!parse) this.parses.set(p, (parse = new DocumentParse(parser, p)));
      return (doc.facts = parse.update(doc.text));
    };
    for (const p of this.selected) {
      const facts = this.open.has(p) ? openFacts(p) : this.disk.get(p);
      if (facts) files.push(facts);
    }
    for (const p of this.open.keys()) if (!this.selectedSet.has(p) && this.isTracked(p)) files.push(openFacts(p));
    this.parsing = { files: this.parsing.files + parsed, ms: this.parsing.ms + performance.now() - started };
    return { files };
  }

  private keepFacts(f: FileFacts): void {
    const doc = this.open.get(f.path);
    if (doc) doc.facts = f;
    else if (this.disk.has(f.path)) this.disk.set(f.path, f);
  }
}
