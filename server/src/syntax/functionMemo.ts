/**
 * Function facts kept from a document's previous version, so that an edit re-extracts only
 * the functions whose text changed. Extraction, not parsing, is most of the cost of an
 * edit on a large file (see BENCHMARKS.md, "Incremental re-analysis").
 *
 * A function's facts depend on its own text, its start column, the `#if` conditions of its
 * first line and the struct types of the globals declared above it; the key holds all four,
 * so a hit is exactly what extraction would return, moved by the rows the edit added or
 * removed above it.
 *
 * Every facts object handed out remembers the kept entry it was made from (`sameOrigin`):
 * two with the same entry are equal but for positions, which the analysis would otherwise
 * find out by comparing every function of the file at every edit.
 */
import { isPos, type FunctionFacts } from './facts';

interface Kept {
  facts: FunctionFacts;
  tooDeep: boolean;
}

/** The kept entry each handed-out facts object was made from; weak, so facts that are dropped go with their tag. */
const origins = new WeakMap<FunctionFacts, Kept>();

/**
 * Whether `a` and `b` were made from the same kept entry, so that they are equal but for
 * positions (as `sameButPositions` would find), and at the same start row equal in full.
 * False says nothing: the facts may still be equal.
 */
export function sameOrigin(a: FunctionFacts, b: FunctionFacts): boolean {
  const kept = origins.get(a);
  return kept !== undefined && kept === origins.get(b);
}

export class FunctionMemo {
  private previous = new Map<string, Kept>();
  private current = new Map<string, Kept>();

  static key(text: string, column: number, cfg: readonly string[], globals: string): string {
    return `${column}\u0000${cfg.join('\u0001')}\u0000${globals}\u0000${text}`;
  }

  /** The facts kept under `key`, as a fresh copy starting at `row`. */
  take(key: string, row: number): Kept | undefined {
    const kept = this.previous.get(key) ?? this.current.get(key);
    if (!kept) return undefined;
    this.current.set(key, kept);
    const facts = shiftRows(kept.facts, row - kept.facts.span.start.line);
    origins.set(facts, kept);
    return { facts, tooDeep: kept.tooDeep };
  }

  /** Keeps a private copy: the facts handed out may be changed in place by later layers. */
  keep(key: string, facts: FunctionFacts, tooDeep: boolean): void {
    const kept = { facts: shiftRows(facts, 0), tooDeep };
    origins.set(facts, kept);
    this.current.set(key, kept);
  }

  /** Ends one extraction: functions that no longer exist are forgotten. */
  endRound(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

/** A deep copy of `value` with every position moved down by `rows`. */
export function shiftRows<T>(value: T, rows: number): T {
  if (Array.isArray(value)) return value.map((v: unknown) => shiftRows(v, rows)) as T;
  if (value === null || typeof value !== 'object') return value;
  if (isPos(value)) return { line: value.line + rows, col: value.col } as T;
  // for-in, not Object.entries: this runs on every kept function at every edit, and the
  // entries' pair arrays were 7% of the language server's allocation per edit.
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in source) out[k] = shiftRows(source[k], rows);
  return out as T;
}
