/**
 * Notifier chains (C3 in docs/triage.md). Field-based, `notifier_block.notifier_call`
 * holds every notifier of the tree, so a chain call on `pvclock_gtod_chain` from the
 * timer interrupt reached every module, reboot and OOM notifier. Here a chain is named
 * by the head a call is given (a global, `&pvclock_gtod_chain`, or a struct field,
 * `&priv->nh`), and a call on it (the model's `*_notifier_call_chain`) reaches the
 * blocks registered on that chain: by the model's `*_notifier_chain_register`, or by a
 * workspace function that passes its own parameter to one (`register_module_notifier`,
 * found to a fixpoint, so wrappers of wrappers count).
 *
 * A block's functions: what a global block's initialiser stores in the callback field;
 * for a block inside a struct (`&priv->events_nb`), what the registering file stores
 * through that field (`priv->events_nb.notifier_call = f`); else every function the file
 * stores in the callback field. A chain whose head is a parameter or an expression cannot be named: its call
 * reaches the blocks the caller's directory registers on chains of the same kind.
 */
import * as path from 'path';
import type { CallOp, ValueRef } from '../syntax/facts';
import { forEachOp } from '../syntax/walkOps';
import { globalName } from '../syntax/globalName';
import type { ChainCall, KernelIndex } from '../kernel';
import type { PointerEvidence, PointsTo } from './pointsTo';
import type { FnDef, Symbols } from './symbols';

/** How a registration function (the model's or a wrapper) takes its chain and block. */
interface RegistrationShape {
  /** The chain head's type (`atomic_notifier_head`), from the model's registration it ends in. */
  head: string;
  /** A parameter index, or the chain it always registers on. */
  chain: number | string;
  /** A parameter index, or the functions it always registers. */
  block: number | ReadonlyMap<number, PointerEvidence>;
}

type Arg = CallOp['args'][number];

export class NotifierChains {
  /** Chain key -> the functions registered on it, each with its registration. */
  private readonly members = new Map<string, Map<number, PointerEvidence>>();
  /** Per directory and head type (`dir|atomic_notifier_head`), the blocks its files register on such chains. */
  private readonly byDir = new Map<string, Map<number, PointerEvidence>>();
  /** Workspace functions that register their parameter(s) on a chain. */
  private readonly wrappers = new Map<number, RegistrationShape>();

  constructor(
    private readonly symbols: Symbols,
    private readonly pointsTo: PointsTo,
    private readonly kernel: KernelIndex,
  ) {
    /** Calls by the name called: those to a new wrapper are the ones it may make register. */
    const byName = new Map<string, Array<{ def: FnDef; op: CallOp }>>();
    const work: Array<{ def: FnDef; op: CallOp; name: string }> = [];
    for (const def of symbols.defs) {
      forEachOp(def.facts.body, (op) => {
        const name = op.op === 'call' ? globalName(op.callee) : undefined;
        if (op.op !== 'call' || name === undefined) return;
        if (kernel.chainRegistration(name)) work.push({ def, op, name });
        else {
          const list = byName.get(name);
          if (list) list.push({ def, op });
          else byName.set(name, [{ def, op }]);
        }
      });
    }
    // Wrappers of wrappers: each new wrapper's callers are looked at, to a fixpoint.
    for (let head = 0; head < work.length; head++) {
      const { def, op, name } = work[head];
      // Once per new wrapper (a `static` name may be several functions' of different files).
      if (this.registrationCall(def, op, name)) for (const c of byName.get(def.facts.name) ?? []) work.push({ ...c, name: def.facts.name });
    }
  }

  /** Whether a call to `name` from `file` registers a notifier block (the model's, or a wrapper). */
  isRegistration(name: string, file: string): boolean {
    return this.kernel.chainRegistration(name) !== undefined || this.symbols.resolve(name, file).some((d) => this.wrappers.has(d.id));
  }

  /**
   * The functions a chain call reaches: the blocks registered on its chain; for a chain
   * it cannot name (a parameter: mlx5's `irq_int_handler(irq, nh)`), the blocks the
   * caller's directory registers on any chain, as a field of unknown type resolves.
   */
  targets(call: ChainCall, op: CallOp, caller: FnDef): ReadonlyMap<number, PointerEvidence> {
    const arg = op.args[call.chainArg];
    const key = arg ? this.chainKey(arg.value, caller) : undefined;
    if (typeof key === 'string') return this.members.get(key) ?? EMPTY;
    return this.byDir.get(`${path.dirname(caller.file)}|${call.head}`) ?? EMPTY;
  }

