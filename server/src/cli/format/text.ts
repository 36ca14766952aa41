/** Text output: a compiler-style diagnostic per finding, then its witness path, one hop a line. */
import type { Report } from '../report';

const KIND_LABELS: Record<string, string> = {
  entry: 'entry',
  call: 'call',
  indirect: 'via pointer',
  context: 'context',
  forbidden: 'forbidden',
};

export function formatText(report: Report): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(`${f.location.file}:${f.location.line}:${f.location.column}: ${f.severity}: ${f.message} [${f.rule}]`);
    for (const s of f.path) {
      const stored = s.evidence ? ` [stored at ${s.evidence.file}:${s.evidence.line}:${s.evidence.column}]` : '';
      lines.push(`    ${`${s.file}:${s.line}:${s.column}`.padEnd(28)} ${KIND_LABELS[s.kind].padEnd(11)} ${s.function}: ${s.note}${stored}`);
    }
    const others = f.witnesses.slice(1).map((w) => `${w.entry}() (${w.entryKind})`);
    const more = f.moreWitnesses > 0 ? ` and ${f.moreWitnesses} more` : '';
    if (others.length > 0) lines.push(`    also reached from ${others.join(', ')}${more}`);
    lines.push('');
  }
  for (const p of report.problems) lines.push(`${p.file}: note: ${p.message}`);
  const s = report.stats;
  const count = report.findings.length;
  const hidden = s.hiddenFindings > 0 ? ` (${s.hiddenFindings} more depend on #if branches that cannot both be built; --all shows them)` : '';
  lines.push(
    `${count} finding${count === 1 ? '' : 's'}${hidden} in ${s.files} file${s.files === 1 ? '' : 's'}, ${s.functions} functions, ` +
      `${Object.values(s.entries).reduce((a, b) => a + (b ?? 0), 0)} entry points` +
      (s.skippedFiles > 0 ? `; ${s.skippedFiles} file${s.skippedFiles === 1 ? '' : 's'} not built by Kbuild skipped` : ''),
  );
  return lines.join('\n') + '\n';
}
