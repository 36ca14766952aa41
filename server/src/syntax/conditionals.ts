/**
 * A line scan of preprocessor conditionals. It finds `#if 0` regions (dead code, blanked
 * before parsing) and the stack of conditions each line sits under (its Cfg), so a
 * function defined twice under `#ifdef CONFIG_X` / `#else` yields two definitions that
 * later layers keep apart. A chain that splits a statement or sits inside an expression
 * is reduced to its first live branch, as plain code (see `splitsCode`).
 *
 * tree-sitter also parses `#if` blocks, but it nests them by syntax, not by line, and
 * gives up on branches that split a declaration; a line scan is exact and cheap.
 */
import type { Cfg } from './facts';
import { branchShape, parenBalance, type CommentState } from './branchShape';

interface Frame {
  /** Condition of the branch currently open, as shown in a Cfg. */
  current: string;
  /** Conditions of the branches already closed in this `#if` chain. */
  previous: string[];
  /** The open branch can never be compiled (`#if 0`, or `#else` of `#if 1`). */
  dead: boolean;
  /** A branch of this chain is always taken (`#if 1`), so every later branch is dead. */
  taken: boolean;
  /** Line ranges of the chain's directives (`#if`, `#else`, …, `#endif`), continuations included. */
  directives: Array<{ from: number; to: number }>;
  /** Line ranges of its branches, and whether each is dead. */
  branches: Array<{ from: number; to: number; dead: boolean }>;
  /** Open parentheses before the `#if`: above zero, the chain is inside an expression. */
  parenDepth: number;
  /** The code before the `#if` is a label (`out:`), which needs a statement, and a directive is none. */
  afterLabel: boolean;
}

export interface ConditionalMap {
  /** The text with every dead line's content replaced by spaces (line breaks kept). */
  text: string;
  /** The Cfg in force at a zero-based line. */
  cfgAt(line: number): Cfg;
  /** Number of lines blanked as dead. */
  deadLines: number;
  /** Number of chains reduced to their first live branch (see `splitsCode`). */
  splitChains: number;
  /** Conditionals nested deeper than MAX_CFG_DEPTH: the deeper conditions are not in any Cfg. */
  tooDeep: boolean;
  /** Where the Cfg changes: from each `line` on (sorted), it is `cfg`. */
  changes: readonly CfgChange[];
  /** An `#if` or a block comment is still open at the end of the text. */
  openAtEnd: boolean;
}

export interface CfgChange {
  line: number;
  cfg: Cfg;
}

/** The Cfg in force at a zero-based line, by the change points of `changes` (sorted, the first at line 0). */
export function cfgLookup(changes: readonly CfgChange[]): (line: number) => Cfg {
  return (line: number): Cfg => {
    let lo = 0;
    let hi = changes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (changes[mid].line <= line) lo = mid;
      else hi = mid - 1;
    }
    return changes[lo].cfg;
  };
}

/**
 * Conditions recorded per Cfg at most: kernel code nests a handful, and copying a deeper
 * stack at every directive made a 10,000-deep `#ifdef` file quadratic.
 */
export const MAX_CFG_DEPTH = 64;

/** A goto label alone on its line (`default:` is a case label, which tree-sitter lets a directive follow). */
const LABEL = /^(?!default\b)[A-Za-z_]\w*[ \t]*:$/;

/** What `trim() !== ''` tells, without making the trimmed copy. */
const NOT_BLANK = /\S/;

const DIRECTIVE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;

/**
 * Whether a chain's branches, parsed together as tree-sitter sees them, are no C: a
 * branch opens or closes a brace or parenthesis it does not close (`#ifdef X` / `if (a) {`
 * / `#else` / `if (b) {` / `#endif`), ends inside a statement (`} else`, `if (a)`), starts
 * by continuing one (`else`, `&&`), or the chain sits inside an expression (an argument
 * list) or right after a label. The compiler sees one branch, so such a chain keeps its first live branch as
 * plain code. Chains of whole statements or declarations keep every branch, for the
 * analysis to see both configurations.
 */
function splitsCode(frame: Frame, lines: readonly string[]): boolean {
  if (frame.parenDepth > 0 || frame.afterLabel) return true;
  return frame.branches.some((b) => {
    if (b.dead) return false;
    const shape = branchShape(lines, b.from, b.to);
    return shape.braces !== 0 || shape.parens !== 0 || !shape.cleanEnd || shape.danglingStart;
  });
}

function blankLines(lines: string[], from: number, to: number): void {
  for (let k = from; k <= to; k++) lines[k] = lines[k].replace(/[^\n]/g, ' ');
}

/** Keeps the first live branch of a splitting chain as plain code: the other branches and all its directives become spaces. */
function keepFirstBranch(frame: Frame, lines: string[]): number {
  const live = frame.branches.filter((b) => !b.dead);
  for (const b of live.slice(1)) blankLines(lines, b.from, b.to);
  for (const d of frame.directives) blankLines(lines, d.from, d.to);
  return live.length > 0 ? branchShape(lines, live[0].from, live[0].to).parens : 0;
}

