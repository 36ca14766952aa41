/**
 * The kernel semantics the simulator runs a scenario under: one step of one virtual CPU
 * at a time. Each rule cites the kernel code it models; promela.ts encodes the very
 * same rules for SPIN, and the agreement test holds the two to the same verdicts.
 *
 * What a CPU is (per-CPU state, as in the kernel):
 * - an IRQ-enabled flag (arch_irqs_disabled_flags), a preempt count, a BH-disable count,
 *   and hardirq/softirq/NMI nesting counts (include/linux/preempt.h's preempt_count bits);
 * - a stack of frames: the task's calls, with interrupt frames pushed on top when an
 *   interrupt is taken, exactly as the hardware nests them on the CPU's stack;
 * - pending work: the call-function queue (kernel/smp.c `call_single_queue`), pending
 *   softirqs (kernel/softirq.c), queued work items (kernel/workqueue.c, bound to the
 *   queueing CPU), irq_work (kernel/irq_work.c) and the driver's own IPI vector.
 * Shared between CPUs: spinlock owners, shared variables, CSD lock bits, trigger budgets.
 */
import type { Cmp, GuardAtom, Guard, Instr, Scenario, StoreValue } from './instructions';
import { MAX_VALUE } from './instructions';

/** How a frame was entered, i.e. what returning from it must undo. */
export type FrameTag =
  | 'call'
  /** Bottom of a hardirq: returning runs irq_exit(). */
  | 'hardirq'
  /** Bottom of __do_softirq(): returning leaves softirq context. */
  | 'softirq'
  | 'nmi'
  /** A synchronous CSD's function: returning unlocks the CSD (csd_unlock after func). */
  | 'csd'
  /** A kworker running a work item: returning leaves the worker. */
  | 'work';

/** Kernel routines that run as frames of their own. */
export const FLUSH_FN = -1;
export const SOFTIRQ_FN = -2;

export interface Frame {
  fn: number;
  pc: number;
  tag: FrameTag;
  /** The IRQ state to restore when an interrupt or softirq frame returns. */
  savedIrq: boolean;
  /** For `csd` frames, the CSD to unlock on return; otherwise -1. */
  csd: number;
  /** local_irq_save() slots, one bit each. */
  flags: number;
  counters: number[];
}

export interface QueueEntry {
  fn: number;
  csd: number;
  sync: boolean;
}

export interface CpuState {
  stack: Frame[];
  irqOn: boolean;
  hard: number;
  soft: number;
  nmi: number;
  bh: number;
  preempt: number;
  softPend: number;
  workPend: number;
  irqWorkPend: number;
  ownIpiPend: boolean;
  queue: QueueEntry[];
}

export interface MachineState {
  cpus: CpuState[];
  /** Lock owner CPU, or -1 when free. */
  owner: number[];
  vars: number[];
  /** CSD_FLAG_LOCK per CSD (see csdIndex). */
  csd: boolean[];
  /** Times each trigger has fired. */
  fired: number[];
}

export type SimEvent =
  | { kind: 'warn'; reason: WarnReason; message: string }
  /** `deaf`: other CPUs that had IRQs off with the IPI still pending when the wait gave up. */
  | { kind: 'gave-up'; message: string; deaf: number[] };

export type WarnReason = 'xcall-irqs-off' | 'xcall-not-in-task' | 'sleep-in-atomic' | 'gave-up';

/** What a step did, for traces. */
export type StepLabel =
  | { kind: 'instr'; fn: number; pc: number }
  | { kind: 'flush'; fn: number | null }
  | { kind: 'softirq'; fn: number | null }
  | { kind: 'interrupt'; source: 'ipi' | 'own-ipi' | 'irq-work' | 'trigger'; trigger: number; fn: number }
  | { kind: 'kworker'; fn: number }
  | { kind: 'ksoftirqd' };

export interface Successor {
  cpu: number;
  state: MachineState;
  label: StepLabel;
  events: SimEvent[];
  /**
   * Touches only this CPU's own state in a way no interrupt or other CPU can observe:
   * the partial-order reduction may run it alone (see explorer.ts).
   */
  local: boolean;
}

export class Machine {
  readonly n: number;
  /** Functions whose softirq-pending bit is their index here (tasklets and timer_list triggers). */
  readonly softFns: number[];
  readonly workFns: number[];
  readonly irqWorkFns: number[];
  readonly csdCount: number;
  private readonly hasNmi: boolean;

