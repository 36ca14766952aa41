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
 *
 * A function that did not move is handed out as the kept object itself, not a copy (a
 * copy of every function above the edit was most of the memo's allocation per edit), and
 * one that moved as a copy the memo keeps instead. So after a round each kept object is
 * either private (`keep`) or the facts object last handed out for its text. The analysis
 * changes its previous facts in place (analysis/localChange.ts): it moves an unchanged
 * function's positions to those of its new version, and the positions outside the body
 * of a function whose body changed. The memo may still hold such an object only if it
 * was handed out again this round, at the row it starts at; the analysis refuses to reuse
 * the previous facts when a new version's function is an old object at another index, so
 * that object is its own new version, neither changed nor moved, and the next `take`
 * shifts from where it is.
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

/**
 * Records that `target`, its positions just moved to those of `source` (equal but for
 * positions before), is now what `source` is: an analysis built on facts from elsewhere
 * (the fact cache) keeps those objects, and without the origin every later edit would
 * compare them in full.
 */
export function takeOrigin(target: FunctionFacts, source: FunctionFacts): void {
  const kept = origins.get(source);
  if (kept) origins.set(target, kept);
}

export class FunctionMemo {
  private previous = new Map<string, Kept>();
  private current = new Map<string, Kept>();

  static key(text: string, column: number, cfg: readonly string[], globals: string): string {
    return `${column}\u0000${cfg.join('\u0001')}\u0000${globals}\u0000${text}`;
  }

  /** The facts kept under `key`, starting at `row`: the kept object when it starts there, else a moved copy. */
  take(key: string, row: number): Kept | undefined {
    const kept = this.previous.get(key) ?? this.current.get(key);
    if (!kept) return undefined;
    this.current.set(key, kept);
    const rows = row - kept.facts.span.start.line;
    const facts = rows === 0 ? kept.facts : shiftRows(kept.facts, rows);
    kept.facts = facts;
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
