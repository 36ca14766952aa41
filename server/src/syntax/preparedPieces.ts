/**
 * The pre-passes of an open document (prepareText), redone at each edit only for the
 * pieces of text the edit changed. On a 5,000-line file they cost 6–8 ms per edit over the
 * whole text, most of an edit's syntax work after the incremental re-parse.
 *
 * A file is cut into pieces before each line that is only `}` or `};` (a definition's or
 * an initialiser's end at column 0) and does not continue the line above (`\` at its
 * end). Each piece is prepared alone and kept by its text. Pieces joined give what the
 * whole file gives when every piece leaves the passes' state as it found it: no comment
 * left open (blankUnterminatedComment), no `#if` or block comment open at its end
 * (scanConditionals; its paren count is zero again after a line starting with `}`), and
 * the dialect rewrites' reach inside it (neutraliseDialectPiece says why that suffices).
 * The first piece starts at the file's start, so by induction every piece starts in the
 * state a whole-file pass is in there. A piece that cannot promise this sends the file to
 * the whole-file passes.
 */
import { cfgLookup, scanConditionals, type CfgChange } from './conditionals';
import { neutraliseDialectPiece } from './dialect';
import { prepareText, type PreparedText } from './index';
import { blankUnterminatedComment } from './unterminatedComment';

interface Piece {
  /** The piece's own text, copied flat: a slice would keep the whole version it came from alive. */
  key: string;
  prepared: string;
  changes: readonly CfgChange[];
  /** Line breaks in the piece. */
  breaks: number;
  tooDeep: boolean;
}

/** A text that cannot be prepared alone. */
interface Unfit {
  key: string;
  prepared?: undefined;
}

/** A line break before a line that is only `}` or `};`. */
const CUT = /\n(?=\};?[ \t]*(?:\n|$))/g;
const BACKSLASH = 92;

/** `text` cut before each piece-starting line; the pieces joined are `text`. */
export function pieces(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  CUT.lastIndex = 0;
  for (let m = CUT.exec(text); m; m = CUT.exec(text)) {
    if (m.index > 0 && text.charCodeAt(m.index - 1) === BACKSLASH) continue;
    out.push(text.slice(from, m.index + 1));
    from = m.index + 1;
  }
  out.push(text.slice(from));
  return out;
}

/** A piece prepared alone, or undefined when the result might differ from the whole file's there. */
function preparePiece(text: string): Piece | undefined {
  if (blankUnterminatedComment(text).line !== undefined) return undefined;
  const conditionals = scanConditionals(text);
  if (conditionals.openAtEnd) return undefined;
  const prepared = neutraliseDialectPiece(conditionals.text);
  if (prepared === undefined) return undefined;
  let breaks = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) breaks++;
  return { key: flat(text), prepared: flat(prepared), changes: conditionals.changes, breaks, tooDeep: conditionals.tooDeep };
}

/** A copy of `s` that refers to no larger string (V8 slices a flattened concatenation afresh). */
function flat(s: string): string {
  return (' ' + s).slice(1);
}

/** Pieces kept from the previous version of one document, like FunctionMemo's functions. */
export class PreparedPieces {
  /** Pieces of the last two versions by text; for one that cannot be prepared alone, only its key. */
  private previous = new Map<string, Piece | Unfit>();
  private current = new Map<string, Piece | Unfit>();
  /** Versions prepared from pieces and by the whole-file passes, and pieces prepared anew (what an edit cost). */
  readonly stats = { pieced: 0, whole: 0, preparedPieces: 0 };

  /**
   * `prepareText(text)`, from the kept pieces and the changed ones prepared alone. A piece
   * that cannot be prepared alone (an `#ifdef` whose `#endif` follows the function's `}`)
   * is joined with the pieces after it, twice as many at each try, until it can; one that
   * reaches the file's end or a quarter of its length unfit (an unclosed `(` just typed)
   * sends the file to the whole-file passes, having cost at most about half of them more.
   */
  prepare(text: string): PreparedText {
    const parts = pieces(text);
    const kept: Piece[] = [];
    let whole = parts.length < 2;
    for (let i = 0; i < parts.length && !whole; ) {
      for (let n = 1; ; n = Math.min(2 * n, parts.length - i)) {
        const part = n === 1 ? parts[i] : parts.slice(i, i + n).join('');
        const piece = this.piece(part);
        if (piece) {
          kept.push(piece);
          i += n;
          break;
        }
        if (i + n === parts.length || 4 * part.length > text.length) {
          whole = true;
          break;
        }
      }
    }
    this.previous = this.current;
    this.current = new Map();
    this.stats[whole ? 'whole' : 'pieced']++;
    return whole ? prepareText(text) : joined(kept);
  }

  /** The piece of `text`, kept or prepared now; undefined when it cannot be prepared alone. */
  private piece(text: string): Piece | undefined {
    let piece = this.previous.get(text) ?? this.current.get(text);
    if (piece === undefined) {
      piece = preparePiece(text) ?? { key: flat(text) };
      this.stats.preparedPieces++;
    }
    this.current.set(piece.key, piece);
    return piece.prepared === undefined ? undefined : piece;
  }
}

function joined(kept: readonly Piece[]): PreparedText {
  const changes: CfgChange[] = [];
  let line = 0;
  let tooDeep = false;
  for (const piece of kept) {
    for (const c of piece.changes) changes.push(line === 0 ? c : { line: c.line + line, cfg: c.cfg });
    line += piece.breaks;
    tooDeep ||= piece.tooDeep;
  }
  return { text: kept.map((p) => p.prepared).join(''), cfgAt: cfgLookup(changes), ...(tooDeep ? { cfgTooDeep: true } : {}) };
}
