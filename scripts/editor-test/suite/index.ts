/**
 * Integration tests that run inside code-server's real extension host (loaded through
 * the smoke-test driver's `extensionTestsPath`; see ../run.ts). The workspace is a copy of
 * examples/dtrace-deadman, where an hrtimer callback reaches smp_call_function().
 *
 * `run()` resolves when every check passed and rejects with the first failure; the
 * workbench reports that to the runner as the exit code.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'irqlens.irqlens';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The hovers' markdown as plain text (markdown escapes `_` in C names as `\\_`). */
function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n')
    .replace(/\\(.)/g, '$1');
}

type Check = [name: string, body: () => Promise<void>];

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  const file = vscode.Uri.file(path.join(folder.uri.fsPath, 'common', 'dtrace_xcall.c'));
  let diagnostic: vscode.Diagnostic | undefined;

  const checks: Check[] = [
    [
      'the extension activates on a C file',
      async () => {
        const doc = await vscode.workspace.openTextDocument(file);
        await vscode.window.showTextDocument(doc);
        const ext = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(ext, `${EXTENSION_ID} is installed`);
        await waitFor('activation', () => (ext.isActive ? true : undefined));
      },
    ],
    [
      'smp_call_function() reached from the hrtimer callback is reported with its witness path',
      async () => {
        diagnostic = await waitFor('an irqlens diagnostic', () =>
          vscode.languages.getDiagnostics(file).find((d) => d.source === 'irqlens' && d.message.startsWith('smp_call_function()')),
        );
        assert.match(diagnostic.message, /hardirq/);
        assert.match(diagnostic.message, /be_callback/);
        assert.strictEqual(diagnostic.severity, vscode.DiagnosticSeverity.Error);
        const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
        assert.strictEqual(code, 'xcall-in-atomic');
        // The forbidden call is on line 16 of the example (one-based).
        assert.strictEqual(diagnostic.range.start.line, 15);
        assert.ok((diagnostic.relatedInformation ?? []).length >= 2, 'related information lists the hops of the path');
      },
    ],
    [
      'hover on the forbidden call shows the contexts it runs in',
      async () => {
        assert.ok(diagnostic);
        const at = diagnostic.range.start.translate(0, 1);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', file, at);
        const text = hoverText(hovers);
        assert.match(text, /hardirq/, `hover text: ${text}`);
      },
    ],
    [
      'hover on a function name shows its contexts and entry',
      async () => {
        const doc = await vscode.workspace.openTextDocument(file);
        const offset = doc.getText().indexOf('orig_dtrace_xcall(processorid_t');
        assert.ok(offset >= 0);
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', file, doc.positionAt(offset + 2));
        const text = hoverText(hovers);
        assert.match(text, /hardirq/, `hover text: ${text}`);
        assert.match(text, /be_callback/, `hover text: ${text}`);
      },
    ],
    [
      'the code actions on the finding include "Simulate this path", and running it opens the timeline',
      async () => {
        assert.ok(diagnostic);
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', file, diagnostic.range);
        const titles = actions.map((a) => a.title);
        const simulate = actions.find((a) => a.title === 'Simulate this path');
        assert.ok(simulate?.command, `code actions: ${titles.join(' | ')}`);
        await vscode.commands.executeCommand(simulate.command.command, ...(simulate.command.arguments ?? []));
        const tab = await waitFor('the timeline webview', () =>
          vscode.window.tabGroups.all
            .flatMap((g) => g.tabs)
            .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('irqlens.timeline')),
        );
        assert.strictEqual(tab.label, 'irqlens: timeline');
      },
    ],
    [
      'from the command palette (no arguments), the command simulates the finding on the cursor line',
      async () => {
        assert.ok(diagnostic);
        const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file), vscode.ViewColumn.One);
        editor.selection = new vscode.Selection(diagnostic.range.start, diagnostic.range.start);
        const result = await vscode.commands.executeCommand<{ ok: boolean; findingId: string }>('irqlens.simulate');
        assert.ok(result?.ok, `result: ${JSON.stringify(result)}`);
        assert.match(result.findingId, /dtrace_xcall\.c:16:/);
      },
    ],
    [
      '"irqlens: Restart Language Server" brings the diagnostics back',
      async () => {
        await vscode.commands.executeCommand('irqlens.restartServer');
        await waitFor('the diagnostic after the restart', () =>
          vscode.languages.getDiagnostics(file).find((d) => d.source === 'irqlens' && d.message.startsWith('smp_call_function()')),
        );
      },
    ],
  ];

  const failures: string[] = [];
  for (const [name, body] of checks) {
    try {
      await body();
      console.log(`ok - ${name}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.log(`not ok - ${name}: ${message}`);
      failures.push(`${name}: ${message}`);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${checks.length} editor checks failed:\n${failures.join('\n')}`);
}
