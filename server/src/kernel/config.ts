/**
 * The workspace configuration, `.irqlens.json`: extra entry points, extra forbidden,
 * sleeping or context-changing functions, wrappers, and rules on/off. Parsed from text
 * and validated by hand so that every mistake is reported with its JSON path.
 */
import type { Base, ContextChange, Effect, ForbiddenCall, RuleId } from './model';
import { RULE_IDS } from './model';

export interface ConfiguredEntry {
  function: string;
  base: Base;
  /** Why the user says so, shown in the witness ("IPI vector in entry_64.S"). */
  note?: string;
}

export interface IrqlensConfig {
  entryPoints: ConfiguredEntry[];
  forbidden: ForbiddenCall[];
  contextChanges: ContextChange[];
  /** A workspace function that behaves like a kernel API: `{ "my_xcall": "smp_call_function" }`. */
  wrappers: Record<string, string>;
  rules: Partial<Record<RuleId, boolean>>;
}

export interface ConfigError {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: IrqlensConfig } | { ok: false; errors: ConfigError[] };

export const EMPTY_CONFIG: IrqlensConfig = { entryPoints: [], forbidden: [], contextChanges: [], wrappers: {}, rules: {} };

const BASES: readonly Base[] = ['process', 'softirq', 'hardirq', 'nmi'];
const EFFECTS: readonly Effect[] = [
  'irq-disable', 'irq-enable', 'irq-save', 'irq-restore', 'lock', 'unlock',
  'preempt-disable', 'preempt-enable', 'bh-disable', 'bh-enable', 'rcu-lock', 'rcu-unlock',
];
const KNOWN_KEYS = ['$schema', 'entryPoints', 'forbidden', 'contextChanges', 'wrappers', 'rules'];
const IDENT = /^[A-Za-z_]\w*$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Validator {
  readonly errors: ConfigError[] = [];

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  identifier(v: Json | undefined, path: string): string | undefined {
    if (typeof v !== 'string' || !IDENT.test(v)) return this.fail(path, 'expected a C identifier');
    return v;
  }

  oneOf<T extends string>(v: Json | undefined, allowed: readonly T[], path: string): T | undefined {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    return this.fail(path, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }

  optionalString(v: Json | undefined, path: string): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return this.fail(path, 'expected a string');
    return v;
  }

  optionalIndex(v: Json | undefined, path: string): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 31) return this.fail(path, 'expected an argument index from 0 to 31');
    return v;
  }

  list<T>(v: Json | undefined, path: string, item: (e: { [key: string]: Json }, p: string) => T | undefined): T[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.fail(path, 'expected an array');
      return [];
    }
    const out: T[] = [];
    v.forEach((e, i) => {
      const p = `${path}[${i}]`;
      if (!isObject(e)) {
        this.fail(p, 'expected an object');
        return;
      }
      const r = item(e, p);
      if (r !== undefined) out.push(r);
    });
    return out;
  }
}

export function parseConfig(text: string): ConfigResult {
  let raw: Json;
  try {
    // Editors on Windows may save the file with a byte-order mark; JSON.parse rejects it.
    raw = JSON.parse(text.replace(/^\uFEFF/, '')) as Json;
  } catch (err) {
    return { ok: false, errors: [{ path: '$', message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  if (!isObject(raw)) return { ok: false, errors: [{ path: '$', message: 'expected a JSON object' }] };
  const v = new Validator();
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.includes(key)) v.fail(`$.${key}`, `unknown setting; expected one of ${KNOWN_KEYS.slice(1).join(', ')}`);

  const entryPoints = v.list(raw.entryPoints, '$.entryPoints', (e, p): ConfiguredEntry | undefined => {
    const fn = v.identifier(e.function, `${p}.function`);
    const base = v.oneOf(e.context, BASES, `${p}.context`);
    const note = v.optionalString(e.note, `${p}.note`);
    return fn && base ? { function: fn, base, ...(note ? { note } : {}) } : undefined;
  });

  const forbidden = v.list(raw.forbidden, '$.forbidden', (e, p): ForbiddenCall | undefined => {
    const name = v.identifier(e.name, `${p}.name`);
    const rule = v.oneOf(e.rule, RULE_IDS, `${p}.rule`);
    const why = v.optionalString(e.why, `${p}.why`) ?? 'configured in .irqlens.json';
    return name && rule ? { name, rule, why } : undefined;
  });

  const contextChanges = v.list(raw.contextChanges, '$.contextChanges', (e, p): ContextChange | undefined => {
    const name = v.identifier(e.name, `${p}.name`);
    let effects: Effect[] | undefined;
    if (!Array.isArray(e.effects) || e.effects.length === 0) v.fail(`${p}.effects`, 'expected a non-empty array of effects');
    else effects = e.effects.map((x, i) => v.oneOf(x, EFFECTS, `${p}.effects[${i}]`)).filter((x): x is Effect => x !== undefined);
    const lockArg = v.optionalIndex(e.lockArg, `${p}.lockArg`);
    const flagsArg = v.optionalIndex(e.flagsArg, `${p}.flagsArg`);
    const why = v.optionalString(e.why, `${p}.why`) ?? 'configured in .irqlens.json';
    if (!name || !effects) return undefined;
    return { name, effects, ...(lockArg !== undefined ? { lockArg } : {}), ...(flagsArg !== undefined ? { flagsArg } : {}), why };
  });

  const wrappers: Record<string, string> = {};
  if (raw.wrappers !== undefined) {
    if (!isObject(raw.wrappers)) v.fail('$.wrappers', 'expected an object mapping a function to the kernel API it wraps');
    else
      for (const [k, target] of Object.entries(raw.wrappers)) {
        if (!IDENT.test(k)) v.fail(`$.wrappers.${k}`, 'the key must be a C identifier');
        const t = v.identifier(target, `$.wrappers.${k}`);
        // Defined, not assigned: `wrappers.__proto__ = t` would set the prototype and lose the entry.
        if (t && IDENT.test(k)) Object.defineProperty(wrappers, k, { value: t, enumerable: true, writable: true, configurable: true });
      }
  }

  const rules: Partial<Record<RuleId, boolean>> = {};
  if (raw.rules !== undefined) {
    if (!isObject(raw.rules)) v.fail('$.rules', 'expected an object of rule ids to true/false');
    else
      for (const [k, on] of Object.entries(raw.rules)) {
        const rule = v.oneOf(k, RULE_IDS, `$.rules.${k}`);
        if (typeof on !== 'boolean') v.fail(`$.rules.${k}`, 'expected true or false');
        else if (rule) rules[rule] = on;
      }
  }

  if (v.errors.length > 0) return { ok: false, errors: v.errors };
  return { ok: true, config: { entryPoints, forbidden, contextChanges, wrappers, rules } };
}
