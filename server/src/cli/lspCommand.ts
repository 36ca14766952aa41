/**
 * `irqlens lsp --stdio | --node-ipc [--parser wasm|native]`: the language server as a
 * process, for VS Code's client and any other LSP client (Neovim, Emacs). The server
 * modules are loaded only when this command runs, so `irqlens check` stays light.
 */
import type { Backend } from '../syntax';

export interface LspArgs {
  command: 'lsp';
  transport: 'stdio' | 'node-ipc';
  parser: Backend;
}

export type LspArgsResult = { ok: true; args: LspArgs } | { ok: false; error: string };

export const LSP_USAGE = 'irqlens lsp --stdio | --node-ipc [--parser wasm|native]';

export function parseLspArgs(rest: readonly string[]): LspArgsResult {
  let transport: LspArgs['transport'] | undefined;
  let parser: Backend = 'wasm';
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--stdio') transport = 'stdio';
    else if (a === '--node-ipc') transport = 'node-ipc';
    else if (a === '--parser' || a.startsWith('--parser=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i];
      if (v !== 'wasm' && v !== 'native') return { ok: false, error: '--parser takes wasm or native' };
      parser = v;
    }
    // vscode-languageclient adds --clientProcessId=N; the connection reads it from argv itself.
    else if (!a.startsWith('--clientProcessId')) return { ok: false, error: `unknown lsp option '${a}'` };
  }
  if (!transport) return { ok: false, error: 'lsp needs --stdio or --node-ipc' };
  return { ok: true, args: { command: 'lsp', transport, parser } };
}

export async function runLsp(args: LspArgs): Promise<number> {
  const lsp = await import('vscode-languageserver/node');
  const { startServer } = await import('../lsp/server');
  const { nodeReader } = await import('./nodeReader');
  const { chooseCacheDir } = await import('../factCache');
  const os = await import('os');
  const { frameSanitizer } = await import('../lsp/frames');
  const { DispatchGate } = await import('../lsp/dispatchGate');
  // Dropped frames and messages are said on stderr: the connection they would be logged on is what they failed to reach.
  const malformed = (reason: string): void => void process.stderr.write(`irqlens lsp: malformed input: ${reason}\n`);
  const input = args.transport === 'stdio' ? process.stdin.pipe(frameSanitizer(malformed)) : undefined;
  const gate = new DispatchGate(input ? new lsp.StreamMessageReader(input) : new lsp.IPCMessageReader(process), malformed);
  const writer = input ? new lsp.StreamMessageWriter(process.stdout) : new lsp.IPCMessageWriter(process);
  const connection = lsp.createConnection(lsp.ProposedFeatures.all, gate, writer, { messageStrategy: gate.strategy });
  const server = startServer(connection, {
    parser: args.parser,
    reader: nodeReader,
    cacheDir: (roots) => chooseCacheDir({ env: process.env, home: os.homedir(), roots }),
    runtime: ['node', process.version, ...process.execArgv].join(' '),
  });
  // Given a stream rather than a reader, vscode-languageserver would itself end the process
  // when the client closes stdin, with the status LSP asks for: 0 after a shutdown request, else 1.
  const end = (): never => process.exit(server.shutdownRequested() ? 0 : 1);
  input?.on('end', end);
  input?.on('close', end);
  return 0;
}
