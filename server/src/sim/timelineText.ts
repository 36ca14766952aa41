/**
 * A SimResult as a terminal timeline: one column per CPU, one row per step, the IRQ
 * state of every CPU drawn down its column (so IRQs-off spans stand out), preemptions
 * and WARNs flagged, and for a deadlock a last row with what each CPU is stuck on.
 */
import type { CpuSnapshot, SimResult, SimTrace } from './result';

export interface TimelineOptions {
  /** Width of each CPU column; default 46. */
  columnWidth?: number;
}

const MARK = { off: '┃', on: '│', idle: '·' } as const;

export function renderTimelineText(result: SimResult, options: TimelineOptions = {}): string {
  const width = options.columnWidth ?? 46;
  const out: string[] = [];
  out.push(`${result.title} — ${result.cpus} CPUs`);
  out.push(`verdict: ${result.verdict.kind}${result.verdict.exhaustive ? ' (exhaustive)' : ''} — ${result.verdict.summary}`);
  out.push(`searched: ${result.stats.statesExplored} states, ${result.stats.transitions} transitions, ${result.stats.elapsedMs} ms`);
  for (const note of result.notes) out.push(`note: ${note}`);
  if (result.trace) {
    out.push('');
    out.push(...renderTrace(result.trace, result.cpus, width));
  }
  return out.join('\n') + '\n';
}

function renderTrace(trace: SimTrace, cpus: number, width: number): string[] {
  const cell = (text: string): string => {
    const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    return t.padEnd(width);
  };
  const row = (head: string, cells: string[]): string => `${head.padStart(6)} ${cells.map((c) => `│ ${c}`).join(' ')}`;
  const lines: string[] = [];
  lines.push(row('step', Array.from({ length: cpus }, (_, i) => cell(`CPU ${i}`))));
  lines.push(`${'─'.repeat(7)}${Array.from({ length: cpus }, () => `┼${'─'.repeat(width + 2)}`).join('')}`);
  for (const step of trace.steps) {
    const cells = step.cpus.map((snap) => {
      const mark = markOf(snap);
      if (snap.cpu !== step.cpu) return cell(mark);
      const where = step.line > 0 ? `  ${basename(step.file)}:${step.line}` : '';
      return cell(`${mark} ${step.instruction}${where}`);
    });
    lines.push(row(`${step.preemption ? '⇢' : ''}${step.index + 1}`, cells));
    if (step.event) lines.push(row('!', step.cpus.map((snap) => cell(snap.cpu === step.cpu ? `! ${step.event}` : markOf(snap)))));
  }
  if (trace.blocked.length > 0) {
    const last = trace.steps[trace.steps.length - 1]?.cpus ?? [];
    lines.push(
      row(
        'stuck',
        Array.from({ length: cpus }, (_, cpu) => {
          const b = trace.blocked.find((x) => x.cpu === cpu);
          const snap = last.find((s) => s.cpu === cpu);
          if (!b) return cell(snap ? markOf(snap) : '');
          return cell(`✖ ${b.instruction} waits for ${b.waitingFor}`);
        }),
      ),
    );
  }
  lines.push('');
  lines.push(`legend: ${MARK.off} IRQs off   ${MARK.on} IRQs on   ${MARK.idle} idle   ⇢ preemption   ! kernel WARN or give-up   ✖ blocked forever`);
  return lines;
}

function markOf(s: CpuSnapshot): string {
  if (s.context === 'idle') return MARK.idle;
  return `${s.irqs === 'off' ? MARK.off : MARK.on}${s.context === 'task' ? '' : ` [${s.context}]`}`;
}

function basename(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
