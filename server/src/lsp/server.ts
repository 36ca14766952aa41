/**
 * The language server's wiring: LSP messages in, WorkspaceState and the feature modules
 * (one per request family) in between, diagnostics and results out. This module and its
 * siblings are the only code that knows LSP.
 *
 * The server takes its connection as an argument, so tests can run it over in-memory
 * streams as well as over stdio or IPC. Every handler goes through `guard`: a failure in
 * one request is logged and answered with an empty result, never a dead server; a
 * cancelled one is answered with RequestCancelled, as the protocol asks.
 */
import * as path from 'path';
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  LSPErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type CancellationToken,
  type Connection,
  type DidChangeWatchedFilesParams,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFoldersChangeEvent,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Worker } from 'worker_threads';
import type { Analysis, FileReader } from '../analysis';
import { createNativeParser, createWasmParser, type Backend, type CParser } from '../syntax';
import { incomingCalls, outgoingCalls, prepareCallHierarchy } from './callHierarchy';
import { codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { CONFIG_FILE } from './configFiles';
import { DiagnosticsPublisher, FindingDiagnostics, shownFindings, toFindingInfo } from './diagnostics';
import { hover } from './hover';
import { definition, references } from './navigation';
import {
  FINDINGS_REQUEST,
  INDEX_STATUS_NOTIFICATION,
  SERVER_COMMANDS,
  SETTINGS_SECTION,
  SIMULATE_COMMAND,
  SIMULATE_REQUEST,
  type FindingInfo,
  type FindingsParams,
  type IndexStatus,
  type SimulateResult,
} from './protocol';
import { parseSettings } from './settings';
import { parseSimulateArgs, simulateFinding } from './simulation';
import { UriMap } from './uris';
import type { CacheDirChoice } from '../factCache';
import { cachedFacts, type CachedFacts } from './factsProvider';
import { WorkspaceState, isKbuildFile, isSourceFile, type Logger } from './workspaceState';

export interface ServerOptions {
  /** wasm by default: VS Code's extension host is Electron, whose ABI native modules would have to match. */
  parser: Backend;
  reader: FileReader;
  /**
   * The longest wait after an edit before re-analysing, so that typing into a workspace
   * whose analysis is slow is not analysed keystroke by keystroke. The wait is never
   * longer than the last analysis took: waiting longer than the work gains nothing.
   */
  debounceMs?: number;
  /** Where the fact cache is for these workspace folders; without it, nothing is cached (in-process tests). */
  cacheDir?: (roots: readonly string[]) => CacheDirChoice;
  /** The process the server runs in (node's version and flags), for the start-up log line. */
  runtime?: string;
}

const DEFAULT_DEBOUNCE_MS = 150;

function createParser(backend: Backend): Promise<CParser> {
  return backend === 'native' ? Promise.resolve().then(createNativeParser) : createWasmParser();
}

export interface RunningServer {
  /** Whether the client sent `shutdown`: a process that ends now ends as asked (exit status 0). */
  shutdownRequested(): boolean;
}

export function startServer(connection: Connection, options: ServerOptions): RunningServer {
  const log: Logger = {
    info: (m) => connection.console.info(m),
    warn: (m) => connection.console.warn(m),
    error: (m) => connection.console.error(m),
  };
  const uris = new UriMap();
  const documents = new TextDocuments(TextDocument);
  const findingDiagnostics = new FindingDiagnostics();
  const publisher = new DiagnosticsPublisher((uri, diagnostics, version) => void connection.sendDiagnostics({ uri, diagnostics, ...(version === undefined ? {} : { version }) }));
  /** Documents edited since the last publication: their diagnostics are sent again, with this version. */
  const edited = new Map<string, number>();
  /** How long the last re-analysis for a publication took, in milliseconds. */
  let lastAnalysisMs = 0;
  const workers = new Set<Worker>();
  let state: WorkspaceState | undefined;
  let factCache: CachedFacts | undefined;
  let canPullSettings = false;
  let canWatchDynamically = false;
  let canReportProgress = false;
  let canWatchFolders = false;
  /** Index runs under way (a new one supersedes an old one, which then winds down). */
  let indexRuns = 0;
  /** The last index run's counts, for the status notification. */
  let indexed = { done: 0, total: 0 };
  let publishTimer: NodeJS.Timeout | undefined;
  /** Bumped by every schedulePublish, so an older one's pending check does not schedule. */
  let publishTicket = 0;
  let shuttingDown = false;

  /** Runs a handler, logging and answering `fallback` when it fails or when there is no workspace yet; RequestCancelled when cancelled. */
  function guard<P, R>(name: string, fallback: R, handler: (params: P, s: WorkspaceState, token: CancellationToken | undefined) => Promise<R> | R) {
    return async (params: P, token?: CancellationToken): Promise<R> => {
      if (!state) return fallback;
      let result: R;
      try {
        result = await handler(params, state, token);
      } catch (err) {
        log.error(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return fallback;
      }
      if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      return result;
    };
  }

  /** Runs a notification handler; a failure is logged and the server goes on. */
  function safely<P>(name: string, handler: (params: P, s: WorkspaceState) => void) {
    return (params: P): void => {
      if (!state) return;
      try {
        handler(params, state);
      } catch (err) {
        log.error(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    };
  }

  /** A request about one document: its path, when it is a file the server analyses. */
  function fileRequest<P extends { textDocument: { uri: string } }, R>(
    name: string,
    fallback: R,
    handler: (analysis: Analysis, s: WorkspaceState, file: string, params: P, token: CancellationToken | undefined) => R | Promise<R>,
  ) {
    return guard<P, R>(name, fallback, async (params, s, token) => {
      const file = uris.toPath(params.textDocument.uri);
      if (!file || !s.isTracked(file)) return fallback;
      // Let a pending $/cancelRequest arrive first: editors cancel code lens and code action
      // requests as soon as the user types on, and an analysis for them would be wasted.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (token?.isCancellationRequested) return fallback;
      return handler(await s.analysis(), s, file, params, token);
    });
  }

  async function publishNow(s: WorkspaceState): Promise<void> {
    const revision = s.revision;
    const started = performance.now();
    const analysis = await s.analysis();
    lastAnalysisMs = performance.now() - started;
    // A newer change arrived while the parser was loading: its own publish will follow.
    if (s.revision !== revision || shuttingDown) return;
    const versions = new Map([...edited].filter(([uri]) => documents.get(uri) !== undefined));
    edited.clear();
    publisher.publish(findingDiagnostics.build(analysis, s, uris, s.takeChanges()), versions);
    const status: IndexStatus = { state: indexRuns > 0 ? 'indexing' : 'ready', filesDone: indexed.done, filesTotal: indexed.total, findings: shownFindings(analysis, s.settings).length };
    void connection.sendNotification(INDEX_STATUS_NOTIFICATION, status);
  }

  /**
   * Re-analysis and publication after a change. An edit that only moved code or changed
   * function bodies (analysis built on the last one) is answered at once; any other waits
   * for typing to pause, at most as long as the last analysis took. Every call supersedes
   * the previous one.
   */
  function schedulePublish(): void {
    if (!state || shuttingDown) return;
    const s = state;
    const ticket = ++publishTicket;
    if (publishTimer) clearTimeout(publishTimer);
    publishTimer = undefined;
    const current = (): boolean => ticket === publishTicket && !shuttingDown;
    // Edits already read from the client are parsed once, for the last of them. The
    // JSON-RPC connection handles one message per setImmediate turn, queued after this
    // handler's own turns: two turns let the next message of a burst supersede this one.
    setImmediate(() =>
      setImmediate(() => {
        if (!current()) return;
        s.analysisIsCheap()
          .catch(() => false)
          .then((cheap) => {
            if (!current()) return;
            publishTimer = setTimeout(
              () => {
                publishTimer = undefined;
                publishNow(s).catch((err: unknown) => log.error(`publishing diagnostics failed: ${err instanceof Error ? err.message : String(err)}`));
              },
              cheap ? 0 : Math.min(options.debounceMs ?? DEFAULT_DEBOUNCE_MS, lastAnalysisMs),
            );
          });
      }),
    );
  }

  async function pullSettings(s: WorkspaceState): Promise<{ reindex: boolean }> {
    if (!canPullSettings) {
      s.reloadConfig();
      return { reindex: false };
    }
    const raw: unknown = await connection.workspace.getConfiguration(SETTINGS_SECTION);
    return s.setSettings(parseSettings(raw));
  }

  async function reindex(s: WorkspaceState): Promise<void> {
    let progress: WorkDoneProgressServerReporter | undefined;
    if (canReportProgress) {
      try {
        progress = await connection.window.createWorkDoneProgress();
        progress.begin('irqlens: indexing', 0, 'selecting files', false);
      } catch (err) {
        // A client that refuses the progress token still gets its files indexed.
        log.warn(`no indexing progress: ${err instanceof Error ? err.message : String(err)}`);
        progress = undefined;
      }
    }
    indexRuns++;
    void connection.sendNotification(INDEX_STATUS_NOTIFICATION, { state: 'indexing', filesDone: 0, filesTotal: 0, findings: 0 } satisfies IndexStatus);
    const started = Date.now();
    try {
      const finished = await s.index((done, total) => {
        indexed = { done, total };
        progress?.report(total === 0 ? 100 : Math.floor((done / total) * 100), `${done}/${total} files`);
      });
      if (finished) log.info(`indexed ${indexed.total} files in ${Date.now() - started} ms${factCache ? `; ${factCache.summary()}` : ''}`);
    } finally {
      indexRuns--;
      progress?.done();
    }
    await publishNow(s);
  }

  function startIndex(s: WorkspaceState): void {
    reindex(s).catch((err: unknown) => log.error(`indexing failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
    const roots = folders.map((f) => uris.toPath(f.uri)).filter((p): p is string => p !== undefined);
    const parser = createParser(options.parser);
    parser.catch((err: unknown) => {
      // Nothing can be analysed without the grammar: say so where the user looks, once.
      const message = `irqlens cannot load its C parser (${options.parser}): ${err instanceof Error ? err.message : String(err)}`;
      log.error(message);
      void connection.window.showErrorMessage(message);
    });
    factCache = options.cacheDir ? cachedFacts(options.cacheDir(roots), log) : undefined;
    state = new WorkspaceState(roots, options.reader, parser, log, factCache?.factsOf);
    canPullSettings = params.capabilities.workspace?.configuration === true;
    canWatchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    canReportProgress = params.capabilities.window?.workDoneProgress === true;
    canWatchFolders = params.capabilities.workspace?.workspaceFolders === true;
    log.info(`irqlens language server (${options.parser} parser${options.runtime ? `, ${options.runtime}` : ''}) for ${roots.length > 0 ? roots.join(', ') : 'open files only'}`);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        codeLensProvider: { resolveProvider: false },
        callHierarchyProvider: true,
        executeCommandProvider: { commands: [...SERVER_COMMANDS] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'irqlens' },
    };
  });

  connection.onInitialized(() => {
    const s = state;
    if (!s) return;
    if (canWatchDynamically) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.{c,h}' }, { globPattern: `**/${CONFIG_FILE}` }, { globPattern: '**/{Kbuild,Makefile}' }],
      });
    }
    // Only once initialized: the feature throws when touched before the client said it supports folders.
    if (canWatchFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(
        safely('didChangeWorkspaceFolders', (e: WorkspaceFoldersChangeEvent, ws) => {
          const removed = new Set(e.removed.map((f) => uris.toPath(f.uri)));
          const added = e.added.map((f) => uris.toPath(f.uri)).filter((p): p is string => p !== undefined);
          ws.setRoots([...ws.roots.filter((r) => !removed.has(r)), ...added.filter((p) => !ws.roots.includes(p))]);
          log.info(`workspace folders now ${ws.roots.join(', ') || 'none'}`);
          startIndex(ws);
        }),
      );
    }
    pullSettings(s)
      .catch((err: unknown) => log.warn(`cannot read settings, using defaults: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => startIndex(s));
  });

  connection.onDidChangeConfiguration(() => {
    const s = state;
    if (!s) return;
    pullSettings(s)
      .then(({ reindex: again }) => (again ? startIndex(s) : schedulePublish()))
      .catch((err: unknown) => log.error(`settings change failed: ${err instanceof Error ? err.message : String(err)}`));
  });

  documents.onDidChangeContent(
    safely('didChange', (e: { document: TextDocument }, s) => {
      const file = uris.toPath(e.document.uri);
      if (!file) return;
      s.setDocText(file, e.document.getText());
      if (s.isTracked(file)) edited.set(e.document.uri, e.document.version);
      if (s.isConfigFile(file)) s.reloadConfig();
      schedulePublish();
    }),
  );

  documents.onDidClose(
    safely('didClose', (e: { document: TextDocument }, s) => {
      const file = uris.toPath(e.document.uri);
      if (!file) return;
      s.closeDoc(file);
      if (s.isConfigFile(file)) s.reloadConfig();
      schedulePublish();
    }),
  );

  connection.onDidChangeWatchedFiles(
    safely('didChangeWatchedFiles', (params: DidChangeWatchedFilesParams, s) => {
      let selectionChanged = false;
      let configChanged = false;
      for (const change of params.changes) {
        const file = uris.toPath(change.uri);
        if (!file || !s.inWorkspace(file)) continue;
        if (path.basename(file) === CONFIG_FILE || s.isConfigFile(file)) configChanged = true;
        else if (isKbuildFile(file)) selectionChanged = true;
        else if (isSourceFile(file)) {
          // A new or deleted file changes the selection; an open file's buffer wins over the disk.
          if (change.type !== FileChangeType.Changed) selectionChanged = true;
          if (!s.isOpen(file)) s.diskChanged(file);
        }
      }
      if (configChanged) s.reloadConfig();
      if (selectionChanged) startIndex(s);
      else schedulePublish();
    }),
  );

  connection.onHover(fileRequest('hover', null, (a, s, file, p) => hover(a, s, file, p.position)));
  connection.onDefinition(fileRequest('definition', [], (a, s, file, p) => definition(a, s, uris, file, p.position)));
  connection.onReferences(fileRequest('references', [], (a, s, file, p) => references(a, s, uris, file, p.position, p.context.includeDeclaration)));
  connection.onCodeAction(fileRequest('codeAction', [], (a, s, file, p) => codeActions(a, s, file, p)));
  connection.onCodeLens(fileRequest('codeLens', [], (a, s, file) => codeLenses(a, s, file)));
  connection.languages.callHierarchy.onPrepare(fileRequest('prepareCallHierarchy', [], (a, s, file, p) => prepareCallHierarchy(a, s, uris, file, p.position)));
  connection.languages.callHierarchy.onIncomingCalls(guard('incomingCalls', [], async (p, s) => incomingCalls(await s.analysis(), s, uris, p.item)));
  connection.languages.callHierarchy.onOutgoingCalls(guard('outgoingCalls', [], async (p, s) => outgoingCalls(await s.analysis(), s, uris, p.item)));

  const simulateFailure = (findingId: string, error: string): SimulateResult => ({ ok: false, findingId, error });
  const runSimulation = async (raw: unknown, s: WorkspaceState, token: CancellationToken | undefined): Promise<SimulateResult> => {
    const args = parseSimulateArgs(raw);
    if (!args) return simulateFailure('', 'expected { findingId: string, cpus?: number }');
    return simulateFinding(await s.analysis(), s, uris, args, token, workers, log);
  };

  connection.onExecuteCommand(
    guard<{ command: string; arguments?: unknown[] }, SimulateResult | null>('executeCommand', null, (p, s, token) => {
      if (p.command !== SIMULATE_COMMAND) return simulateFailure('', `unknown command ${p.command}`);
      return runSimulation(p.arguments?.[0], s, token);
    }),
  );
  connection.onRequest(SIMULATE_REQUEST, guard<unknown, SimulateResult>(SIMULATE_REQUEST, simulateFailure('', 'no workspace'), (p, s, token) => runSimulation(p, s, token)));
  connection.onRequest(
    FINDINGS_REQUEST,
    guard<FindingsParams | undefined, FindingInfo[]>(FINDINGS_REQUEST, [], async (p, s) => {
      const file = p?.uri ? uris.toPath(p.uri) : undefined;
      if (p?.uri && !file) return [];
      const analysis = await s.analysis();
      return shownFindings(analysis, s.settings)
        .filter((f) => file === undefined || f.location.file === file)
        .map((f) => toFindingInfo(f, s, uris));
    }),
  );

  connection.onShutdown(() => {
    shuttingDown = true;
    if (publishTimer) clearTimeout(publishTimer);
    for (const w of workers) void w.terminate();
  });

  documents.listen(connection);
  connection.listen();
  return { shutdownRequested: () => shuttingDown };
}