function normaliseCondition(text: string): string {
  return text.replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '').replace(/\s+/g, ' ').trim();
}

function isFalse(cond: string): boolean {
  return cond === '0' || cond === '(0)' || cond === 'false';
}

function isTrue(cond: string): boolean {
  return cond === '1' || cond === '(1)' || cond === 'true';
}

function negate(cond: string): string {
  return cond.startsWith('!') && !/[&|]/.test(cond) ? cond.slice(1) : `!${/^[\w]+$/.test(cond) ? cond : `(${cond})`}`;
}

export function scanConditionals(text: string): ConditionalMap {
  const lines = text.split('\n');
  const stack: Frame[] = [];
  /** Change points: from `line` on, the Cfg is `cfg` (sorted by line). */
  const changes: CfgChange[] = [{ line: 0, cfg: [] }];
  let deadLines = 0;
  let splitChains = 0;
  let parenDepth = 0;
  const comments: CommentState = { inComment: false };
  let lastCode = '';
  let changed = false;

  const currentCfg = (): Cfg => stack.slice(0, MAX_CFG_DEPTH).map((f) => f.current).filter((c) => c !== '');
  /** Frames whose open branch is dead: a count, so a line's check does not scan the stack. */
  let deadFrames = 0;
  const setDead = (f: Frame, dead: boolean): void => {
    deadFrames += Number(dead) - Number(f.dead);
    f.dead = dead;
  };
  let tooDeep = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = line.indexOf('#') >= 0 ? DIRECTIVE.exec(line) : null;
    if (m) {
      // A directive continued with backslashes: join its lines for the condition.
      let rest = m[2];
      let j = i;
      while (rest.endsWith('\\') && j + 1 < lines.length) {
        j++;
        rest = rest.slice(0, -1) + ' ' + lines[j];
      }
      const cond = normaliseCondition(rest);
      const top = stack[stack.length - 1];
      const open = (current: string, dead: boolean, taken: boolean): void => {
        stack.push({ current, previous: [], dead, taken, directives: [{ from: i, to: j }], branches: [{ from: j + 1, to: j, dead }], parenDepth, afterLabel: LABEL.test(lastCode) });
        deadFrames += Number(dead);
      };
      /** Ends the open branch at this directive; the next one starts from the `#if`'s paren depth. */
      const nextBranch = (f: Frame, dead: boolean): void => {
        f.branches[f.branches.length - 1].to = i - 1;
        f.directives.push({ from: i, to: j });
        f.branches.push({ from: j + 1, to: j, dead });
        parenDepth = f.parenDepth;
      };
      switch (m[1]) {
        case 'if':
          open(cond, isFalse(cond), isTrue(cond));
          break;
        case 'ifdef':
          open(cond, false, false);
          break;
        case 'ifndef':
          open(negate(cond), false, false);
          break;
        case 'elif':
          if (top) {
            top.previous.push(top.current);
            top.current = cond;
            setDead(top, top.taken || isFalse(cond));
            top.taken = top.taken || isTrue(cond);
            nextBranch(top, top.dead);
          }
          break;
        case 'else':
          if (top) {
            top.previous.push(top.current);
            top.current = top.previous.length === 1 ? negate(top.previous[0]) : `!(${top.previous.join(' || ')})`;
            setDead(top, top.taken);
            nextBranch(top, top.dead);
          }
          break;
        case 'endif':
          if (top) {
            top.branches[top.branches.length - 1].to = i - 1;
            top.directives.push({ from: i, to: j });
            deadFrames -= Number(top.dead);
            stack.pop();
            // Past the depth limit the file is reported too deep; shaping such chains would cost depth x lines.
            if (deadFrames === 0 && stack.length < MAX_CFG_DEPTH && splitsCode(top, lines)) {
              parenDepth = top.parenDepth + keepFirstBranch(top, lines);
              splitChains++;
              changed = true;
            }
          }
          break;
      }
      tooDeep ||= stack.length > MAX_CFG_DEPTH;
      changes.push({ line: j + 1, cfg: currentCfg() });
      // Directive lines stay (tree-sitter ignores them fine); their continuation lines too.
      i = j;
      continue;
    }
    if (deadFrames > 0) {
      if (NOT_BLANK.test(line)) {
        lines[i] = ' '.repeat(line.length);
        changed = true;
      }
      deadLines++;
    } else {
      // A `}` in column 0 ends a definition: no parenthesis is open there, whatever the count drifted to.
      parenDepth = line.startsWith('}') ? 0 : Math.max(0, parenDepth + parenBalance(line, comments));
      if (NOT_BLANK.test(line)) lastCode = line.trim();
    }
  }

  return {
    text: changed ? lines.join('\n') : text,
    deadLines,
    splitChains,
    tooDeep,
    cfgAt: cfgLookup(changes),
    changes,
    openAtEnd: stack.length > 0 || comments.inComment,
  };
}
