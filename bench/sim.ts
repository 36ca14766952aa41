/**
 * The simulator's harness outside the pure `sim` layer: loading the fixture scenarios
 * (test/fixtures/sim/cases.json over C files), running SPIN on exported models, and the
 * benchmark that sets the simulator beside SPIN. The SPIN agreement test uses the same
 * loader and runner, so the benchmark measures exactly what the test checks.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { createNativeParser, factsFromText, type FunctionFacts, type CallOp, type Op } from '../server/src/syntax';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex } from '../server/src/kernel';
import { Symbols } from '../server/src/analysis/symbols';
import type { Finding, WitnessStep } from '../server/src/analysis/findings';
import type { EntryKind } from '../server/src/kernel/model';
import { buildScenario, simulate, toPromela, type FactsLookup, type ScenarioOptions, type Scenario, type SimResult, type VerdictKind } from '../server/src/sim';
import { toPromelaBatch } from '../server/src/sim/promela';
import { randomScenario } from '../server/src/sim/randomScenario';
import { calleeName, walk } from '../server/src/sim/abstractFunction';

const run = promisify(execFile);

export const ROOT = path.resolve(__dirname, '..', '..');
const CASES = path.join(ROOT, 'test', 'fixtures', 'sim', 'cases.json');

/** One row of cases.json: a witness path through C files, the scenario options, the expected verdict. */
export interface SimCase {
  name: string;
  /** C files or directories, relative to the repository root. */
  files: string[];
  entry: string;
  entryKind: EntryKind | 'irqs-off-region' | 'atomic-region';
  /** Functions the path goes through after the entry, in order. */
  via: string[];
  /** The call the path ends at, in the last function. */
  callee: string;
  options?: Omit<ScenarioOptions, 'kernel'>;
  expect: VerdictKind;
  /** For deadlocks: the most preemptions the first counterexample may need. */
  maxPreemptions?: number;
  /** For warnings: the reason that must be among them. */
  warns?: string;
}

export interface LoadedCase {
  spec: SimCase;
  finding: Finding;
  lookup: FactsLookup;
  options: ScenarioOptions;
  scenario: Scenario;
}

export const kernel = new KernelIndex(BUILTIN_MODEL, EMPTY_CONFIG);

export function loadSimCases(): LoadedCase[] {
  const specs = JSON.parse(fs.readFileSync(CASES, 'utf8')) as SimCase[];
  return specs.map(loadSimCase);
}

export function loadSimCase(spec: SimCase): LoadedCase {
  const parser = createNativeParser();
  const files = spec.files.flatMap((f) => {
    const abs = path.join(ROOT, f);
    return fs.statSync(abs).isDirectory() ? fs.readdirSync(abs).filter((n) => n.endsWith('.c')).map((n) => path.join(f, n)) : [f];
  });
  const facts = files.map((f) => factsFromText(parser, f, fs.readFileSync(path.join(ROOT, f), 'utf8')));
  const symbols = new Symbols(facts);
  const lookup: FactsLookup = (name, from) => symbols.resolve(name, from).map((d) => ({ file: d.file, fn: d.facts }));
  const finding = witness(spec, symbols);
  const context = symbols.defs.map((d) => ({ file: d.file, fn: d.facts }));
  const options: ScenarioOptions = { kernel, context, ...spec.options };
  const built = buildScenario(finding, lookup, options);
  if (!built.ok) throw new Error(`${spec.name}: ${built.error}`);
  return { spec, finding, lookup, options, scenario: built.scenario };
}

/** A finding whose witness runs entry -> via... -> callee, as the analysis would report it. */
function witness(spec: SimCase, symbols: Symbols): Finding {
  const chain = [spec.entry, ...spec.via];
  const defs = chain.map((name) => {
    const def = symbols.byName(name)[0];
    if (!def) throw new Error(`${spec.name}: no function ${name}`);
    return def;
  });
  const calls = (fn: FunctionFacts): CallOp[] => {
    const out: CallOp[] = [];
    walk(fn.body, (op: Op) => {
      if (op.op === 'call') out.push(op);
    });
    return out;
  };
  const path: WitnessStep[] = [{ kind: 'entry', function: spec.entry, location: { file: defs[0].file, pos: defs[0].facts.nameSpan.start }, note: `${spec.entryKind} ${spec.entry}` }];
  defs.forEach((def, i) => {
    const next = chain[i + 1];
    const ops = calls(def.facts);
    const direct = ops.find((op) => calleeName(op) === (next ?? spec.callee));
    const op = direct ?? (next ? ops.find((o) => o.callee.kind !== 'name') : undefined);
    if (!op) throw new Error(`${spec.name}: ${def.facts.name} does not call ${next ?? spec.callee}`);
    const kind = next === undefined ? 'forbidden' : direct ? 'call' : 'indirect';
    path.push({ kind, function: def.facts.name, location: { file: def.file, pos: op.at }, note: `calls ${next ?? spec.callee}` });
  });
  const last = path[path.length - 1];
  const confidence = path.some((s) => s.kind === 'indirect') ? 'pointer' : 'direct';
  return {
    id: `sim:${spec.name}`,
    rule: 'xcall-in-atomic',
    severity: 'error',
    message: spec.name,
    context: 'hardirq',
    contexts: ['hardirq'],
    location: last.location,
    callee: spec.callee,
    entryKind: spec.entryKind,
    confidence,
    why: '',
    path,
    witnesses: [{ entry: spec.entry, entryKind: spec.entryKind, context: 'hardirq', confidence, path }],
    moreWitnesses: 0,
  };
}

