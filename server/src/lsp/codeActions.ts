/**
 * Code actions on irqlens findings: "Simulate this path", which runs the simulator on the
 * finding's witness through the `irqlens.simulate` command. No quick fix edits the code:
 * the usual repair (defer the work to a work item, drop `wait`) changes the driver's
 * design, and a tool should not pretend that is mechanical.
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic } from 'vscode-languageserver';
import type { Analysis } from '../analysis';
import { SOURCE, shownFindings } from './diagnostics';
import { SIMULATE_COMMAND, type SimulateArgs } from './protocol';
import type { WorkspaceState } from './workspaceState';

function findingIdOf(d: Diagnostic): string | undefined {
  if (d.source !== SOURCE || typeof d.data !== 'object' || d.data === null) return undefined;
  const id = (d.data as { findingId?: unknown }).findingId;
  return typeof id === 'string' ? id : undefined;
}

// VS Code lists only `quickfix` actions under a diagnostic's "Quick Fix..." link, which is
// where a user looking at a finding looks; the action runs a command and edits nothing.
const KIND = CodeActionKind.QuickFix;

export function codeActions(analysis: Analysis, state: WorkspaceState, file: string, params: CodeActionParams): CodeAction[] {
  if (params.context.only && !params.context.only.some((k) => KIND.startsWith(k))) return [];
  const byId = new Map<string, Diagnostic | undefined>();
  for (const d of params.context.diagnostics) {
    const id = findingIdOf(d);
    if (id) byId.set(id, d);
  }
  // Clients that do not send the diagnostics under the cursor still get the action.
  const { start, end } = params.range;
  for (const f of shownFindings(analysis, state.settings)) {
    if (f.location.file === file && f.location.pos.line >= start.line && f.location.pos.line <= end.line && !byId.has(f.id)) byId.set(f.id, undefined);
  }
  return [...byId].map(([findingId, diagnostic]): CodeAction => {
    const args: SimulateArgs = { findingId };
    return {
      title: 'Simulate this path',
      kind: KIND,
      ...(diagnostic ? { diagnostics: [diagnostic] } : {}),
      command: { title: 'Simulate this path', command: SIMULATE_COMMAND, arguments: [args] },
    };
  });
}
