/**
 * SARIF 2.1.0 output, for code-scanning services: one result per finding, with its
 * witness path as a codeFlow so viewers can step through it.
 */
import { RULE_IDS } from '../../kernel/model';
import type { Report, ReportStep } from '../report';

const RULE_TEXT: Record<string, { short: string; full: string }> = {
  'xcall-in-atomic': {
    short: 'Synchronous cross-CPU call from interrupt or IRQs-off context',
    full: 'A synchronous cross-CPU call (smp_call_function and friends) waits for every other CPU to run a function in its IPI handler. Called from hardirq, softirq, NMI or with IRQs disabled, it can deadlock against a CPU that waits on this one with IRQs off; kernel/smp.c WARNs on it.',
  },
  'sleep-in-atomic': {
    short: 'Sleeping call from atomic context',
    full: 'A call that may sleep (mutex_lock, msleep, GFP_KERNEL allocation, copy_to_user…) reached while in interrupt context, with IRQs off, or with a spinlock held or preemption disabled.',
  },
};

function location(step: { file: string; line: number; column: number }, message?: string): object {
  return {
    physicalLocation: { artifactLocation: { uri: step.file }, region: { startLine: step.line, startColumn: step.column } },
    ...(message ? { message: { text: message } } : {}),
  };
}

export function formatSarif(report: Report, version: string): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'irqlens',
            version,
            rules: RULE_IDS.map((id) => ({
              id,
              shortDescription: { text: RULE_TEXT[id].short },
              fullDescription: { text: RULE_TEXT[id].full },
              defaultConfiguration: { level: id === 'xcall-in-atomic' ? 'error' : 'warning' },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: RULE_IDS.indexOf(f.rule),
          level: f.severity,
          message: { text: f.message },
          locations: [location(f.location)],
          partialFingerprints: { irqlensFinding: f.id },
          // One flow per entry that reaches the call, the primary witness first.
          codeFlows: f.witnesses.map((w) => ({
            message: { text: `witness path from ${w.entry || f.callee}` },
            threadFlows: [{ locations: w.path.map((s: ReportStep) => ({ location: location(s, `${s.function}: ${s.note}`), kinds: [s.kind] })) }],
          })),
          properties: { context: f.context, contexts: f.contexts, confidence: f.confidence, callee: f.callee, moreWitnesses: f.moreWitnesses },
        })),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
