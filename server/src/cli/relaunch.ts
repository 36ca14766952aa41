/**
 * Which node flags `bin/irqlens.js` re-runs itself with, as a pure function of its command
 * line, its own node flags, NODE_OPTIONS and the machine's memory, so that the choice is
 * testable without starting processes. A flag the user already chose (on node's command
 * line or in NODE_OPTIONS) is kept and nothing is added, which is also what stops the
 * re-run child from re-running itself.
 */
import { SERVER_NODE_FLAGS } from '../lsp/nodeFlags';

export interface LaunchContext {
  /** The arguments after the script: `check drivers/`, `lsp --stdio`. */
  args: readonly string[];
  /** node's own flags for this process (process.execArgv). */
  execArgv: readonly string[];
  nodeOptions: string;
  totalMemBytes: number;
}

/** Share of the machine's memory a whole-tree check or simulate may use for its heap. */
const HEAP_SHARE = 0.75;

function chosen(ctx: LaunchContext, flag: RegExp): boolean {
  return ctx.execArgv.some((a) => flag.test(a)) || flag.test(ctx.nodeOptions);
}

/** The flags to re-run with, or undefined to run here as we are. */
export function relaunchFlags(ctx: LaunchContext): string[] | undefined {
  const command = ctx.args[0];
  if (command === 'check' || command === 'simulate') {
    // A whole-tree run (all of drivers/) holds every file's facts at once, several GB, past
    // V8's default heap limit.
    if (chosen(ctx, /--max-old-space-size/)) return undefined;
    return [`--max-old-space-size=${Math.floor((ctx.totalMemBytes / 1024 / 1024) * HEAP_SHARE)}`];
  }
  if (command === 'lsp') {
    // Over --node-ipc the channel belongs to this process, which cannot hand it to a child:
    // the parent that forked it chose its flags (the VS Code client passes SERVER_NODE_FLAGS).
    if (!ctx.args.includes('--stdio')) return undefined;
    if (chosen(ctx, /--(min|max)-semi-space-size/)) return undefined;
    return [...SERVER_NODE_FLAGS];
  }
  return undefined;
}