/**
 * The generated corpus: `count` scenarios from consecutive seeds (CPUs cycling 2, 3, 4
 * unless fixed), each with the simulator's result. A seed whose state space needs more
 * than `maxStates` is skipped: the corpus is of small programs both tools settle in
 * milliseconds, and `skipped` says how many seeds that cost.
 */
export function simCorpus(count: number, options: { firstSeed?: number; cpus?: number; maxStates?: number } = {}): { items: Array<{ seed: number; scenario: Scenario; result: SimResult }>; skipped: number } {
  const first = options.firstSeed ?? 1000;
  const maxStates = options.maxStates ?? 60_000;
  const items: Array<{ seed: number; scenario: Scenario; result: SimResult }> = [];
  let skipped = 0;
  for (let seed = first; items.length < count; seed++) {
    const scenario = randomScenario(seed, options.cpus ?? 2 + ((seed - first) % 3));
    const result = simulate(scenario, { maxStates });
    if (result.verdict.kind !== 'deadlock' && !result.verdict.exhaustive) skipped++;
    else items.push({ seed, scenario, result });
  }
  return { items, skipped };
}

export interface SpinOutcome {
  deadlock: boolean;
  /** States pan stored (for a batch, the selected scenario's plus init's few). */
  states: number;
  /** Wall time of the pan run, without compilation. */
  ms: number;
  /** Anything other than a clean verdict: a failed compile, another assertion, a depth limit. */
  error: string | null;
}

/** Whether `spin` and `cc` are on the PATH, with the reason when not. */
export async function spinAvailable(): Promise<string | null> {
  for (const [tool, args] of [['spin', ['-V']], ['cc', ['--version']]] as const) {
    try {
      await run(tool, [...args]);
    } catch {
      return `${tool} is not installed: run "apt-get install -y spin gcc" (CI installs both in .ci/run)`;
    }
  }
  return null;
}

/**
 * Checks every scenario with SPIN: models are batched (one pan binary per batch, one
 * never claim per scenario), batches compile in parallel with `cc -O2 -DSAFETY`, and each
 * scenario is one `./pan -N sK` run. Works in a temporary directory that is removed after.
 */
