/**
 * Entry points: the functions the kernel calls in interrupt context, found from
 * registration calls (`request_irq(irq, handler, …)`), stores to fields the kernel calls
 * (`timer.function = cb` for an hrtimer), declaration macros (`DECLARE_TASKLET`), and
 * the workspace configuration. A callback passed through a wrapper's parameter or a
 * variable is resolved through the points-to sets.
 */
import type { Arg, FileFacts, Pos, StoreOp, ValueRef } from '../syntax/facts';
import { forEachOp } from '../syntax/walkOps';
import { globalName } from '../syntax/globalName';
import type { Base, EntryKind, IrqlensConfig, KernelIndex } from '../kernel';
import type { EntryState } from './flow';
import type { Location } from './findings';
import type { PointsTo } from './pointsTo';
import { argMatches } from './rules';
import type { FnDef, Symbols } from './symbols';

export interface Entry {
  fn: FnDef;
  state: EntryState;
  kind: EntryKind;
  /** Where the entry was registered. */
  at: Location;
  /** "hrtimer callback, registered by hrtimer_init + .function in be_init". */
  note: string;
  /** The callback reached the registration through a function pointer. */
  throughPointer: boolean;
}

/** Hardirq and NMI handlers start with IRQs disabled (kernel/irq/handle.c runs them so since 2.6.35). */
export function entryState(base: Base, irqsOff = false): EntryState {
  return { base, irqsOff: irqsOff || base === 'hardirq' || base === 'nmi', atomic: false };
}

const KIND_NAMES: Record<EntryKind, string> = {
  'irq-handler': 'IRQ handler',
  'irq-thread': 'threaded IRQ function',
  hrtimer: 'hrtimer callback',
  timer: 'timer callback',
  tasklet: 'tasklet',
  ipi: 'IPI callback',
  'irq-work': 'irq_work callback',
  nmi: 'NMI handler',
  rcu: 'RCU callback',
  napi: 'NAPI poll function',
  workqueue: 'work item',
  kthread: 'kernel thread',
  ops: 'kernel callback',
  configured: 'configured entry point',
};

export function describeKind(kind: EntryKind): string {
  return KIND_NAMES[kind];
}

export class EntryFinder {
  readonly entries: Entry[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly symbols: Symbols,
    private readonly pointsTo: PointsTo,
    private readonly kernel: KernelIndex,
  ) {}

  private callbacks(value: ValueRef, file: string, inFn: FnDef | undefined): Array<{ fn: FnDef; throughPointer: boolean }> {
    const name = globalName(value);
    if (name !== undefined) {
      const direct = this.symbols.resolve(name, file);
      if (direct.length > 0) return direct.map((fn) => ({ fn, throughPointer: false }));
    }
    return [...this.pointsTo.targets(value, inFn).keys()].map((id) => ({ fn: this.symbols.defs[id], throughPointer: true }));
  }

