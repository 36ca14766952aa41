/**
 * Interrupt entry points found by a textual scan of one C file, independently of
 * irqlens' own entry detection (analysis/entryPoints.ts), so that an entry irqlens does
 * not recognise counts against its recall instead of silently leaving the sample.
 */

export type ScannedEntryKind = 'irq-handler' | 'timer' | 'hrtimer' | 'tasklet';

export interface ScannedEntry {
  /** The callback function's name, as the registration names it. */
  name: string;
  kind: ScannedEntryKind;
  /** The registration, for the report: `request_irq` or `.function =`. */
  via: string;
  /** Zero-based line of the registration. */
  line: number;
}

/** Registration calls and the index of their callback argument (include/linux/interrupt.h, timer.h). */
const REGISTRATIONS: Record<string, { arg: number; kind: ScannedEntryKind }> = {
  request_irq: { arg: 1, kind: 'irq-handler' },
  request_threaded_irq: { arg: 1, kind: 'irq-handler' },
  request_any_context_irq: { arg: 1, kind: 'irq-handler' },
  devm_request_irq: { arg: 2, kind: 'irq-handler' },
  devm_request_threaded_irq: { arg: 2, kind: 'irq-handler' },
  devm_request_any_context_irq: { arg: 2, kind: 'irq-handler' },
  timer_setup: { arg: 1, kind: 'timer' },
  setup_timer: { arg: 1, kind: 'timer' },
  DEFINE_TIMER: { arg: 1, kind: 'timer' },
  tasklet_init: { arg: 1, kind: 'tasklet' },
  tasklet_setup: { arg: 1, kind: 'tasklet' },
  DECLARE_TASKLET: { arg: 1, kind: 'tasklet' },
  DECLARE_TASKLET_OLD: { arg: 1, kind: 'tasklet' },
  DECLARE_TASKLET_DISABLED: { arg: 1, kind: 'tasklet' },
  DECLARE_TASKLET_DISABLED_OLD: { arg: 1, kind: 'tasklet' },
};

const CALL = new RegExp(`\\b(${Object.keys(REGISTRATIONS).join('|')})\\s*\\(`, 'g');
/** `x.function = f;` / `x->function = f;`: the hrtimer callback field (include/linux/hrtimer.h). */
const FUNCTION_FIELD = /(?:\.|->)\s*function\s*=\s*([^;]+);/g;

/** Comments become spaces (line breaks kept), so a comment never looks like a registration. */
function blankComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

/** Top-level comma-separated arguments of the call whose `(` is at `open`, or undefined if unbalanced. */
function splitArgs(text: string, open: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < Math.min(text.length, open + 2000); i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push(text.slice(start, i));
        return args;
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return undefined;
}

/** The function an argument names: casts, `&` and parentheses stripped; undefined if not a plain name. */
export function namedFunction(arg: string): string | undefined {
  let s = arg.trim();
  for (;;) {
    const cast = /^\(\s*[A-Za-z_][\w\s]*\**\s*\)\s*(?=[&A-Za-z_(])/.exec(s);
    if (cast) s = s.slice(cast[0].length).trim();
    else if (s.startsWith('&')) s = s.slice(1).trim();
    else if (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1).trim();
    else break;
  }
  return /^[A-Za-z_]\w*$/.test(s) && s !== 'NULL' ? s : undefined;
}

function lineAt(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function scanEntries(source: string): ScannedEntry[] {
  const text = blankComments(source);
  const found: ScannedEntry[] = [];
  for (const m of text.matchAll(CALL)) {
    const via = m[1];
    const args = splitArgs(text, (m.index ?? 0) + m[0].length - 1);
    const reg = REGISTRATIONS[via];
    const name = args && args.length > reg.arg ? namedFunction(args[reg.arg]) : undefined;
    if (name) found.push({ name, kind: reg.kind, via, line: lineAt(text, m.index ?? 0) });
  }
  for (const m of text.matchAll(FUNCTION_FIELD)) {
    const name = namedFunction(m[1]);
    // Whether the field is an hrtimer's is decided by the callback's return type, later.
    if (name) found.push({ name, kind: 'hrtimer', via: '.function =', line: lineAt(text, m.index ?? 0) });
  }
  return found;
}
