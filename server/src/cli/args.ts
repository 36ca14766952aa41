/** Command-line parsing for `irqlens`: a result value, never an exception. */
import { FACTS_USAGE, parseFactsOption, type FactsOptions } from './factsOptions';
import { LSP_USAGE, parseLspArgs, type LspArgs } from './lspCommand';
import { SIMULATE_USAGE, parseSimulateArgs, type SimulateArgs } from './simulateCommand';

export type Format = 'text' | 'json' | 'sarif';

export interface CheckArgs {
  command: 'check';
  paths: string[];
  format: Format;
  config?: string;
  /** Report findings of every confidence (the default hides `config` and `release` ones). */
  all: boolean;
  facts: FactsOptions;
}

export type ParsedArgs = CheckArgs | SimulateArgs | LspArgs | { command: 'help' } | { command: 'version' };

export type ArgsResult = { ok: true; args: ParsedArgs } | { ok: false; error: string };

export const USAGE = `usage: irqlens check <paths...> [--format text|json|sarif] [--config FILE] [--all]
                     ${FACTS_USAGE}
       ${SIMULATE_USAGE}
       ${LSP_USAGE}
       irqlens --help | --version

Finds paths from interrupt and atomic context to synchronous cross-CPU calls and
sleeping calls in Linux driver C sources.
exit status: 0 no findings, 1 findings, 2 usage or input error`;

const FORMATS: readonly Format[] = ['text', 'json', 'sarif'];

export function parseArgs(argv: readonly string[]): ArgsResult {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return { ok: true, args: { command: 'help' } };
  if (argv.includes('--version')) return { ok: true, args: { command: 'version' } };
  const [command, ...rest] = argv;
  if (command === 'lsp') return parseLspArgs(rest);
  if (command === 'simulate') return parseSimulateArgs(rest);
  if (command !== 'check') return { ok: false, error: `unknown command '${command}' (expected check, simulate or lsp)` };
  const paths: string[] = [];
  let format: Format = 'text';
  let config: string | undefined;
  let all = false;
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
    if (a === '--format' || a.startsWith('--format=')) {
      const v = value();
      if (!v || !(FORMATS as readonly string[]).includes(v)) return { ok: false, error: `--format takes one of ${FORMATS.join(', ')}` };
      format = v as Format;
    } else if (a === '--config' || a.startsWith('--config=')) {
      const v = value();
      if (!v) return { ok: false, error: '--config takes a file' };
      config = v;
    } else if (a === '--all') {
      all = true;
    } else if (a.startsWith('-')) {
      return { ok: false, error: `unknown option '${a}'` };
    } else {
      paths.push(a);
    }
  }
  if (paths.length === 0) return { ok: false, error: 'check needs at least one file or directory' };
  return { ok: true, args: { command: 'check', paths, format, all, facts, ...(config ? { config } : {}) } };
}
