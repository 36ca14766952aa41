/**
 * The `irqlens` settings from `workspace/configuration`, validated field by field: a
 * client may send anything (an old settings file, a typo), and one bad field must not
 * throw away the others.
 */
import { RULE_IDS } from '../kernel';
import { DEFAULT_SETTINGS, type IrqlensSettings, type RuleSetting } from './protocol';

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function intIn(v: unknown, min: number, max: number): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined;
}

export function parseSettings(raw: unknown): IrqlensSettings {
  const s = record(raw) ?? {};
  const rules: Partial<Record<RuleSetting, boolean>> = {};
  const rawRules = record(s.rules) ?? {};
  for (const rule of RULE_IDS) if (typeof rawRules[rule] === 'boolean') rules[rule] = rawRules[rule] as boolean;
  const simulation = record(s.simulation) ?? {};
  return {
    rules,
    // sim/instructions.ts: MAX_CPUS is 8, and one CPU cannot wait on another.
    simulation: {
      cpus: intIn(simulation.cpus, 2, 8) ?? DEFAULT_SETTINGS.simulation.cpus,
      timeLimitSeconds: intIn(simulation.timeLimitSeconds, 1, 300) ?? DEFAULT_SETTINGS.simulation.timeLimitSeconds,
    },
    configPath: typeof s.configPath === 'string' ? s.configPath : DEFAULT_SETTINGS.configPath,
    maxFiles: intIn(s.maxFiles, 1, 1_000_000) ?? DEFAULT_SETTINGS.maxFiles,
    showAllConfidences: typeof s.showAllConfidences === 'boolean' ? s.showAllConfidences : DEFAULT_SETTINGS.showAllConfidences,
  };
}
