/**
 * Random small scenarios over the whole instruction set, from a seed: the corpus on
 * which the simulator and SPIN must agree, and on which the benchmark compares them.
 *
 * Programs are built from balanced blocks (a lock is released, IRQs restored in the
 * same function) so they look like driver code, but the blocks nest and mix freely:
 * IPIs with IRQs off, awaits nobody satisfies, bounded spins, deferrals, all of it.
 * Functions only call later functions of their own role, so call depth stays bounded.
 */
import type { Guard, Instr, InstrBody, Scenario, SimFunction, Trigger, TriggerBase } from './instructions';
import { mulberry32, pick, type Rng } from './prng';

/**
 * Function roles, in index order: tasks (process context), interrupt handlers (the
 * triggers' functions) and leaves (cross-CPU callbacks, deferred items, the own-IPI
 * handler). Leaves send nothing themselves, as such callbacks are in drivers; otherwise
 * two CPUs could bounce calls at each other forever.
 */
type Role = 'task' | 'handler' | 'leaf';

interface Gen {
  rng: Rng;
  cpus: number;
  locks: number;
  vars: number;
  roles: Role[];
  ownIpi: boolean;
  asyncSites: number;
}

const ofRole = (g: Gen, role: Role): number[] => g.roles.flatMap((r, i) => (r === role ? [i] : []));

/** A tiny assembler: instructions with symbolic jump targets. */
class Asm {
  readonly out: InstrBody[] = [];
  private readonly fixups: Array<{ index: number; label: { at: number } }> = [];
  flagSlots = 0;
  counterSlots = 0;

  label(): { at: number } {
    return { at: -1 };
  }

  place(label: { at: number }): void {
    label.at = this.out.length;
  }

  emit(body: InstrBody, label?: { at: number }): void {
    if (label) this.fixups.push({ index: this.out.length, label });
    this.out.push(body);
  }

  finish(): InstrBody[] {
    for (const { index, label } of this.fixups) {
      const ins = this.out[index];
      if (ins.op === 'jump' || ins.op === 'branch') ins.to = label.at;
      else if (ins.op === 'count') ins.exit = label.at;
    }
    return this.out;
  }
}

const UNKNOWN: Guard = { join: 'and', atoms: [{ kind: 'unknown' }] };

export function randomScenario(seed: number, cpus?: number): Scenario {
  const rng = mulberry32(seed);
  const n = cpus ?? 2 + pick(rng, 3);
  const g: Gen = {
    rng,
    cpus: n,
    locks: 1 + pick(rng, 2),
    vars: pick(rng, 3),
    roles: ['task', ...(rng() < 0.5 ? ['task' as const] : []), 'handler', 'leaf', ...(rng() < 0.5 ? ['leaf' as const] : [])],
    ownIpi: rng() < 0.3,
    asyncSites: 0,
  };
  const functions: SimFunction[] = g.roles.map((role, f) => makeFunction(g, f, role, seed));
  const taskFns = ofRole(g, 'task');
  const taskChance = g.cpus > 2 ? 0.3 : 0.6;
  const tasks: Array<number | null> = Array.from({ length: g.cpus }, () => (rng() < taskChance ? taskFns[pick(rng, taskFns.length)] : null));
  const triggers: Trigger[] = [];
  const triggerCount = pick(rng, g.cpus > 2 ? 2 : 3);
  const spread = g.cpus > 2 ? 0.4 : 0.6;
  for (let t = 0; t < triggerCount; t++) {
    const r = rng();
    const base: TriggerBase = r < 0.6 ? 'hardirq' : r < 0.9 ? 'softirq' : 'nmi';
    const cpuSet = Array.from({ length: g.cpus }, (_, c) => c).filter(() => rng() < spread);
    triggers.push({ fn: ofRole(g, 'handler')[0], base, cpus: cpuSet.length > 0 ? cpuSet : [0], fires: 1, label: `irq${t}` });
  }
  if (!tasks.some((t) => t !== null) && triggers.length === 0) tasks[0] = 0;
  return {
    title: `random scenario ${seed} (${g.cpus} CPUs)`,
    cpus: g.cpus,
    functions,
    vars: Array.from({ length: g.vars }, (_, i) => `v${i}`),
    locks: Array.from({ length: g.locks }, (_, i) => `lock${i}`),
    triggers,
    tasks,
    ownIpiHandler: g.ownIpi ? ofRole(g, 'leaf')[0] : null,
    asyncSites: g.asyncSites,
    notes: [],
  };
}

function makeFunction(g: Gen, f: number, role: Role, seed: number): SimFunction {
  const asm = new Asm();
  const blocks = 1 + pick(g.rng, 2);
  for (let b = 0; b < blocks; b++) block(g, asm, f, role, 0);
  asm.emit({ op: 'ret' });
  const file = `random-${seed}.c`;
  const instrs: Instr[] = asm.finish().map((body, line) => ({ ...body, loc: { file, pos: { line, col: 0 } }, text: body.op } as Instr));
  return { name: `f${f}`, file, loc: { file, pos: { line: 0, col: 0 } }, synthetic: false, instrs, flagSlots: asm.flagSlots, counterSlots: asm.counterSlots };
}

