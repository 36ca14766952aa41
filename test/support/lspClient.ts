/**
 * A minimal LSP client for end-to-end tests: spawns `irqlens lsp --stdio`, speaks JSON-RPC
 * through vscode-jsonrpc, answers the server's own requests (settings, progress tokens,
 * watcher registration) and records what it publishes. Waiting is by notification with a
 * generous timeout that only guards against a hang; nothing is timed.
 */
import { fork, spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams, WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import { ROOT } from './fixtures';

export const GUARD_MS = 60_000;

export function uriOf(file: string): string {
  return pathToFileURL(file).toString();
}

type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

export class LspTestClient {
  readonly connection: MessageConnection;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** The document version each URI's last diagnostics answered, when the server said. */
  readonly diagnosticVersions = new Map<string, number>();
  readonly progress: ProgressValue[] = [];
  readonly logs: string[] = [];
  readonly registrations: string[] = [];
  settings: Record<string, unknown> = {};
  /** How many times the server asked for the settings: a change is in effect once this rose. */
  configurationRequests = 0;
  private readonly process: ChildProcess;
  private waiters: Array<() => void> = [];
  private stderr = '';

  /** `nodeArgs`: node's own flags for the process that runs bin/irqlens.js. */
  constructor(transport: 'stdio' | 'node-ipc' = 'stdio', extraArgs: string[] = [], env: NodeJS.ProcessEnv = process.env, nodeArgs: readonly string[] = []) {
    const bin = path.join(ROOT, 'bin', 'irqlens.js');
    if (transport === 'stdio') {
      this.process = spawn(process.execPath, [...nodeArgs, bin, 'lsp', '--stdio', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'], env });
      this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    } else {
      this.process = fork(bin, ['lsp', '--node-ipc', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'], env, ...(nodeArgs.length > 0 ? { execArgv: [...nodeArgs] } : {}) });
      this.connection = createMessageConnection(new IPCMessageReader(this.process), new IPCMessageWriter(this.process));
    }
    this.process.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      if (p.version !== undefined) this.diagnosticVersions.set(p.uri, p.version);
      else this.diagnosticVersions.delete(p.uri);
      this.wake();
    });
    this.connection.onNotification('$/progress', (p: { token: string | number; value: ProgressValue }) => {
      this.progress.push(p.value);
      this.wake();
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.connection.onNotification(() => this.wake());
    this.connection.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) => {
      this.configurationRequests++;
      return p.items.map(() => this.settings);
    });
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('client/registerCapability', (p: { registrations: Array<{ method: string }> }) => {
      this.registrations.push(...p.registrations.map((r) => r.method));
      return null;
    });
    this.connection.listen();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once `check` holds, re-checking after every notification; rejects after the guard timeout. */
  async waitFor<T>(what: string, check: () => T | undefined | false): Promise<T> {
    const deadline = Date.now() + GUARD_MS;
    for (;;) {
      const v = check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; server stderr: ${this.stderr}\nlogs:\n${this.logs.join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Bytes straight onto the server's stdin, past the JSON-RPC writer: for malformed frames. */
  writeRaw(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.process.stdin?.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get stderrText(): string {
    return this.stderr;
  }

  diagnosticsOf(file: string): Diagnostic[] {
    return this.diagnostics.get(uriOf(file)) ?? [];
  }

  async initialize(root: string): Promise<{ capabilities: Record<string, unknown> }> {
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: uriOf(root),
      workspaceFolders: [{ uri: uriOf(root), name: path.basename(root) }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
        window: { workDoneProgress: true },
        textDocument: { publishDiagnostics: { relatedInformation: true }, hover: { contentFormat: ['markdown'] } },
      },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.process.exitCode !== null) resolve(this.process.exitCode);
      else this.process.on('exit', (code) => resolve(code));
    });
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}
