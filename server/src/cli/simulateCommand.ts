/**
 * `irqlens simulate <paths...> --finding ID [--cpus N] [--format text|json]
 * [--promela FILE] [--what-if defer]`: runs one finding's witness path on virtual CPUs
 * and prints the interleaving. Exit status: 0 no deadlock, 1 deadlock or a kernel
 * warning, 2 usage or input error.
 */
import * as fs from 'fs';
import { buildScenario, renderTimelineText, simulate, simulateWhatIf, toPromela, type FactsLookup, type SimResult } from '../sim';
import { BUILTIN_MODEL, KernelIndex } from '../kernel';
import { FACTS_USAGE, parseFactsOption, type FactsOptions } from './factsOptions';
import { loadWorkspace, type Io } from './loadWorkspace';
import { toReportFinding } from './report';

export interface SimulateArgs {
  command: 'simulate';
  paths: string[];
  finding: string;
  cpus: number;
  format: 'text' | 'json';
  config?: string;
  promela?: string;
  whatIf: boolean;
  facts: FactsOptions;
}

export const SIMULATE_USAGE = `irqlens simulate <paths...> --finding ID [--cpus 2-8] [--format text|json] [--promela FILE] [--what-if defer] [--config FILE] ${FACTS_USAGE}`;

export function parseSimulateArgs(rest: readonly string[]): { ok: true; args: SimulateArgs } | { ok: false; error: string } {
  const paths: string[] = [];
  let finding: string | undefined;
  let cpus = 2;
  let format: SimulateArgs['format'] = 'text';
  let config: string | undefined;
  let promela: string | undefined;
  let whatIf = false;
  const facts: FactsOptions = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const shared = parseFactsOption(rest, i, facts);
    if (shared && 'error' in shared) return { ok: false, error: shared.error };
    if (shared) {
      i = shared.last;
      continue;
    }
    const value = (): string | undefined => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i]);
    if (a === '--finding' || a.startsWith('--finding=')) finding = value();
    else if (a === '--cpus' || a.startsWith('--cpus=')) {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 2 || v > 8) return { ok: false, error: '--cpus takes a whole number from 2 to 8' };
      cpus = v;
    } else if (a === '--format' || a.startsWith('--format=')) {
      const v = value();
      if (v !== 'text' && v !== 'json') return { ok: false, error: 'simulate --format takes text or json' };
      format = v;
    } else if (a === '--config' || a.startsWith('--config=')) config = value();
    else if (a === '--promela' || a.startsWith('--promela=')) promela = value();
    else if (a === '--what-if' || a.startsWith('--what-if=')) {
      if (value() !== 'defer') return { ok: false, error: '--what-if takes defer' };
      whatIf = true;
    } else if (a.startsWith('-')) return { ok: false, error: `unknown simulate option '${a}'` };
    else paths.push(a);
  }
  if (paths.length === 0) return { ok: false, error: 'simulate needs at least one file or directory' };
  if (!finding) return { ok: false, error: 'simulate needs --finding ID (the id that check --format json prints)' };
  return { ok: true, args: { command: 'simulate', paths, finding, cpus, format, whatIf, facts, ...(config ? { config } : {}), ...(promela ? { promela } : {}) } };
}

/** What the search proved, in SPIN's spirit: a counterexample, or how far "none" goes. */
function verdictLine(label: string, r: SimResult): string {
  const v = r.verdict;
  const how =
    v.kind !== 'no-deadlock'
      ? `found with ${v.preemptions ?? v.bound} preemption${(v.preemptions ?? v.bound) === 1 ? '' : 's'}`
      : v.exhaustive
        ? 'exhaustive'
        : `not exhaustive: preemption bound ${v.bound}${v.limit ? `, stopped by the ${v.limit} limit` : ''}`;
  return `${label}${v.kind} (${how}; ${r.stats.statesExplored} states)`;
}

export async function runSimulate(args: SimulateArgs, io: Io): Promise<number> {
  const ws = await loadWorkspace(args.paths, args.config, args.facts, io);
  if (!ws.ok) {
    io.err(ws.message);
    return 2;
  }
  const finding = ws.analysis.findings.find((f) => toReportFinding(f, ws.base).id === args.finding || f.id === args.finding);
  if (!finding) {
    const ids = ws.analysis.findings.slice(0, 5).map((f) => toReportFinding(f, ws.base).id);
    io.err(`irqlens: no finding ${args.finding}${ids.length > 0 ? `; findings here include ${ids.join(', ')}` : '; this workspace has no findings'}\n`);
    return 2;
  }
  const lookup: FactsLookup = (name, fromFile) => ws.analysis.symbols.resolve(name, fromFile).map((d) => ({ file: d.file, fn: d.facts }));
  const options = { kernel: new KernelIndex(BUILTIN_MODEL, ws.config), cpus: args.cpus };
  const built = buildScenario(finding, lookup, options);
  if (!built.ok) {
    io.err(`irqlens: cannot simulate ${args.finding}: ${built.error}\n`);
    return 2;
  }
  if (args.promela) {
    try {
      fs.writeFileSync(args.promela, toPromela(built.scenario).text);
    } catch (err) {
      io.err(`irqlens: cannot write ${args.promela}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const result = simulate(built.scenario);
  const whatIf = args.whatIf ? simulateWhatIf(finding, lookup, { ...options, whatIf: 'workqueue' }) : undefined;
  if (whatIf && !whatIf.ok) io.err(`irqlens: no what-if for this path: ${whatIf.error}\n`);
  const deferred = whatIf?.ok ? whatIf.result.after : undefined;
  if (args.format === 'json') {
    io.out(JSON.stringify({ version: 1, finding: args.finding, simulation: result, ...(deferred ? { whatIf: deferred } : {}) }, null, 2) + '\n');
  } else {
    io.out(`${verdictLine('As written: ', result)}\n${renderTimelineText(result)}\n`);
    if (deferred) io.out(`\n${verdictLine('Deferred to a work item: ', deferred)}\n${renderTimelineText(deferred)}\n`);
  }
  return result.verdict.kind === 'no-deadlock' ? 0 : 1;
}