  private add(entry: Entry): void {
    const key = `${entry.fn.id}:${entry.state.base}:${entry.state.irqsOff}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.entries.push(entry);
  }

  /** A registration call, in a body or at file scope, possibly expanded from a workspace macro. */
  registrationCall(name: string, args: readonly Arg[], at: Pos, file: string, inFn: FnDef | undefined, nesting = 0): void {
    const reg = this.kernel.registration(name);
    if (!reg) {
      if (nesting >= 4 || this.kernel.isKernelApi(name) || this.symbols.resolve(name, file).length > 0) return;
      for (const inner of this.symbols.macroVariants(name, file).flatMap((m) => m.facts.calls)) {
        const innerArgs = inner.args.map((a): Arg => (a.param !== undefined && args[a.param] ? args[a.param] : { text: a.text, value: /^\w+$/.test(a.text) ? { kind: 'name', name: a.text } : { kind: 'other', text: a.text } }));
        this.registrationCall(inner.callee, innerArgs, at, file, inFn, nesting + 1);
      }
      return;
    }
    const texts = args.map((a) => a.text);
    for (const spec of reg.callbacks) {
      const arg = args[spec.arg];
      if (!arg) continue;
      const base = spec.override && argMatches(spec.override, texts) ? spec.override.base : spec.base;
      const where = inFn ? ` in ${inFn.facts.name}` : '';
      for (const { fn, throughPointer } of this.callbacks(arg.value, file, inFn)) {
        this.add({
          fn,
          state: entryState(base),
          kind: spec.kind,
          at: { file, pos: at },
          note: `${describeKind(spec.kind)} ${fn.facts.name}, registered by ${name}()${where}`,
          throughPointer,
        });
      }
    }
  }

  /** A store of a callback into a field the kernel calls (`hrtimer.function = cb`). */
  fieldStore(store: StoreOp, file: string, inFn: FnDef | undefined): void {
    if (store.target.kind !== 'field') return;
    const regs = this.kernel.fieldRegistrations(store.target.field);
    if (regs.length === 0) return;
    const type = store.target.structType ? this.symbols.structName(store.target.structType) : undefined;
    const callbacks = this.callbacks(store.value, file, inFn);
    for (const reg of regs) {
      for (const { fn, throughPointer } of callbacks) {
        const byType = type !== undefined && type === reg.structType;
        const byEvidence = type === undefined && reg.returnTypeEvidence !== undefined && fn.facts.returnType === reg.returnTypeEvidence;
        if (!byType && !byEvidence) continue;
        const base = reg.modeFrom && inFn && this.modeCall(inFn, reg.modeFrom) ? reg.modeFrom.base : reg.base;
        const where = inFn ? ` in ${inFn.facts.name}` : '';
        this.add({
          fn,
          state: entryState(base, reg.irqsOff),
          kind: reg.kind,
          at: { file, pos: store.at },
          note: `${describeKind(reg.kind)} ${fn.facts.name}, stored in ${reg.structType}.${reg.field}${where}`,
          throughPointer,
        });
      }
    }
  }

  /** Whether `fn` calls one of `mode.calls` with an argument that selects the other mode (`HRTIMER_MODE_REL_SOFT`). */
  private modeCall(fn: FnDef, mode: { calls: string[]; arg: number; contains: string[] }): boolean {
    let found = false;
    forEachOp(fn.facts.body, (op) => {
      if (found || op.op !== 'call' || op.callee.kind !== 'name' || !mode.calls.includes(op.callee.name)) return;
      const text = op.args[mode.arg]?.text ?? '';
      found = mode.contains.some((t) => text.includes(t));
    });
    return found;
  }

  configured(config: IrqlensConfig): void {
    for (const e of config.entryPoints) {
      for (const fn of this.symbols.byName(e.function)) {
        this.add({
          fn,
          state: entryState(e.base),
          kind: 'configured',
          at: { file: fn.file, pos: fn.facts.nameSpan.start },
          note: `${e.base} entry ${fn.facts.name}, configured in .irqlens.json${e.note ? ` (${e.note})` : ''}`,
          throughPointer: false,
        });
      }
    }
  }
}

export function findEntries(files: Iterable<FileFacts>, symbols: Symbols, pointsTo: PointsTo, kernel: KernelIndex): Entry[] {
  const finder = new EntryFinder(symbols, pointsTo, kernel);
  finder.configured(kernel.config);
  for (const file of files) {
    for (const call of file.topLevelCalls) finder.registrationCall(call.callee, call.args, call.at, file.path, undefined);
    for (const store of file.stores) finder.fieldStore(store, file.path, undefined);
  }
  for (const def of symbols.defs) {
    forEachOp(def.facts.body, (op) => {
      if (op.op === 'store') finder.fieldStore(op, def.file, def);
      else if (op.op === 'call' && op.callee.kind === 'name') finder.registrationCall(op.callee.name, op.args, op.at, def.file, def);
    });
  }
  return finder.entries;
}
