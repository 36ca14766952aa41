/**
 * `npm run fuzz -- [--seed N] [--count N] [--minutes M] [--budget-s S] [--corpus DIR]
 * [--only CATEGORY,...]`: feeds generated and mutated C files and malformed configs through
 * parsing, fact extraction, analysis and the scenario builder, in a child process watched
 * by a per-input time budget. A crash, a dead child (out of memory, native abort) or a
 * hang is reported, its input saved under test/fixtures/fuzz/, and the run moves on.
 * Same seed and corpus, same inputs. Prints a markdown table; writes
 * .cache/fuzz/summary-<seed>.json. SIGTERM stops the run early with its summary.
 */
import { execFileSync, fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadCorpus } from './fuzz/corpus';
import { CATEGORIES, makeInput, type Category } from './fuzz/inputs';
import { saveFixture, type Failure } from './fuzz/fixtures';
import type { FromChild, ToChild } from './fuzz/child';
import type { Outcome } from './fuzz/pipeline';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE_DIR = path.join(ROOT, 'test', 'fixtures', 'fuzz');

interface Options {
  seed: number;
  count: number;
  minutes: number;
  budgetS: number;
  corpus: string;
  only: Category[];
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { seed: 1, count: 1000, minutes: 30, budgetS: 120, corpus: path.join(ROOT, '.cache', 'linux-6.1', 'drivers'), only: [...CATEGORIES] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--seed': o.seed = Number(v); break;
      case '--count': o.count = Number(v); break;
      case '--minutes': o.minutes = Number(v); break;
      case '--budget-s': o.budgetS = Number(v); break;
      case '--corpus': o.corpus = path.resolve(v); break;
      case '--only': o.only = v.split(',') as Category[]; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
    i++;
  }
  const unknown = o.only.filter((c) => !CATEGORIES.includes(c));
  if (unknown.length > 0) throw new Error(`unknown categories ${unknown.join(', ')}; known: ${CATEGORIES.join(', ')}`);
  return o;
}

/** Cheap categories run this many times per round for each run of an expensive one. */
const WEIGHT: Record<Category, number> = {
  'byte-flip': 4, truncate: 4, splice: 4, 'delete-braces': 4, 'repeat-macro': 4, 'random-bytes': 4, 'token-soup': 4,
  'huge-line': 1, 'deep-nesting': 1, 'many-functions': 1, 'cyclic-calls': 2, 'bad-config': 4,
};

/** The run's inputs in order: weighted rounds over the categories, seeds counting up per category. */
function* schedule(o: Options): Generator<{ category: Category; seed: number }> {
  const next = new Map<Category, number>(o.only.map((c) => [c, o.seed]));
  for (let n = 0; n < o.count; ) {
    for (const c of o.only) {
      for (let w = 0; w < WEIGHT[c] && n < o.count; w++, n++) {
        const seed = next.get(c) ?? o.seed;
        next.set(c, seed + 1);
        yield { category: c, seed };
      }
    }
  }
}

type Result = { kind: 'done'; label: string; bytes: number; outcome: Outcome } | { kind: 'failed'; failure: Failure };

/** The child process and the one request it is working on. */
class Runner {
  private child: ChildProcess | null = null;
  private stderr = '';

  constructor(
    private readonly kernelDir: string | null,
    private readonly budgetMs: number,
  ) {}

