/**
 * Replays a path the explorer found and describes each step with its source line and
 * every CPU's state after it; for a deadlock, says what each stuck CPU is spinning on.
 */
import type { PathRef } from './explorer';
import { FLUSH_FN, SOFTIRQ_FN, type CpuState, type Machine, type MachineState, type StepLabel } from './machine';
import type { BlockedCpu, CpuContext, CpuSnapshot, SimTrace, TraceStep } from './result';
import type { SourceLoc } from './instructions';

const KERNEL = (fn: string): SourceLoc => ({ file: fn, pos: { line: -1, col: 0 } });

export function buildTrace(machine: Machine, path: PathRef, deadlock: boolean): SimTrace {
  let state = machine.initial();
  let last = -1;
  const steps: TraceStep[] = [];
  path.forEach((index, i) => {
    const succs = machine.successors(state);
    const succ = succs[index];
    const { text, loc, synthetic } = describe(machine, succ.label);
    steps.push({
      index: i,
      cpu: succ.cpu,
      instruction: text,
      file: loc.file,
      line: loc.pos.line + 1,
      col: loc.pos.col,
      synthetic,
      preemption: last >= 0 && succ.cpu !== last && succs.some((s) => s.cpu === last),
      event: succ.events.length > 0 ? succ.events.map((e) => e.message).join('; ') : undefined,
      cpus: snapshot(machine, succ.state),
    });
    last = succ.cpu;
    state = succ.state;
  });
  return { steps, blocked: deadlock ? blockedCpus(machine, state) : [] };
}

function describe(machine: Machine, label: StepLabel): { text: string; loc: SourceLoc; synthetic: boolean } {
  const fns = machine.scenario.functions;
  const name = (fn: number): string => fns[fn]?.name ?? '?';
  switch (label.kind) {
    case 'instr': {
      const f = fns[label.fn];
      const ins = f.instrs[label.pc];
      return { text: ins.text, loc: ins.loc, synthetic: f.synthetic };
    }
    case 'interrupt': {
      if (label.source === 'ipi') return { text: 'call-function IPI taken', loc: KERNEL('kernel/smp.c'), synthetic: true };
      const f = fns[label.fn];
      const what = label.source === 'trigger' ? `${machine.scenario.triggers[label.trigger].label} fires` : label.source === 'own-ipi' ? 'own IPI vector taken' : 'irq_work IPI taken';
      return { text: `${what}: ${f.name}()`, loc: f.loc, synthetic: f.synthetic };
    }
    case 'flush':
      return { text: label.fn === null ? 'call-function queue empty: irq_exit()' : `run cross-CPU call: ${name(label.fn)}()`, loc: KERNEL('kernel/smp.c'), synthetic: true };
    case 'softirq':
      return { text: label.fn === null ? 'softirqs done' : `softirq runs ${name(label.fn)}()`, loc: KERNEL('kernel/softirq.c'), synthetic: true };
    case 'kworker':
      return { text: `kworker runs ${name(label.fn)}()`, loc: KERNEL('kernel/workqueue.c'), synthetic: true };
    case 'ksoftirqd':
      return { text: 'ksoftirqd runs pending softirqs', loc: KERNEL('kernel/softirq.c'), synthetic: true };
  }
}

function context(c: CpuState): CpuContext {
  if (c.nmi > 0) return 'nmi';
  if (c.hard > 0) return 'hardirq';
  if (c.soft > 0) return 'softirq';
  if (c.stack.length === 0) return 'idle';
  return c.stack.some((f) => f.tag === 'work') ? 'kworker' : 'task';
}

function frameName(machine: Machine, fn: number): string {
  if (fn === FLUSH_FN) return 'generic_smp_call_function_single_interrupt';
  if (fn === SOFTIRQ_FN) return '__do_softirq';
  return machine.scenario.functions[fn].name;
}

function snapshot(machine: Machine, s: MachineState): CpuSnapshot[] {
  return s.cpus.map((c, cpu) => {
    const top = c.stack[c.stack.length - 1];
    return {
      cpu,
      irqs: c.irqOn ? 'on' : 'off',
      context: context(c),
      function: top ? frameName(machine, top.fn) : null,
      locks: s.owner.flatMap((o, l) => (o === cpu ? [machine.scenario.locks[l]] : [])),
      pendingIpis: c.queue.length + (c.ownIpiPend ? 1 : 0),
      preempt: c.preempt,
    };
  });
}

function blockedCpus(machine: Machine, s: MachineState): BlockedCpu[] {
  const out: BlockedCpu[] = [];
  s.cpus.forEach((c, cpu) => {
    const top = c.stack[c.stack.length - 1];
    if (!top || top.fn < 0) return;
    const ins = machine.scenario.functions[top.fn].instrs[top.pc];
    out.push({ cpu, instruction: ins.text, file: ins.loc.file, line: ins.loc.pos.line + 1, col: ins.loc.pos.col, waitingFor: waitingFor(machine, s, cpu) });
  });
  return out;
}

/** Why the CPU's next instruction cannot run. */
function waitingFor(machine: Machine, s: MachineState, cpu: number): string {
  const c = s.cpus[cpu];
  const top = c.stack[c.stack.length - 1];
  const ins = machine.scenario.functions[top.fn].instrs[top.pc];
  const irqs = (t: number): string => (s.cpus[t].irqOn ? 'IRQs on' : 'IRQs off, so it never takes the IPI');
  const holder = (csd: number): string => {
    const t = s.cpus.findIndex((o) => o.queue.some((q) => q.csd === csd) || o.stack.some((f) => f.tag === 'csd' && f.csd === csd));
    return t < 0 ? 'another CPU' : `CPU ${t} (${irqs(t)})`;
  };
  switch (ins.op) {
    case 'lock': {
      const owner = s.owner[ins.lock];
      const name = machine.scenario.locks[ins.lock];
      return owner === cpu ? `${name}, which this CPU already holds (AA deadlock)` : `${name}, held by CPU ${owner}`;
    }
    case 'await':
      return `a store by another CPU (${ins.text})`;
    case 'xcall-wait': {
      const busy = machine.waitedCsds(cpu, ins.csd, machine.level(c)).filter((i) => s.csd[i]);
      return `cross-CPU call to be run by ${busy.map(holder).join(', ')}`;
    }
    case 'xcall-send':
      return 'a CSD still in use by an earlier cross-CPU call (csd_lock)';
    default:
      return 'nothing it can do';
  }
}