  constructor(readonly scenario: Scenario) {
    this.n = scenario.cpus;
    const soft = new Set<number>();
    const work = new Set<number>();
    const irqWork = new Set<number>();
    for (const t of scenario.triggers) if (t.base === 'softirq') soft.add(t.fn);
    for (const f of scenario.functions) {
      for (const i of f.instrs) {
        if (i.op !== 'defer') continue;
        (i.kind === 'tasklet' ? soft : i.kind === 'work' ? work : irqWork).add(i.fn);
      }
    }
    this.softFns = [...soft].sort((a, b) => a - b);
    this.workFns = [...work].sort((a, b) => a - b);
    this.irqWorkFns = [...irqWork].sort((a, b) => a - b);
    this.csdCount = this.n * this.n + 5 * this.n + scenario.asyncSites * this.n;
    this.hasNmi = scenario.triggers.some((t) => t.base === 'nmi');
  }

  /**
   * CSD numbering shared with the Promela export: the sender's cfd_data CSD per target,
   * its csd_data, its on-stack CSDs per context level (task, softirq, hardirq, NMI), and
   * each async call site's CSD per target.
   */
  csdIndex(kind: 'cfd' | 'single' | 'stack' | 'async', src: number, other: number, site = 0): number {
    const n = this.n;
    switch (kind) {
      case 'cfd':
        return src * n + other;
      case 'single':
        return n * n + src;
      case 'stack':
        return n * n + n + src * 4 + other;
      case 'async':
        return n * n + 5 * n + site * n + other;
    }
  }

  initial(): MachineState {
    const s = this.scenario;
    return {
      cpus: s.tasks.map((task) => ({
        stack: task === null ? [] : [newFrame(task, 'call', true, s.functions[task].counterSlots)],
        irqOn: true,
        hard: 0,
        soft: 0,
        nmi: 0,
        bh: 0,
        preempt: 0,
        softPend: 0,
        workPend: 0,
        irqWorkPend: 0,
        ownIpiPend: false,
        queue: [],
      })),
      owner: s.locks.map(() => -1),
      vars: s.vars.map(() => 0),
      csd: new Array<boolean>(this.csdCount).fill(false),
      fired: s.triggers.map(() => 0),
    };
  }

  /** Context level for on-stack CSDs: 0 task, 1 softirq, 2 hardirq, 3 NMI. */
  level(c: CpuState): number {
    return c.nmi > 0 ? 3 : c.hard > 0 ? 2 : c.soft > 0 ? 1 : 0;
  }

  successors(state: MachineState): Successor[] {
    const out: Successor[] = [];
    for (let cpu = 0; cpu < this.n; cpu++) this.cpuSuccessors(state, cpu, out);
    return out;
  }

  cpuSuccessors(state: MachineState, cpu: number, out: Successor[]): void {
    const before = out.length;
    this.interrupts(state, cpu, out);
    this.threads(state, cpu, out);
    const c = state.cpus[cpu];
    if (c.stack.length > 0) this.step(state, cpu, out);
    // A step is local when it is private to this CPU and either no interrupt can come
    // in before it (IRQs off, no NMI source) or it changes nothing an interrupt observes.
    for (let k = before; k < out.length; k++) {
      const succ = out[k];
      if (!succ.local) continue;
      const after = succ.state.cpus[cpu];
      succ.local = (!c.irqOn && !this.hasNmi) || sameObservable(c, after);
    }
  }

