/** The recall benchmark's result as Markdown: recall per depth and hop kind, and the misses. */
import type { ProbeResult, RecallReport } from './index';

function pct(n: number, d: number): string {
  return d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`;
}

function row(label: string, probes: readonly ProbeResult[]): string {
  const hits = probes.filter((p) => p.outcome === 'hit').length;
  const other = probes.filter((p) => p.outcome === 'other-entry').length;
  return `| ${label} | ${probes.length} | ${hits} (${pct(hits, probes.length)}) | ${other} | ${pct(hits + other, probes.length)} |`;
}

/** A miss's cause as far as the run can tell; the report's reader refines it by hand. */
export function missCause(p: ProbeResult): string {
  if (p.outcome === 'not-inserted') return 'probe not inserted (no body brace found)';
  if (p.outcome === 'other-entry') {
    if (p.hints.some((h) => h.startsWith('more entries reach'))) return 'reported, but this entry is past the witnesses a finding shows';
    return `reported, but no witness starts at this entry (the primary starts at ${p.witnessKind ?? 'unknown'})`;
  }
  const kbuild = p.hints.find((h) => h.includes('Kbuild'));
  if (kbuild) return kbuild;
  if (p.hints.includes('no finding in the run starts at this entry')) return 'entry not recognised';
  if (p.hints.some((h) => h.includes('modelled kernel API'))) return 'path passes through a modelled kernel API (a leaf)';
  const errors = p.hints.find((h) => h.includes('ERROR nodes'));
  if (errors) return errors;
  const cfg = p.hints.find((h) => h.startsWith('probed function under #if'));
  if (cfg) return 'probed function under #if';
  const header = p.hints.find((h) => h.includes('header') || h.includes('more than once'));
  if (header) return header;
  return 'call edge not followed';
}

export function recallMarkdown(r: RecallReport): string {
  const lines = [
    `Seed ${r.seed}: ${r.entries} entries (the pointer rows sample on until they have enough probes) in ${r.directories} directories (of ${r.candidates} scanned registrations), ${r.probes.length} probes, ${r.seconds.toFixed(0)} s.`,
    '',
    '| probe | probes | hits (a witness names the entry) | reported, no witness from the entry | reported at all |',
    '|---|---|---|---|---|',
  ];
  for (const hop of ['direct', 'pointer'] as const) {
    const ofHop = r.probes.filter((p) => p.hop === hop);
    for (const depth of [...new Set(ofHop.map((p) => p.depth))].sort()) {
      lines.push(row(`${hop}, depth ${depth}`, ofHop.filter((p) => p.depth === depth)));
    }
    lines.push(row(`**${hop}, all**`, ofHop));
  }
  const pointers = r.probes.filter((p) => p.hop === 'pointer');
  lines.push('', '| pointer hop through | probes | hits | reported, no witness from the entry | reported at all |', '|---|---|---|---|---|');
  for (const via of ['field', 'argument', 'local'] as const) lines.push(row(via, pointers.filter((p) => p.via === via)));
  const kinds = [...new Set(r.probes.map((p) => p.entryKind))].sort();
  lines.push('', '| entry kind | probes | hits | reported, no witness from the entry | reported at all |', '|---|---|---|---|---|');
  for (const k of kinds) lines.push(row(k, r.probes.filter((p) => p.entryKind === k)));
  const misses = r.probes.filter((p) => p.outcome !== 'hit');
  const byCause = new Map<string, ProbeResult[]>();
  for (const m of misses) byCause.set(missCause(m), [...(byCause.get(missCause(m)) ?? []), m]);
  lines.push('', '| miss cause | probes | examples |', '|---|---|---|');
  for (const [cause, ms] of [...byCause].sort((a, b) => b[1].length - a[1].length)) {
    const examples = ms.slice(0, 3).map((m) => `\`${m.entry}\`→\`${m.fn}\` (${m.via ? `pointer via ${m.via}` : m.hop} ${m.depth}, ${m.file})`);
    lines.push(`| ${cause} | ${ms.length} | ${examples.join('; ')} |`);
  }
  return lines.join('\n');
}