function block(g: Gen, asm: Asm, f: number, role: Role, depth: number): void {
  const rng = g.rng;
  const inner = (): void => {
    if (depth < 1 && rng() < 0.5) block(g, asm, f, role, depth + 1);
  };
  const varAtom = (): Guard => ({ join: 'and', atoms: [{ kind: 'var', v: pick(rng, g.vars), cmp: rng() < 0.5 ? '==' : '!=', rhs: pick(rng, 2) }] });
  const leaves = ofRole(g, 'leaf');
  const leaf = leaves[pick(rng, leaves.length)];
  const sends = role !== 'leaf';
  switch (pick(rng, 15)) {
    case 0:
      // Handlers run with IRQs off and must not turn them on.
      if (role !== 'task') return block(g, asm, f, role, depth);
      asm.emit({ op: 'irq-off' });
      inner();
      asm.emit({ op: 'irq-on' });
      return;
    case 1: {
      const slot = asm.flagSlots++;
      asm.emit({ op: 'irq-save', slot });
      inner();
      asm.emit({ op: 'irq-restore', slot });
      return;
    }
    case 2: {
      const lock = pick(rng, g.locks);
      asm.emit({ op: 'lock', lock });
      inner();
      asm.emit({ op: 'unlock', lock });
      return;
    }
    case 3:
    case 4: {
      if (!sends) return;
      const fn = leaf;
      const kind = pick(rng, 4);
      if (kind === 0) {
        const wait = rng() < 0.7;
        asm.emit({ op: 'xcall-send', fn, targets: 'others', csd: 'cfd', site: 0, sync: wait });
        if (wait) asm.emit({ op: 'xcall-wait', csd: 'cfd' });
      } else if (kind === 1) {
        asm.emit({ op: 'xcall-send', fn, targets: 'one', csd: 'stack', site: 0, sync: true });
        asm.emit({ op: 'xcall-wait', csd: 'stack' });
      } else if (kind === 2) {
        asm.emit({ op: 'xcall-send', fn, targets: 'one', csd: 'single', site: 0, sync: false });
      } else {
        asm.emit({ op: 'xcall-send', fn, targets: rng() < 0.5 ? 'one' : 'others', csd: 'async', site: g.asyncSites++, sync: false });
      }
      return;
    }
    case 5:
      if (g.vars === 0) return;
      asm.emit({ op: 'store', v: pick(rng, g.vars), value: rng() < 0.7 ? { set: pick(rng, 2) } : { add: rng() < 0.7 ? 1 : -1 } });
      return;
    case 6:
      if (g.vars === 0) return;
      asm.emit({ op: 'await', guard: varAtom() });
      return;
    case 7: {
      if (g.vars === 0) return;
      // while (!cond && --spins) cpu_relax();
      const slot = asm.counterSlots++;
      const head = asm.label();
      const exit = asm.label();
      asm.emit({ op: 'count-reset', slot });
      asm.place(head);
      asm.emit({ op: 'branch', guard: varAtom(), to: -1 }, exit);
      asm.emit({ op: 'count', slot, bound: 1 + pick(rng, 2), exit: -1, giveUp: true }, exit);
      asm.emit({ op: 'jump', to: -1 }, head);
      asm.place(exit);
      return;
    }
    case 8: {
      const els = asm.label();
      const end = asm.label();
      const guard: Guard =
        rng() < 0.7 ? UNKNOWN : { join: 'or', atoms: [{ kind: 'ctx', hardirq: true, softirq: true, nmi: true, irqsOff: rng() < 0.5, atomic: false, negated: rng() < 0.5 }] };
      asm.emit({ op: 'branch', guard, to: -1 }, els);
      inner();
      asm.emit({ op: 'jump', to: -1 }, end);
      asm.place(els);
      inner();
      asm.place(end);
      return;
    }
    case 9: {
      if (!sends) return;
      const r = pick(rng, 3);
      asm.emit({ op: 'defer', kind: r === 0 ? 'tasklet' : r === 1 ? 'work' : 'irq-work', fn: leaf });
      return;
    }
    case 10:
      if (g.ownIpi && sends) asm.emit({ op: 'raise-ipi' });
      return;
    case 11:
      asm.emit({ op: 'preempt-off' });
      inner();
      asm.emit({ op: 'preempt-on' });
      return;
    case 12:
      asm.emit({ op: 'bh-off' });
      inner();
      asm.emit({ op: 'bh-on' });
      return;
    case 13:
      asm.emit({ op: 'sleep' });
      return;
    default:
      // Calls go to a later function of the same role, so the call graph has no cycle.
      {
        const later = g.roles.findIndex((r, i) => i > f && r === role);
        if (later >= 0) asm.emit({ op: 'call', fn: later });
      }
      return;
  }
}