  /** Interrupts this CPU can take now (an interrupt is taken only with IRQs on, NMIs always). */
  private interrupts(state: MachineState, cpu: number, out: Successor[]): void {
    const c = state.cpus[cpu];
    this.scenario.triggers.forEach((t, ti) => {
      if (state.fired[ti] >= t.fires || !t.cpus.includes(cpu)) return;
      if (t.base === 'nmi' ? c.nmi > 0 : !c.irqOn) return;
      const s = cloneState(state, cpu);
      s.fired[ti]++;
      const me = s.cpus[cpu];
      if (t.base === 'softirq') {
        // A timer_list callback: the tick's hardirq raises TIMER_SOFTIRQ, and irq_exit()
        // runs it when not already in interrupt context (kernel/time/timer.c
        // run_local_timers -> raise_softirq(TIMER_SOFTIRQ); kernel/softirq.c irq_exit_rcu).
        me.softPend |= 1 << this.softFns.indexOf(t.fn);
        this.runSoftirqsIfAllowed(me);
      } else {
        this.enterInterrupt(me, t.fn, t.base);
      }
      out.push({ cpu, state: s, label: { kind: 'interrupt', source: 'trigger', trigger: ti, fn: t.fn }, events: [], local: false });
    });
    if (!c.irqOn || c.nmi > 0) return;
    if (c.queue.length > 0) {
      // The call-function IPI: generic_smp_call_function_single_interrupt() drains the
      // queue in hardirq context (kernel/smp.c __flush_smp_call_function_queue).
      const s = cloneState(state, cpu);
      this.enterInterrupt(s.cpus[cpu], FLUSH_FN, 'hardirq');
      out.push({ cpu, state: s, label: { kind: 'interrupt', source: 'ipi', trigger: -1, fn: FLUSH_FN }, events: [], local: false });
    }
    if (c.ownIpiPend && this.scenario.ownIpiHandler !== null) {
      const s = cloneState(state, cpu);
      s.cpus[cpu].ownIpiPend = false;
      this.enterInterrupt(s.cpus[cpu], this.scenario.ownIpiHandler, 'hardirq');
      out.push({ cpu, state: s, label: { kind: 'interrupt', source: 'own-ipi', trigger: -1, fn: this.scenario.ownIpiHandler }, events: [], local: false });
    }
    if (c.irqWorkPend !== 0) {
      // irq_work_queue() raises a self-IPI; irq_work_run() calls the work in hardirq
      // context (kernel/irq_work.c).
      const bit = lowestBit(c.irqWorkPend);
      const fn = this.irqWorkFns[bit];
      const s = cloneState(state, cpu);
      s.cpus[cpu].irqWorkPend &= ~(1 << bit);
      this.enterInterrupt(s.cpus[cpu], fn, 'hardirq');
      out.push({ cpu, state: s, label: { kind: 'interrupt', source: 'irq-work', trigger: -1, fn }, events: [], local: false });
    }
  }

  /**
   * Kernel threads the scheduler may switch to: a kworker for work queued on this CPU and
   * ksoftirqd for softirqs left pending. Both need a preemptible task context (no
   * interrupt frame, preempt and BH counts zero, IRQs on), as schedule() does.
   */
  private threads(state: MachineState, cpu: number, out: Successor[]): void {
    const c = state.cpus[cpu];
    if (!c.irqOn || c.hard + c.soft + c.nmi + c.preempt + c.bh > 0) return;
    // A worker runs its items one after another, never one inside another.
    if (c.workPend !== 0 && !c.stack.some((f) => f.tag === 'work')) {
      const bit = lowestBit(c.workPend);
      const fn = this.workFns[bit];
      const s = cloneState(state, cpu);
      const me = s.cpus[cpu];
      me.workPend &= ~(1 << bit);
      me.stack.push(newFrame(fn, 'work', true, this.counterSlots(fn)));
      out.push({ cpu, state: s, label: { kind: 'kworker', fn }, events: [], local: true });
    }
    if (c.softPend !== 0) {
      const s = cloneState(state, cpu);
      this.enterSoftirq(s.cpus[cpu]);
      out.push({ cpu, state: s, label: { kind: 'ksoftirqd' }, events: [], local: true });
    }
  }

  private counterSlots(fn: number): number {
    return fn < 0 ? 0 : this.scenario.functions[fn].counterSlots;
  }

  /** Hardware interrupt entry: handlers run with IRQs off (kernel/irq/handle.c WARNs otherwise). */
  private enterInterrupt(me: CpuState, fn: number, base: 'hardirq' | 'nmi'): void {
    me.stack.push(newFrame(fn, base, me.irqOn, this.counterSlots(fn)));
    me.irqOn = false;
    if (base === 'nmi') me.nmi++;
    else me.hard++;
  }

  /** __do_softirq() runs the pending handlers with IRQs enabled and the softirq count raised. */
  private enterSoftirq(me: CpuState): void {
    me.stack.push(newFrame(SOFTIRQ_FN, 'softirq', me.irqOn, 0));
    me.irqOn = true;
    me.soft++;
  }

