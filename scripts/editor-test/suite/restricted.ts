/**
 * The extension in a restricted (untrusted) workspace, inside code-server's real extension
 * host. The workspace's settings point `irqlens.configPath` at a config that turns the
 * xcall rule off; restricted mode must ignore that setting (package.json
 * `restrictedConfigurations`) and still analyse, so the finding is still reported.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  assert.strictEqual(vscode.workspace.isTrusted, false, 'the workspace opens restricted');
  // VS Code hides a restricted setting's workspace value from the API too, so read the file.
  const settings = JSON.parse(fs.readFileSync(path.join(folder.uri.fsPath, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
  assert.strictEqual(settings['irqlens.configPath'], 'rules-off.irqlens.json', 'the workspace does set irqlens.configPath');
  assert.strictEqual(vscode.workspace.getConfiguration('irqlens').get<string>('configPath'), '', 'restricted mode ignores it');
  console.log('ok - restricted mode ignores the workspace irqlens.configPath');

  const file = vscode.Uri.file(path.join(folder.uri.fsPath, 'common', 'dtrace_xcall.c'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
  await waitFor('the xcall finding in restricted mode', () =>
    vscode.languages.getDiagnostics(file).find((d) => d.source === 'irqlens' && d.message.startsWith('smp_call_function()')),
  );
  console.log('ok - the extension still analyses in restricted mode, without the workspace config path');
}