  /** A chain head as written: a global (`G:name`), a struct field (`F:type.field`, unknown types per directory), or the caller's parameter index. */
  private chainKey(value: ValueRef, fn: FnDef): string | number | undefined {
    if (value.kind === 'name') {
      if (value.param !== undefined) return value.param;
      return value.local ? undefined : `G:${value.name}`;
    }
    if (value.kind === 'field') {
      const type = this.pointsTo.fieldType(value);
      return type === undefined ? `F:?.${value.field}@${path.dirname(fn.file)}` : `F:${type}.${value.field}`;
    }
    return undefined;
  }

  /** The functions a block argument carries: a global block's initialiser, else what its file stores in the field; or the caller's parameter index. */
  private blockOf(arg: Arg, fn: FnDef): number | ReadonlyMap<number, PointerEvidence> {
    const value = arg.value;
    if (value.kind === 'name' && value.param !== undefined) return value.param;
    if (value.kind === 'name' && !value.local) {
      const object = this.pointsTo.object(value.name, fn.file);
      const own = object === undefined ? undefined : this.pointsTo.objectField(object, this.kernel.notifierField);
      if (own) return own;
    }
    // A block inside a struct (`&priv->events_nb`): what the file stores through that field, if anything.
    const field = this.kernel.notifierField;
    const held = value.kind === 'field' ? this.pointsTo.storedInFile(fn.file, field, value.field) : EMPTY;
    return held.size > 0 ? held : this.pointsTo.storedInFile(fn.file, field);
  }

  /** A call in `def` that may register: records members, or `def` as a wrapper. Whether `def` became one. */
  private registrationCall(def: FnDef, op: CallOp, name: string): boolean {
    const shapes: RegistrationShape[] = [];
    const model = this.kernel.chainRegistration(name);
    if (model) shapes.push({ head: model.head, chain: model.chainArg, block: model.blockArg });
    else for (const callee of this.symbols.resolve(name, def.file)) {
      const shape = this.wrappers.get(callee.id);
      if (shape) shapes.push(shape);
    }
    let madeWrapper = false;
    for (const shape of shapes) {
      const chainArg = typeof shape.chain === 'number' ? op.args[shape.chain] : undefined;
      const chain = typeof shape.chain === 'string' ? shape.chain : chainArg ? this.chainKey(chainArg.value, def) : undefined;
      const blockArg = typeof shape.block === 'number' ? op.args[shape.block] : undefined;
      const block = typeof shape.block !== 'number' ? shape.block : blockArg ? this.blockOf(blockArg, def) : undefined;
      if (chain === undefined || block === undefined) continue;
      if (typeof chain === 'number' || typeof block === 'number') {
        if (!this.wrappers.has(def.id)) {
          this.wrappers.set(def.id, { head: shape.head, chain, block });
          madeWrapper = true;
        }
        continue;
      }
      const set = this.members.get(chain) ?? new Map<number, PointerEvidence>();
      this.members.set(chain, set);
      const dir = `${path.dirname(def.file)}|${shape.head}`;
      const inDir = this.byDir.get(dir) ?? new Map<number, PointerEvidence>();
      this.byDir.set(dir, inDir);
      const evidence = { file: def.file, pos: op.at, text: `${name}(…${op.args.map((a) => a.text).join(', ')}…) in ${def.facts.name}` };
      for (const id of block.keys()) {
        if (!inDir.has(id)) inDir.set(id, evidence);
        if (!set.has(id)) set.set(id, evidence);
      }
    }
    return madeWrapper;
  }
}

const EMPTY: ReadonlyMap<number, PointerEvidence> = new Map();
const memo = new WeakMap<PointsTo, NotifierChains>();

/** The chains of a workspace, made once per points-to graph (which fixes the symbols and stores). */
export function notifierChainsOf(symbols: Symbols, pointsTo: PointsTo, kernel: KernelIndex): NotifierChains {
  let chains = memo.get(pointsTo);
  if (!chains) {
    chains = new NotifierChains(symbols, pointsTo, kernel);
    memo.set(pointsTo, chains);
  }
  return chains;
}