  /** kernel/softirq.c: softirqs run on the way out only when !in_interrupt() and BH is enabled. */
  private runSoftirqsIfAllowed(me: CpuState): void {
    if (me.softPend !== 0 && me.hard + me.soft + me.nmi + me.bh === 0) this.enterSoftirq(me);
  }

  private step(state: MachineState, cpu: number, out: Successor[]): void {
    const c = state.cpus[cpu];
    const top = c.stack[c.stack.length - 1];
    if (top.fn === FLUSH_FN) {
      this.flushStep(state, cpu, out);
      return;
    }
    if (top.fn === SOFTIRQ_FN) {
      const s = cloneState(state, cpu);
      const me = s.cpus[cpu];
      if (me.softPend === 0) {
        this.returnFrame(s, cpu);
        out.push({ cpu, state: s, label: { kind: 'softirq', fn: null }, events: [], local: true });
        return;
      }
      const bit = lowestBit(me.softPend);
      const fn = this.softFns[bit];
      me.softPend &= ~(1 << bit);
      me.stack.push(newFrame(fn, 'call', true, this.counterSlots(fn)));
      out.push({ cpu, state: s, label: { kind: 'softirq', fn }, events: [], local: true });
      return;
    }
    const fn = this.scenario.functions[top.fn];
    const first = out.length;
    this.exec(state, cpu, fn.instrs[top.pc], { kind: 'instr', fn: top.fn, pc: top.pc }, out);
    // Code the scenario assumed (a default peer) is there to wait, not to be judged.
    if (fn.synthetic) for (let k = first; k < out.length; k++) out[k].events = [];
  }

  /**
   * One entry of the call-function queue per step. Synchronous CSDs are unlocked after
   * their function returns (the sender's csd_lock_wait() spins until then); others are
   * unlocked before the function runs (kernel/smp.c __flush_smp_call_function_queue).
   */
  private flushStep(state: MachineState, cpu: number, out: Successor[]): void {
    const s = cloneState(state, cpu);
    const me = s.cpus[cpu];
    const entry = me.queue.shift();
    if (entry === undefined) {
      this.returnFrame(s, cpu);
      out.push({ cpu, state: s, label: { kind: 'flush', fn: null }, events: [], local: false });
      return;
    }
    if (!entry.sync) s.csd[entry.csd] = false;
    const frame = newFrame(entry.fn, entry.sync ? 'csd' : 'call', true, this.counterSlots(entry.fn));
    frame.csd = entry.sync ? entry.csd : -1;
    me.stack.push(frame);
    out.push({ cpu, state: s, label: { kind: 'flush', fn: entry.fn }, events: [], local: false });
  }

  /** Pops the top frame and undoes what entering it did. */
  private returnFrame(s: MachineState, cpu: number): void {
    const me = s.cpus[cpu];
    const f = me.stack.pop();
    if (f === undefined) throw new Error('return with an empty stack');
    switch (f.tag) {
      case 'hardirq':
        // irq_exit(): leave hardirq, then run pending softirqs if allowed; the interrupt
        // return restores the interrupted code's IRQ flag.
        me.hard--;
        me.irqOn = f.savedIrq;
        this.runSoftirqsIfAllowed(me);
        break;
      case 'nmi':
        me.nmi--;
        me.irqOn = f.savedIrq;
        break;
      case 'softirq':
        me.soft--;
        me.irqOn = f.savedIrq;
        break;
      case 'csd':
        s.csd[f.csd] = false;
        break;
      case 'call':
      case 'work':
        break;
    }
    const caller = me.stack[me.stack.length - 1];
    if (caller !== undefined && f.tag === 'call' && caller.fn >= 0) caller.pc++;
  }

