/**
 * A line scan of preprocessor conditionals. It finds `#if 0` regions (dead code, blanked
 * before parsing) and the stack of conditions each line sits under (its Cfg), so a
 * function defined twice under `#ifdef CONFIG_X` / `#else` yields two definitions that
 * later layers keep apart.
 *
 * tree-sitter also parses `#if` blocks, but it nests them by syntax, not by line, and
 * gives up on branches that split a declaration; a line scan is exact and cheap.
 */
import type { Cfg } from './facts';

interface Frame {
  /** Condition of the branch currently open, as shown in a Cfg. */
  current: string;
  /** Conditions of the branches already closed in this `#if` chain. */
  previous: string[];
  /** The open branch can never be compiled (`#if 0`, or `#else` of `#if 1`). */
  dead: boolean;
  /** A branch of this chain is always taken (`#if 1`), so every later branch is dead. */
  taken: boolean;
}

export interface ConditionalMap {
  /** The text with every dead line's content replaced by spaces (line breaks kept). */
  text: string;
  /** The Cfg in force at a zero-based line. */
  cfgAt(line: number): Cfg;
  /** Number of lines blanked as dead. */
  deadLines: number;
}

const DIRECTIVE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;

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
  const changes: Array<{ line: number; cfg: Cfg }> = [{ line: 0, cfg: [] }];
  let deadLines = 0;
  let changed = false;

  const currentCfg = (): Cfg => stack.map((f) => f.current).filter((c) => c !== '');
  const isDead = (): boolean => stack.some((f) => f.dead);

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
      switch (m[1]) {
        case 'if':
          stack.push({ current: cond, previous: [], dead: isFalse(cond), taken: isTrue(cond) });
          break;
        case 'ifdef':
          stack.push({ current: cond, previous: [], dead: false, taken: false });
          break;
        case 'ifndef':
          stack.push({ current: negate(cond), previous: [], dead: false, taken: false });
          break;
        case 'elif':
          if (top) {
            top.previous.push(top.current);
            top.current = cond;
            top.dead = top.taken || isFalse(cond);
            top.taken = top.taken || isTrue(cond);
          }
          break;
        case 'else':
          if (top) {
            top.previous.push(top.current);
            top.current = top.previous.length === 1 ? negate(top.previous[0]) : `!(${top.previous.join(' || ')})`;
            top.dead = top.taken;
          }
          break;
        case 'endif':
          stack.pop();
          break;
      }
      changes.push({ line: j + 1, cfg: currentCfg() });
      // Directive lines stay (tree-sitter ignores them fine); their continuation lines too.
      i = j;
      continue;
    }
    if (stack.length > 0 && isDead()) {
      if (line.trim() !== '') {
        lines[i] = ' '.repeat(line.length);
        changed = true;
      }
      deadLines++;
    }
  }

  return {
    text: changed ? lines.join('\n') : text,
    deadLines,
    cfgAt(line: number): Cfg {
      let lo = 0;
      let hi = changes.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (changes[mid].line <= line) lo = mid;
        else hi = mid - 1;
      }
      return changes[lo].cfg;
    },
  };
}
