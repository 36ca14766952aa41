/**
 * The "Simulate this path" timeline: one webview panel, reused for each simulation.
 *
 * Security: the page loads only the extension's own script and stylesheet (a strict
 * Content-Security-Policy with a per-load nonce, no remote origins), and receives the
 * simulation as a posted message, never as HTML. Every string that came from C source
 * (instructions, function and lock names, file names) is rendered by the script with
 * textContent. The page can only ask to reveal a step by its index; the file behind
 * that step is looked up here, so a page cannot name a file to open.
 */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { StepSource, TimelineModel } from './timelineModel';

/** Messages the webview sends. */
type FromWebview = { type: 'ready' } | { type: 'reveal'; run: number; step: number };

function isFromWebview(v: unknown): v is FromWebview {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  if (m.type === 'ready') return true;
  return m.type === 'reveal' && Number.isInteger(m.run) && Number.isInteger(m.step);
}

export const TIMELINE_VIEW_TYPE = 'irqlens.timeline';

export class TimelinePanel {
  private static current: TimelinePanel | undefined;

  private model: TimelineModel;
  private sources: StepSource[][];
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  static show(extensionUri: vscode.Uri, model: TimelineModel, sources: StepSource[][], log: vscode.OutputChannel): TimelinePanel {
    if (TimelinePanel.current) {
      TimelinePanel.current.update(model, sources);
      TimelinePanel.current.panel.reveal(vscode.ViewColumn.Beside);
      return TimelinePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW_TYPE, 'irqlens: timeline', vscode.ViewColumn.Beside, {
      enableScripts: true,
      // Only the bundled media folder; the page needs nothing from the workspace.
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'media')],
      retainContextWhenHidden: false,
    });
    TimelinePanel.current = new TimelinePanel(panel, extensionUri, model, sources, log);
    return TimelinePanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    model: TimelineModel,
    sources: StepSource[][],
    private readonly log: vscode.OutputChannel,
  ) {
    this.model = model;
    this.sources = sources;
    panel.webview.html = pageHtml(panel.webview, extensionUri);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    // A hidden panel's page is torn down and rebuilt; it says `ready` again and gets the model again.
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), null, this.disposables);
  }

  private update(model: TimelineModel, sources: StepSource[][]): void {
    this.model = model;
    this.sources = sources;
    if (this.ready) void this.panel.webview.postMessage({ type: 'model', model: this.model });
  }

  private onMessage(message: unknown): void {
    if (!isFromWebview(message)) {
      this.log.appendLine('timeline: ignored a malformed message from the webview');
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      void this.panel.webview.postMessage({ type: 'model', model: this.model });
      return;
    }
    const source = this.sources[message.run]?.[message.step];
    if (!source || source.line < 1) return;
    void revealSource(source).catch((err: unknown) =>
      this.log.appendLine(`timeline: cannot open ${source.file}:${source.line}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  private dispose(): void {
    TimelinePanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

async function revealSource(source: StepSource): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(source.file));
  // Simulator lines are one-based, columns zero-based (sim/result.ts).
  const pos = new vscode.Position(source.line - 1, Math.max(0, source.col));
  await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.One,
    selection: new vscode.Range(pos, pos),
    preserveFocus: false,
  });
}

function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  // Only constants and VS Code-issued URIs go into this HTML; the data arrives by message.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>irqlens: timeline</title>
</head>
<body>
<main id="root" aria-live="polite"><p>Loading the simulation…</p></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