  private exec(state: MachineState, cpu: number, instr: Instr, label: StepLabel, out: Successor[]): void {
    const c = state.cpus[cpu];
    const top = c.stack[c.stack.length - 1];
    // Each case pushes its successors through `next`, which copies the state first; only
    // this CPU's state is deep-copied unless the step writes to other CPUs too.
    const next = (mutate: (s: MachineState, me: CpuState, f: Frame) => void, local: boolean, events: SimEvent[] = [], touchesOthers = false): void => {
      const s = cloneState(state, touchesOthers ? undefined : cpu);
      const me = s.cpus[cpu];
      const f = me.stack[me.stack.length - 1];
      mutate(s, me, f);
      out.push({ cpu, state: s, label, events, local });
    };
    switch (instr.op) {
      case 'irq-off':
        return next((_s, me, f) => { me.irqOn = false; f.pc++; }, true);
      case 'irq-on':
        return next((_s, me, f) => { me.irqOn = true; f.pc++; }, true);
      case 'irq-save':
        return next((_s, me, f) => {
          f.flags = me.irqOn ? f.flags | (1 << instr.slot) : f.flags & ~(1 << instr.slot);
          me.irqOn = false;
          f.pc++;
        }, true);
      case 'irq-restore':
        return next((_s, me, f) => { me.irqOn = (f.flags & (1 << instr.slot)) !== 0; f.pc++; }, true);
      case 'bh-off':
        return next((_s, me, f) => { me.bh++; f.pc++; }, true);
      case 'bh-on':
        // __local_bh_enable_ip(): softirqs raised meanwhile run now, unless in interrupt.
        return next((_s, me, f) => {
          me.bh = Math.max(0, me.bh - 1);
          f.pc++;
          this.runSoftirqsIfAllowed(me);
        }, true);
      case 'preempt-off':
        return next((_s, me, f) => { me.preempt++; f.pc++; }, true);
      case 'preempt-on':
        return next((_s, me, f) => { me.preempt = Math.max(0, me.preempt - 1); f.pc++; }, true);
      case 'lock':
        // A spinlock spins (with whatever IRQ state the caller has) until the owner
        // releases it; a CPU retaking its own lock spins forever (AA deadlock).
        if (state.owner[instr.lock] !== -1) return;
        return next((s, me, f) => { s.owner[instr.lock] = cpu; me.preempt++; f.pc++; }, false);
      case 'unlock':
        // Releasing a lock this CPU does not hold (taken in code the abstraction dropped)
        // must not free another CPU's hold.
        return next((s, me, f) => {
          if (s.owner[instr.lock] === cpu) s.owner[instr.lock] = -1;
          me.preempt = Math.max(0, me.preempt - 1);
          f.pc++;
        }, false);
      case 'call':
        return next((_s, me) => { me.stack.push(newFrame(instr.fn, 'call', true, this.counterSlots(instr.fn))); }, true);
      case 'ret':
        return next((s) => this.returnFrame(s, cpu), true);
      case 'jump':
        return next((_s, _me, f) => { f.pc = instr.to; }, true);
      case 'branch': {
        const outcomes = evalGuard(instr.guard, state, c);
        const local = !readsVars(instr.guard);
        if (outcomes.true) next((_s, _me, f) => { f.pc = instr.to; }, local);
        if (outcomes.false) next((_s, _me, f) => { f.pc++; }, local);
        return;
      }
      case 'await':
        if (!evalGuard(instr.guard, state, c).true) return;
        return next((_s, _me, f) => { f.pc++; }, !readsVars(instr.guard));
      case 'store':
        return next((s, _me, f) => { s.vars[instr.v] = applyStore(s.vars[instr.v], instr.value); f.pc++; }, false);
      case 'xcall-send':
        return this.xcallSend(state, cpu, instr, label, out);
      case 'xcall-wait': {
        // csd_lock_wait(): spin until every target has run the function.
        for (const i of this.waitedCsds(cpu, instr.csd, this.level(c))) if (state.csd[i]) return;
        return next((_s, _me, f) => { f.pc++; }, false);
      }
      case 'raise-ipi':
        return next((s, _me, f) => {
          for (let t = 0; t < this.n; t++) if (t !== cpu) s.cpus[t].ownIpiPend = true;
          f.pc++;
        }, false, [], true);
      case 'defer':
        return next((_s, me, f) => {
          // tasklet_schedule(), queue_work() and irq_work_queue() do nothing when the
          // item is already pending: one bit per item is the kernel's own state.
          if (instr.kind === 'tasklet') me.softPend |= 1 << this.softFns.indexOf(instr.fn);
          else if (instr.kind === 'work') me.workPend |= 1 << this.workFns.indexOf(instr.fn);
          else me.irqWorkPend |= 1 << this.irqWorkFns.indexOf(instr.fn);
          f.pc++;
        }, true);
      case 'sleep': {
        const atomic = !c.irqOn || c.hard + c.soft + c.nmi + c.preempt + c.bh > 0;
        // kernel/sched/core.c __might_sleep(): "BUG: sleeping function called from invalid context".
        const events: SimEvent[] = atomic
          ? [{ kind: 'warn', reason: 'sleep-in-atomic', message: `${instr.text} may sleep, but this CPU is atomic` }]
          : [];
        return next((_s, _me, f) => { f.pc++; }, true, events);
      }
      case 'count-reset':
        return next((_s, _me, f) => { f.counters[instr.slot] = 0; f.pc++; }, true);
      case 'count': {
        if (top.counters[instr.slot] >= instr.bound) {
          const deaf = this.others(cpu).filter((t) => !state.cpus[t].irqOn && (state.cpus[t].ownIpiPend || state.cpus[t].queue.length > 0));
          const why = deaf.length > 0 ? `: CPU ${deaf.join(', ')} has IRQs off and never took the IPI` : '';
          const events: SimEvent[] = instr.giveUp
            ? [{ kind: 'gave-up', message: `gave up waiting after ${instr.bound} spins (${instr.text})${why}`, deaf }]
            : [];
          return next((_s, _me, f) => { f.pc = instr.exit; }, true, events);
        }
        return next((_s, _me, f) => { f.counters[instr.slot]++; f.pc++; }, true);
      }
    }
  }

