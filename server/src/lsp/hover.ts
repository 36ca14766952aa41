/**
 * Hover: on a function's name, the contexts it can run in (each with its entry, the
 * shortest chain of calls, and what the kernel forbids there); on a call site, the CPU
 * state at that call as the flow-sensitive analysis computed it.
 */
import { MarkupKind, type Hover } from 'vscode-languageserver';
import type { Analysis, FlowState, FnDef } from '../analysis';
import { contextOf, isAtomic } from '../analysis/flow';
import { CONTEXT_ORDER, FORBIDDEN_CONTEXTS, describeContext } from '../analysis/rules';
import { RULE_IDS, type Context, type RuleId } from '../kernel';
import { escapeMarkdown as esc } from './markdown';
import { symbolAt } from './symbolAt';
import type { WorkspaceState } from './workspaceState';

const RULE_PHRASES: Record<RuleId, string> = {
  'xcall-in-atomic': 'synchronous cross-CPU calls (smp_call_function and friends with wait)',
  'sleep-in-atomic': 'sleeping calls (mutexes, msleep, GFP_KERNEL allocations, ...)',
};

function forbiddenIn(context: Context): string {
  const rules = RULE_IDS.filter((r) => FORBIDDEN_CONTEXTS[r].includes(context));
  return rules.length === 0 ? 'nothing irqlens checks' : rules.map((r) => RULE_PHRASES[r]).join('; ');
}

function contextLines(analysis: Analysis, def: FnDef): string[] {
  const contexts = analysis.contextsOf(def);
  if (contexts.length === 0) return [`**${esc(def.facts.name)}()** runs only in process context as far as irqlens sees: no interrupt entry or atomic region reaches it.`];
  const out = [`**${esc(def.facts.name)}()** can run in:`, ''];
  for (const c of contexts) {
    const entry = c.steps.find((s) => s.kind === 'entry');
    // Each call step happens in its caller; an `indirect` one reaches the next function through a pointer.
    const chain = c.steps
      .filter((s) => s.kind === 'call' || s.kind === 'indirect')
      .map((s) => `${esc(s.function)} ${s.kind === 'indirect' ? '→ (function pointer)' : '→'} `)
      .join('');
    const origin = entry ? esc(entry.note) : `an IRQs-off or atomic region in ${esc(c.steps[0]?.function ?? def.facts.name)}()`;
    out.push(`- **${esc(describeContext(c.context))}**, from ${origin}`);
    out.push(`  - chain: ${chain}${esc(def.facts.name)}`);
    out.push(`  - forbidden there: ${esc(forbiddenIn(c.context))}`);
  }
  return out;
}

/** Whether the scheduler may preempt here, and what stops it (include/linux/preempt.h: preemptible()). */
function preemption(s: FlowState, atomic: boolean): string {
  if (s.base !== 'process') return `not preemptible (${s.base})`;
  if (atomic) return s.depth > 0 ? 'not preemptible (a lock or preempt_disable() in this function)' : 'not preemptible (the caller holds a lock or disabled preemption)';
  if (s.irqsOff) return 'not preemptible (IRQs off)';
  return 'preemptible';
}

function describeState(s: FlowState): string {
  const atomic = isAtomic(s);
  const context = contextOf({ base: s.base, irqsOff: s.irqsOff, atomic });
  const parts = [
    `IRQs ${s.irqsOff ? 'off' : 'on'}`,
    s.locks.length > 0 ? `locks held here: ${s.locks.map(esc).join(', ')}` : 'no locks taken in this function',
    esc(preemption(s, atomic)),
  ];
  const why = s.reason ? `, since ${esc(s.reason.call)}() at line ${s.reason.pos.line + 1}` : '';
  return `- **${esc(describeContext(context))}**: ${parts.join(', ')}${why}`;
}

function callLines(analysis: Analysis, caller: FnDef, name: string, at: { line: number; col: number }): string[] {
  const rank = (s: FlowState): number => CONTEXT_ORDER.indexOf(contextOf({ base: s.base, irqsOff: s.irqsOff, atomic: isAtomic(s) }));
  // Most restrictive first, as findings name their context.
  const states = analysis.statesAt(caller, at).sort((a, b) => rank(a) - rank(b));
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const s of states) {
    const line = describeState(s);
    if (!seen.has(line)) lines.push(line);
    seen.add(line);
  }
  const out = [`**At this call to ${esc(name)}()** in ${esc(caller.facts.name)}():`, ''];
  out.push(...(lines.length > 0 ? lines : ['- not reached from any entry point irqlens knows']));
  const forbidden = analysis.kernel.forbidden(name);
  if (forbidden.length > 0) {
    out.push('', `**${esc(name)}()** is a kernel API irqlens checks:`, '');
    for (const f of forbidden) out.push(`- not in ${esc(FORBIDDEN_CONTEXTS[f.rule].join(', '))} (${esc(f.rule)}): ${esc(f.why)}`);
  }
  return out;
}

export function hover(analysis: Analysis, state: WorkspaceState, file: string, position: { line: number; character: number }): Hover | null {
  const hit = symbolAt(analysis, state, file, position);
  if (!hit) return null;
  const sections: string[][] = [];
  if (hit.call) sections.push(callLines(analysis, hit.call.caller, hit.name, hit.call.op.at));
  for (const def of hit.defs.slice(0, 3)) sections.push(contextLines(analysis, def));
  if (sections.length === 0) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: sections.map((s) => s.join('\n')).join('\n\n---\n\n') },
    range: { start: { line: hit.at.line, character: hit.at.col }, end: { line: hit.at.line, character: hit.at.col + hit.name.length } },
  };
}