export async function spinCheck(scenarios: Scenario[], options: { batchSize?: number; parallel?: number } = {}): Promise<SpinOutcome[]> {
  const batchSize = options.batchSize ?? 12;
  const parallel = options.parallel ?? Math.max(1, os.cpus().length);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-spin-'));
  try {
    const batches: Scenario[][] = [];
    for (let i = 0; i < scenarios.length; i += batchSize) batches.push(scenarios.slice(i, i + batchSize));
    const results: SpinOutcome[][] = new Array<SpinOutcome[]>(batches.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let b = next++; b < batches.length; b = next++) results[b] = await checkBatch(batches[b], path.join(dir, `b${b}`));
    };
    await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, worker));
    return results.flat();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function checkBatch(batch: Scenario[], dir: string): Promise<SpinOutcome[]> {
  fs.mkdirSync(dir, { recursive: true });
  const model = batch.length === 1 ? { ...toPromela(batch[0]), claims: [] as string[] } : toPromelaBatch(batch);
  fs.writeFileSync(path.join(dir, 'model.pml'), model.text);
  try {
    await run('spin', ['-a', 'model.pml'], { cwd: dir });
    // VECTORSZ: a batch's state vector holds its largest scenario's stacks. NOBOUNDCHECK
    // halves compile time; PUSH asserts the only index that could overflow.
    await run('cc', ['-O2', '-DSAFETY', '-DNOBOUNDCHECK', '-DVECTORSZ=8192', '-o', 'pan', 'pan.c'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return batch.map(() => ({ deadlock: false, states: 0, ms: 0, error: `spin/cc failed: ${message.slice(0, 400)}` }));
  }
  const outcomes: SpinOutcome[] = [];
  for (let i = 0; i < batch.length; i++) {
    const args = ['-m100000', '-w20', ...(model.claims.length > 0 ? ['-N', model.claims[i]] : [])];
    const start = process.hrtime.bigint();
    let out: string;
    try {
      out = (await run('./pan', args, { cwd: dir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch (err) {
      outcomes.push({ deadlock: false, states: 0, ms: 0, error: `pan failed: ${err instanceof Error ? err.message.slice(0, 400) : String(err)}` });
      continue;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    outcomes.push(parsePan(out, model.deadlockAssertion, ms));
  }
  return outcomes;
}

function parsePan(out: string, deadlockAssertion: string, ms: number): SpinOutcome {
  const states = Number(/(\d+) states, stored/.exec(out)?.[1] ?? 0);
  const errors = Number(/errors: (\d+)/.exec(out)?.[1] ?? -1);
  const violated = /assertion violated (.*) \(at depth/.exec(out)?.[1] ?? null;
  const deadlockText = deadlockAssertion.replace(/ /g, '');
  if (errors === 0) {
    const truncated = /max search depth too small/.test(out);
    return { deadlock: false, states, ms, error: truncated ? 'pan: search depth limit reached' : null };
  }
  if (violated !== null && violated.replace(/[() ]/g, '') === deadlockText.replace(/[() ]/g, '')) return { deadlock: true, states, ms, error: null };
  return { deadlock: false, states, ms, error: `pan reported: ${violated ?? out.slice(0, 400)}` };
}

export interface BenchRow {
  name: string;
  cpus: number;
  sim: { verdict: VerdictKind; exhaustive: boolean; states: number; ms: number; statesPerSecond: number };
  spin: SpinOutcome;
}

export interface SimBenchReport {
  rows: BenchRow[];
  /** A Markdown table for BENCHMARKS.md. */
  markdown: string;
}

/**
 * States per second, states explored and time to verdict for the example scenarios (the
 * seed at 2, 3 and 4 CPUs, every fixture at its own count) and the generated corpus at
 * 2, 3 and 4 CPUs, beside SPIN on the exported models, with the ratios.
 */
export async function runSimBench(options: { corpusPerCpuCount?: number; log?: (line: string) => void } = {}): Promise<SimBenchReport> {
  const log = options.log ?? ((): void => undefined);
  const missing = await spinAvailable();
  if (missing) throw new Error(missing);
  const perCount = options.corpusPerCpuCount ?? 30;
  const examples: Array<{ name: string; scenario: Scenario }> = [];
  for (const c of loadSimCases()) {
    examples.push({ name: c.spec.name, scenario: c.scenario });
    if (c.spec.name.startsWith('seed:')) {
      for (const cpus of [3, 4]) {
        const built = buildScenario(c.finding, c.lookup, { ...c.options, cpus });
        if (built.ok) examples.push({ name: `${c.spec.name} (${cpus} CPUs)`, scenario: built.scenario });
      }
    }
  }
  const corpus = [2, 3, 4].map((cpus) => ({ cpus, scenarios: simCorpus(perCount, { firstSeed: 5000 + cpus * 1000, cpus }).items.map((i) => i.scenario) }));
  const all = [...examples.map((e) => e.scenario), ...corpus.flatMap((c) => c.scenarios)];
  log(`simulating ${all.length} scenarios`);
  const simResults = all.map((s) => simulate(s, { timeLimitMs: 60_000 }));
  log('running SPIN');
  const spin = await spinCheck(all);
  const row = (name: string, scenario: Scenario, r: SimResult, s: SpinOutcome): BenchRow => ({
    name,
    cpus: scenario.cpus,
    sim: { verdict: r.verdict.kind, exhaustive: r.verdict.exhaustive, states: r.stats.statesExplored, ms: r.stats.elapsedMs, statesPerSecond: r.stats.statesPerSecond },
    spin: s,
  });
  const rows = all.map((s, i) => row(i < examples.length ? examples[i].name : `corpus ${s.title}`, s, simResults[i], spin[i]));
  return { rows, markdown: markdown(rows.slice(0, examples.length), corpus.map((c, k) => ({ cpus: c.cpus, rows: rows.slice(examples.length + k * perCount, examples.length + (k + 1) * perCount) }))) };
}

function markdown(examples: BenchRow[], corpus: Array<{ cpus: number; rows: BenchRow[] }>): string {
  const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '—');
  const lines = [
    '| scenario | CPUs | verdict | sim states | sim ms | sim states/s | SPIN states | SPIN ms | states sim/SPIN | time sim/SPIN |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const line = (name: string, cpus: number, verdict: string, simStates: number, simMs: number, spinStates: number, spinMs: number): string =>
    `| ${name} | ${cpus} | ${verdict} | ${simStates} | ${simMs.toFixed(0)} | ${Math.round(simStates / Math.max(simMs, 1) * 1000)} | ${spinStates} | ${spinMs.toFixed(0)} | ${ratio(simStates, spinStates)} | ${ratio(simMs, spinMs)} |`;
  for (const r of examples) lines.push(line(r.name, r.cpus, r.sim.verdict, r.sim.states, r.sim.ms, r.spin.states, r.spin.ms));
  for (const c of corpus) {
    const sum = (f: (r: BenchRow) => number): number => c.rows.reduce((s, r) => s + f(r), 0);
    const agree = c.rows.filter((r) => (r.sim.verdict === 'deadlock') === r.spin.deadlock).length;
    lines.push(line(`corpus: ${c.rows.length} random scenarios (${agree} agree)`, c.cpus, 'mixed', sum((r) => r.sim.states), sum((r) => r.sim.ms), sum((r) => r.spin.states), sum((r) => r.spin.ms)));
  }
  return lines.join('\n') + '\n';
}