  /** The CSDs a csd_lock_wait() after a send of this kind spins on. */
  waitedCsds(cpu: number, kind: 'cfd' | 'single' | 'stack' | 'async', level: number): number[] {
    if (kind === 'single') return [this.csdIndex('single', cpu, 0)];
    if (kind === 'stack') return [this.csdIndex('stack', cpu, level)];
    if (kind === 'cfd') return this.others(cpu).map((t) => this.csdIndex('cfd', cpu, t));
    return [];
  }

  others(cpu: number): number[] {
    const out: number[] = [];
    for (let t = 0; t < this.n; t++) if (t !== cpu) out.push(t);
    return out;
  }

  /**
   * smp_call_function_many_cond() / smp_call_function_single(): csd_lock() each CSD
   * (spinning while a previous use is still in flight), queue it on the target and raise
   * the IPI. smp_call_function_single_async() instead returns -EBUSY on a busy CSD.
   */
  private xcallSend(state: MachineState, cpu: number, instr: Instr & { op: 'xcall-send' }, label: StepLabel, out: Successor[]): void {
    const c = state.cpus[cpu];
    const events: SimEvent[] = [];
    if (instr.csd !== 'async') {
      // kernel/smp.c: "Can deadlock when called with interrupts disabled" and
      // WARN_ON_ONCE(!in_task()) in both smp_call_function_single() and _many_cond().
      if (!c.irqOn) events.push({ kind: 'warn', reason: 'xcall-irqs-off', message: `${instr.text} with IRQs disabled` });
      if (c.hard + c.soft + c.nmi > 0) events.push({ kind: 'warn', reason: 'xcall-not-in-task', message: `${instr.text} from interrupt context` });
    }
    const targetSets = instr.targets === 'others' ? [this.others(cpu)] : this.others(cpu).map((t) => [t]);
    for (const targets of targetSets) {
      const csds = targets.map((t) => this.sendCsd(instr, cpu, t, this.level(c)));
      if (instr.csd !== 'async' && csds.some((i) => state.csd[i])) continue;
      const s = cloneState(state);
      targets.forEach((t, k) => {
        if (s.csd[csds[k]]) return;
        s.csd[csds[k]] = true;
        s.cpus[t].queue.push({ fn: instr.fn, csd: csds[k], sync: instr.sync });
      });
      s.cpus[cpu].stack[s.cpus[cpu].stack.length - 1].pc++;
      out.push({ cpu, state: s, label, events, local: false });
    }
  }

  private sendCsd(instr: Instr & { op: 'xcall-send' }, cpu: number, target: number, level: number): number {
    switch (instr.csd) {
      case 'cfd':
        return this.csdIndex('cfd', cpu, target);
      case 'single':
        return this.csdIndex('single', cpu, 0);
      case 'stack':
        return this.csdIndex('stack', cpu, level);
      case 'async':
        return this.csdIndex('async', cpu, target, instr.site);
    }
  }
}

function newFrame(fn: number, tag: FrameTag, savedIrq: boolean, counterSlots: number): Frame {
  return { fn, pc: 0, tag, savedIrq, csd: -1, flags: 0, counters: new Array<number>(counterSlots).fill(0) };
}