  private async start(): Promise<ChildProcess> {
    const child = fork(path.join(__dirname, 'fuzz', 'child.js'), [], {
      execArgv: ['--max-old-space-size=4096', '--stack-size=984'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`fuzz child exited with ${code} before it was ready`)));
      child.send({ kind: 'init', root: ROOT, kernelDir: this.kernelDir } satisfies ToChild);
    });
    this.child = child;
    return child;
  }

  async run(req: ToChild): Promise<Result> {
    const child = this.child ?? (await this.start());
    return new Promise<Result>((resolve) => {
      const finish = (r: Result): void => {
        clearTimeout(timer);
        child.removeListener('message', onMessage);
        child.removeListener('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: FromChild): void => {
        if (m.kind === 'done') finish(m);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        this.child = null;
        const tail = this.stderr.trim().split('\n').slice(-6).join('\n');
        finish({ kind: 'failed', failure: { kind: 'died', message: `child exited (code ${code}, signal ${signal}): ${tail}` } });
      };
      const timer = setTimeout(() => {
        child.removeListener('exit', onExit);
        child.kill('SIGKILL');
        this.child = null;
        finish({ kind: 'failed', failure: { kind: 'hang', message: `no result within the ${this.budgetMs / 1000} s budget` } });
      }, this.budgetMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(req);
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}

interface Tally {
  inputs: number;
  clean: number;
  problems: Record<string, number>;
  findings: number;
  scenarios: number;
  scenarioErrors: number;
  failures: string[];
  totalMs: number;
  slowest: { ms: number; label: string };
  native: number;
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const kernelDir = fs.existsSync(o.corpus) ? o.corpus : null;
  if (!kernelDir) process.stderr.write(`fuzz: no corpus at ${o.corpus}; mutating the committed fixtures only\n`);
  const corpus = loadCorpus(ROOT, kernelDir);
  const runner = new Runner(kernelDir, o.budgetS * 1000);
  const deadline = Date.now() + o.minutes * 60_000;
  const tallies = new Map<Category, Tally>();
  const saved: string[] = [];
  const head = commit();
  const started = Date.now();
  let tried = 0;
  // SIGTERM ends the run early with its summary; the input in flight is dropped, not blamed.
  let stopped = false;
  process.once('SIGTERM', () => {
    stopped = true;
    runner.stop();
  });
  for (const { category, seed } of schedule(o)) {
    if (Date.now() > deadline || stopped) break;
    const native = seed % 4 === 3;
    const t = Date.now();
    const r = await runner.run({ kind: 'run', category, seed, native });
    if (stopped) break;
    const ms = Date.now() - t;
    tried++;
    const tally = tallies.get(category) ?? { inputs: 0, clean: 0, problems: {}, findings: 0, scenarios: 0, scenarioErrors: 0, failures: [], totalMs: 0, slowest: { ms: 0, label: '' }, native: 0 };
    tallies.set(category, tally);
    tally.inputs++;
    tally.totalMs += ms;
    if (native) tally.native++;
    const failure: Failure | null = r.kind === 'failed' ? r.failure : r.outcome.crash ? { kind: 'crash', message: `${r.outcome.crash.phase}: ${r.outcome.crash.message}` } : null;
    const label = r.kind === 'done' ? r.label : makeInput(category, seed, corpus).label;
    if (ms > tally.slowest.ms) tally.slowest = { ms, label };
    if (failure) {
      const input = makeInput(category, seed, corpus);
      const name = saveFixture(FIXTURE_DIR, input, { backend: native ? 'native' : 'wasm', failure, foundAt: head });
      saved.push(name);
      tally.failures.push(`${failure.kind}: ${name}`);
      process.stderr.write(`fuzz: ${failure.kind} on ${category} seed ${seed} (${label}); saved ${name}\n${failure.message.slice(0, 2000)}\n`);
    } else if (r.kind === 'done') {
      const out = r.outcome;
      if (out.problems.length === 0) tally.clean++;
      for (const p of out.problems) tally.problems[p] = (tally.problems[p] ?? 0) + 1;
      if (out.configErrors > 0) tally.problems['config-errors'] = (tally.problems['config-errors'] ?? 0) + 1;
      tally.findings += out.findings;
      tally.scenarios += out.scenarios.built;
      tally.scenarioErrors += out.scenarios.failed;
    }
    if (tried % 50 === 0) process.stderr.write(`fuzz: ${tried} inputs, ${((Date.now() - started) / 1000).toFixed(0)} s, ${saved.length} failures\n`);
  }
  runner.stop();
  const seconds = (Date.now() - started) / 1000;
  const summary = { seed: o.seed, commit: head, corpus: kernelDir ? path.relative(ROOT, kernelDir) : null, corpusFiles: corpus.files.length, tried, seconds, budgetS: o.budgetS, saved, categories: Object.fromEntries(tallies) };
  fs.mkdirSync(path.join(ROOT, '.cache', 'fuzz'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.cache', 'fuzz', `summary-${o.seed}.json`), JSON.stringify(summary, null, 2));
  process.stdout.write(`${markdown(summary.categories, tried, seconds, o.seed, head)}\n`);
}

function markdown(categories: Record<string, Tally>, tried: number, seconds: number, seed: number, head: string): string {
  const rows = Object.entries(categories).map(([c, t]) => {
    const problems = Object.entries(t.problems).map(([k, n]) => `${k} ${n}`).join(', ') || '—';
    const failures = t.failures.length > 0 ? t.failures.join('; ') : '0';
    return `| ${c} | ${t.inputs} (${t.native} native) | ${t.clean} | ${problems} | ${t.findings} / ${t.scenarios} / ${t.scenarioErrors} | ${(t.totalMs / 1000).toFixed(1)} | ${(t.slowest.ms / 1000).toFixed(1)} (${t.slowest.label}) | ${failures} |`;
  });
  return [
    `${tried} inputs in ${seconds.toFixed(0)} s, seed ${seed}, commit ${head}`,
    '',
    '| category | inputs | no problem | file problems | findings / scenarios built / not built | total s | slowest s | crashes, hangs |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
