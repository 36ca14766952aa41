/**
 * Reads a condition atom's text as the simulator needs it: a shared variable compared
 * with a constant (`!done`, `atomic_read(&acks) < num_online_cpus() - 1`), a local
 * countdown bounding a wait (`--spins`, `i < 100`), or something it cannot decide.
 */
import type { Cmp } from './instructions';
import { CPU_COUNTS, VAR_READS } from './kernelCalls';
import { stripParens } from '../syntax/balancedParens';
import { integerLiteral } from '../syntax/integerLiteral';

export type ParsedAtom =
  /** `key cmp rhs`, where rhs may count CPUs (`cpusMinus` subtracted from the CPU count). */
  | { kind: 'var'; key: string; cmp: Cmp; rhs: { value: number } | { cpusMinus: number } }
  /** A local loop counter; `bound` is its literal limit when the text gives one. */
  | { kind: 'counter'; bound: number | null }
  | { kind: 'opaque' };

const IDENT = String.raw`[A-Za-z_]\w*`;
const LVALUE = String.raw`${IDENT}(?:\s*(?:->|\.)\s*${IDENT})*`;

/** The shared-variable key of an lvalue: a global's name, or `.field` for a member. */
export function varKey(lvalue: string): string {
  const parts = lvalue.replace(/\s+/g, '').replace(/^&/, '').split(/->|\./);
  return parts.length === 1 ? parts[0] : `.${parts[parts.length - 1]}`;
}

/** `x`, `dev->ready`, `READ_ONCE(x)`, `atomic_read(&x)`: the lvalue read, or null. */
function readOf(text: string): string | null {
  const t = stripParens(text);
  if (new RegExp(`^${LVALUE}$`).test(t)) return t;
  const m = new RegExp(`^(${IDENT})\\s*\\(\\s*&?\\s*(${LVALUE})\\s*\\)$`).exec(t);
  return m && VAR_READS.has(m[1]) ? m[2] : null;
}

function rhsOf(text: string): { value: number } | { cpusMinus: number } | null {
  const t = stripParens(text).replace(/\s+/g, '');
  const n = literal(t);
  if (n !== null) return { value: n };
  for (const count of CPU_COUNTS) {
    if (t === count) return { cpusMinus: 0 };
    const m = /^-(\d+)$/.exec(t.slice(count.length));
    if (t.startsWith(count) && m) return { cpusMinus: Number(m[1]) };
  }
  return null;
}

/** An integer literal (or true/false), else null. */
export function literal(text: string): number | null {
  const t = text.trim();
  if (t === 'true' || t === 'TRUE') return 1;
  if (t === 'false' || t === 'FALSE' || t === 'NULL') return 0;
  return integerLiteral(t) ?? null;
}

const FLIP: Record<Cmp, Cmp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
export const NEGATE: Record<Cmp, Cmp> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/**
 * Parses one atom. `isLocal` says whether a bare name is a local variable of the
 * function (locals are never shared; a local in a loop condition is a counter).
 */
export function parseAtom(atomText: string, negated: boolean, isLocal: (name: string) => boolean): ParsedAtom {
  let text = stripParens(atomText);
  if (negated && text.startsWith('!')) text = stripParens(text.slice(1));
  const counter = counterOf(text, isLocal);
  if (counter) return negated ? { kind: 'opaque' } : counter;
  const bare = readOf(text);
  if (bare !== null) {
    if (isLocal(bare)) return { kind: 'opaque' };
    return { kind: 'var', key: varKey(bare), cmp: negated ? '==' : '!=', rhs: { value: 0 } };
  }
  const m = /^(.+?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(text);
  if (!m) return { kind: 'opaque' };
  const cmp = m[2] as Cmp;
  let lhs = readOf(m[1]);
  let rhs = rhsOf(m[3]);
  let op = cmp;
  if (lhs === null || rhs === null) {
    lhs = readOf(m[3]);
    rhs = rhsOf(m[1]);
    op = FLIP[cmp];
  }
  if (lhs === null || rhs === null || isLocal(lhs)) return { kind: 'opaque' };
  return { kind: 'var', key: varKey(lhs), cmp: negated ? NEGATE[op] : op, rhs };
}

/** `--n`, `n--`, `n-- > 0`, `i < 100`, `++i <= N`, where the variable is local. */
function counterOf(text: string, isLocal: (name: string) => boolean): ParsedAtom | null {
  const dec = new RegExp(`^(?:--\\s*(${IDENT})|(${IDENT})\\s*--)(?:\\s*(?:>|!=)\\s*0)?$`).exec(text);
  if (dec) return isLocal(dec[1] ?? dec[2]) ? { kind: 'counter', bound: null } : null;
  const up = new RegExp(`^(?:\\+\\+\\s*)?(${IDENT})(?:\\s*\\+\\+)?\\s*(<|<=|!=)\\s*(.+)$`).exec(text);
  if (up && isLocal(up[1])) return { kind: 'counter', bound: literal(up[3]) };
  return null;
}
