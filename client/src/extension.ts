/**
 * The irqlens VS Code extension: starts the bundled language server, shows its log, and
 * opens the simulation timeline. No analysis happens here; everything comes from the
 * server through LSP and the messages in server/src/lsp/protocol.ts.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type ExecuteCommandSignature,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  FINDINGS_REQUEST,
  SIMULATE_COMMAND,
  type FindingInfo,
  type FindingsParams,
  type SimulateArgs,
  type SimulateResult,
} from '../../server/src/lsp/protocol';
import { SERVER_NODE_FLAGS } from '../../server/src/lsp/nodeFlags';
import { TimelinePanel } from './timelinePanel';
import { parseTimeline } from './timelineModel';

let client: LanguageClient | undefined;

function isSimulateArgs(v: unknown): v is SimulateArgs {
  return typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).findingId === 'string';
}

function isSimulateResult(v: unknown): v is SimulateResult {
  return typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).ok === 'boolean';
}

/**
 * The palette has no finding to pass, so pick one: the finding on the cursor's line, else
 * the only finding in the file, else let the user choose.
 */
async function pickFinding(lc: LanguageClient): Promise<SimulateArgs | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('irqlens: open a C file with a finding to simulate its path.');
    return undefined;
  }
  const params: FindingsParams = { uri: editor.document.uri.toString() };
  const findings = await lc.sendRequest<FindingInfo[]>(FINDINGS_REQUEST, params);
  const line = editor.selection.active.line;
  const here = findings.filter((f) => f.range.start.line <= line && line <= f.range.end.line);
  if (here.length === 1 && here[0]) return { findingId: here[0].id };
  const candidates = here.length > 0 ? here : findings;
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('irqlens: no findings in this file to simulate.');
    return undefined;
  }
  if (candidates.length === 1 && candidates[0]) return { findingId: candidates[0].id };
  const picked = await vscode.window.showQuickPick(
    candidates.map((f) => ({ label: `${f.callee}() in ${f.context}`, description: `line ${f.range.start.line + 1}`, detail: f.message, id: f.id })),
    { placeHolder: 'Which path should irqlens simulate?' },
  );
  return picked ? { findingId: picked.id } : undefined;
}

/**
 * vscode-languageclient registers `irqlens.simulate` itself (the server advertises it), so
 * the timeline opens here, around the forwarded call, rather than in a second registration.
 */
async function simulateMiddleware(
  context: vscode.ExtensionContext,
  log: vscode.OutputChannel,
  command: string,
  args: unknown[],
  next: ExecuteCommandSignature,
): Promise<unknown> {
  if (command !== SIMULATE_COMMAND || !client) return next(command, args);
  const simArgs = isSimulateArgs(args[0]) ? args[0] : await pickFinding(client);
  if (!simArgs) return undefined;
  const result: unknown = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'irqlens: simulating' },
    async () => next(command, [simArgs]),
  );
  if (!isSimulateResult(result)) {
    log.appendLine(`simulate ${simArgs.findingId}: the server sent no result`);
    return result;
  }
  if (!result.ok) {
    void vscode.window.showWarningMessage(`irqlens: cannot simulate this path: ${result.error}`);
    return result;
  }
  const parsed = parseTimeline(result.finding.message, result.simulation, result.whatIf);
  if (!parsed.ok) {
    void vscode.window.showWarningMessage(`irqlens: ${parsed.error}`);
    return result;
  }
  TimelinePanel.show(context.extensionUri, parsed.model, parsed.sources, log);
  return result;
}

interface ClientEnv {
  context: vscode.ExtensionContext;
  log: vscode.OutputChannel;
  /** One watcher for the extension's lifetime, shared by every client a restart creates. */
  watcher: vscode.FileSystemWatcher;
}

function createClient({ context, log, watcher }: ClientEnv): LanguageClient {
  const serverModule = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
  // The server is bundled JavaScript run by the editor's own Node; nothing a workspace
  // configures is executed, which is what keeps untrusted workspaces safe. Its node flags
  // fix V8's young generation so that memory does not step up mid-session (nodeFlags.ts).
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'c' }],
    outputChannel: log,
    synchronize: { fileEvents: watcher },
    middleware: {
      executeCommand: (command, args: unknown[], next) => simulateMiddleware(context, log, command, args, next),
    },
  };
  return new LanguageClient('irqlens', 'irqlens', serverOptions, clientOptions);
}

async function startClient(env: ClientEnv): Promise<void> {
  const { log } = env;
  client = createClient(env);
  try {
    await client.start();
    log.appendLine(`irqlens language server started (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'restricted'})`);
  } catch (err) {
    log.appendLine(`irqlens language server failed to start: ${err instanceof Error ? err.message : String(err)}`);
    void vscode.window.showErrorMessage('irqlens: the language server failed to start; see the irqlens output.');
  }
}

async function restartClient(env: ClientEnv): Promise<void> {
  const { log } = env;
  try {
    await client?.stop();
  } catch (err) {
    // A server that never started cannot stop cleanly; start a new one all the same.
    log.appendLine(`irqlens language server did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`);
  }
  await startClient(env);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('irqlens');
  // Files changed outside the editor (git checkout, a build), the config file, Kbuild lists.
  const watcher = vscode.workspace.createFileSystemWatcher('**/{*.c,*.h,.irqlens.json,Kbuild,Makefile}');
  const env: ClientEnv = { context, log, watcher };
  context.subscriptions.push(
    log,
    watcher,
    vscode.commands.registerCommand('irqlens.showOutput', () => log.show(true)),
    vscode.commands.registerCommand('irqlens.restartServer', () => restartClient(env)),
    // In a restricted workspace the server ran without the workspace's extra config path
    // (package.json: restrictedConfigurations); once trusted, start over with it.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartClient(env)),
  );
  await startClient(env);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