function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

function sameObservable(a: CpuState, b: CpuState): boolean {
  return a.irqOn === b.irqOn && a.bh === b.bh && a.hard === b.hard && a.soft === b.soft && a.nmi === b.nmi && a.softPend === b.softPend;
}

function applyStore(old: number, value: StoreValue): number {
  const v = 'set' in value ? value.set : old + value.add;
  return Math.max(0, Math.min(MAX_VALUE, v));
}

function readsVars(g: Guard): boolean {
  return g.atoms.some((a) => a.kind === 'var');
}

/** Copies the state, deep-copying only the CPUs whose state a step may change. */
function cloneState(s: MachineState, only?: number): MachineState {
  return {
    cpus: s.cpus.map((c, i) => (only === undefined || i === only ? cloneCpu(c) : c)),
    owner: s.owner.slice(),
    vars: s.vars.slice(),
    csd: s.csd.slice(),
    fired: s.fired.slice(),
  };
}

function cloneCpu(c: CpuState): CpuState {
  return {
    ...c,
    stack: c.stack.map((f) => ({ ...f, counters: f.counters.slice() })),
    queue: c.queue.slice(),
  };
}

/** Which outcomes a guard can have: unknown atoms may be either. */
export function evalGuard(g: Guard, s: MachineState, c: CpuState): { true: boolean; false: boolean } {
  let canTrue = g.join === 'and';
  let canFalse = g.join === 'or';
  if (g.join === 'and') {
    // true when every atom can be true; false when some atom can be false
    for (const a of g.atoms) {
      const v = evalAtom(a, s, c);
      if (v === false) canTrue = false;
      if (v !== true) canFalse = true;
    }
  } else {
    // true when some atom can be true; false when every atom can be false
    for (const a of g.atoms) {
      const v = evalAtom(a, s, c);
      if (v !== false) canTrue = true;
      if (v === true) canFalse = false;
    }
  }
  return { true: canTrue, false: canFalse };
}

function evalAtom(a: GuardAtom, s: MachineState, c: CpuState): boolean | null {
  switch (a.kind) {
    case 'unknown':
      return null;
    case 'var':
      return compare(s.vars[a.v], a.cmp, a.rhs);
    case 'ctx': {
      const atomic = !c.irqOn || c.hard + c.soft + c.nmi + c.preempt + c.bh > 0;
      const holds =
        (a.hardirq && c.hard > 0) ||
        (a.softirq && c.soft + c.bh > 0) ||
        (a.nmi && c.nmi > 0) ||
        (a.irqsOff && !c.irqOn) ||
        (a.atomic && atomic);
      return a.negated ? !holds : holds;
    }
  }
}

function compare(x: number, cmp: Cmp, y: number): boolean {
  switch (cmp) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

const TAG_CODE: Record<FrameTag, number> = { call: 0, hardirq: 1, softirq: 2, nmi: 3, csd: 4, work: 5 };

/**
 * A canonical key for state hashing: every field as one UTF-16 code unit (all values are
 * small), so keys stay short and cheap to hash.
 */
export function encodeState(s: MachineState): string {
  const codes: number[] = [];
  for (const c of s.cpus) {
    codes.push(c.stack.length);
    for (const f of c.stack) {
      codes.push(f.fn + 2, f.pc, TAG_CODE[f.tag] * 2 + (f.savedIrq ? 1 : 0), f.csd + 1, f.flags, f.counters.length, ...f.counters);
    }
    codes.push((c.irqOn ? 1 : 0) | (c.ownIpiPend ? 2 : 0), c.hard, c.soft, c.nmi, c.bh, c.preempt, c.softPend, c.workPend, c.irqWorkPend, c.queue.length);
    for (const q of c.queue) codes.push(q.fn + 2, q.csd, q.sync ? 1 : 0);
  }
  for (const o of s.owner) codes.push(o + 1);
  for (const v of s.vars) codes.push(v);
  for (let i = 0; i < s.csd.length; i += 16) {
    let bits = 0;
    for (let j = i; j < Math.min(i + 16, s.csd.length); j++) if (s.csd[j]) bits |= 1 << (j - i);
    codes.push(bits);
  }
  for (const f of s.fired) codes.push(f);
  return String.fromCharCode(...codes);
}
