/**
 * Scenario -> Promela, for SPIN. The model encodes machine.ts's rules one for one: each
 * virtual CPU is a process whose `do` loop has one alternative per kind of step the
 * machine can take (an instruction, taking an interrupt, a kernel thread running), each
 * a d_step, so SPIN's transitions are the machine's transitions. A watchdog asserts,
 * when nothing can move any more (`timeout`), that every CPU has finished: the
 * simulator's deadlock is SPIN's assertion violation.
 *
 * Several scenarios can share one model (toPromelaBatch): `init` picks one and starts its
 * CPUs, and one never claim per scenario (`./pan -N s3`) prunes every other choice, so a
 * single pan binary checks each scenario on its own. That keeps the SPIN agreement test
 * to a few C compilations instead of hundreds.
 */
import type { Guard, GuardAtom, Instr, Scenario } from './instructions';
import { MAX_VALUE } from './instructions';
import { Machine } from './machine';

const TAG = { call: 0, hardirq: 1, softirq: 2, nmi: 3, csd: 4, work: 5 } as const;

export interface PromelaModel {
  text: string;
  /** The text the watchdog's assertion prints, to tell a deadlock from other errors. */
  deadlockAssertion: string;
}

export interface PromelaBatch extends PromelaModel {
  /** Per scenario, in order, the never claim that selects it: `./pan -N <claim>`. */
  claims: string[];
}

/**
 * Frame addresses above any function's instructions: the kernel's own routines, and one
 * address standing for every `return` (so the long frame-pop code is written once per
 * scenario instead of once per return statement, which keeps pan.c small).
 */
const FLUSH = 30000;
const SOFTRUN = 30001;
const RET = 30002;

export function toPromela(scenario: Scenario): PromelaModel {
  const { text, deadlockAssertion } = writeModel([scenario], false);
  return { text, deadlockAssertion };
}

export function toPromelaBatch(scenarios: Scenario[]): PromelaBatch {
  return writeModel(scenarios, true);
}

function writeModel(scenarios: Scenario[], claims: boolean): PromelaBatch {
  const writers = scenarios.map((s, i) => new ScenarioWriter(s, i));
  const maxOf = (f: (w: ScenarioWriter) => number, min = 1): number => Math.max(min, ...writers.map(f));
  const n = maxOf((w) => w.n, 2);
  const depth = maxOf((w) => w.stackDepth());
  const k = maxOf((w) => w.k);
  const qcap = Math.min(255, maxOf((w) => (w.n - 1) * (6 + w.s.asyncSites) + 1));
  const deadlockAssertion = range(n).map((c) => `sp[${c}] == 0`).join(' && ');
  const L: string[] = [];
  L.push(`/* irqlens: ${scenarios.length === 1 ? comment(scenarios[0].title) : `${scenarios.length} scenarios, one per never claim`} */`);
  L.push(`#define D ${depth}`, `#define K ${k}`, `#define NONE 255`, `#define MAXV ${MAX_VALUE}`, `#define FLUSH ${FLUSH}`, `#define SOFTRUN ${SOFTRUN}`, `#define RET ${RET}`);
  for (const [name, v] of Object.entries(TAG)) L.push(`#define T_${name.toUpperCase()} ${v}`);
  L.push('');
  L.push(`bool irqOn[${n}] = 1;`, `byte hard[${n}];`, `byte soft[${n}];`, `byte nmi[${n}];`, `byte bh[${n}];`, `byte pre[${n}];`);
  L.push(`int spend[${n}];`, `int wpend[${n}];`, `int iwpend[${n}];`, `bool opend[${n}];`, `bool inwork[${n}];`, `byte sp[${n}];`);
  L.push(`byte owner[${maxOf((w) => w.s.locks.length)}] = NONE;`, `byte v[${maxOf((w) => w.s.vars.length)}];`);
  L.push(`bool csd[${maxOf((w) => w.m.csdCount)}];`, `byte fired[${maxOf((w) => w.s.triggers.length)}];`);
  L.push(`chan q[${n}] = [${qcap}] of { short, byte, bool };`, 'byte sel = NONE;');
  L.push('');
  L.push(...sharedMacros(k));
  for (const w of writers) L.push(...w.proctype());
  L.push('init {', '  if');
  writers.forEach((w, i) => L.push(`  :: atomic { sel = ${i}; ${range(w.n).map((c) => `run cpu${i}(${c})`).join('; ')} }`));
  L.push('  fi', '}', '');
  L.push('active proctype watchdog() {', `  timeout -> assert(${deadlockAssertion})`, '}');
  const names = scenarios.map((_, i) => `s${i}`);
  if (claims) names.forEach((name, i) => L.push(`never ${name} { do :: sel == NONE || sel == ${i} od }`));
  return { text: L.join('\n') + '\n', deadlockAssertion, claims: names };
}

/** Frame push/pop and the kernel's entry/exit paths, as in machine.ts. */
function sharedMacros(k: number): string[] {
  const clear = (at: string): string => range(k).map((i) => `cnt[${at} * K + ${i}] = 0`).join('; ');
  return [
    '#define TOP pc[sp[me] - 1]',
    '#define INTR (hard[me] + soft[me] + nmi[me])',
    '#define LEVEL (nmi[me] > 0 -> 3 : (hard[me] > 0 -> 2 : (soft[me] > 0 -> 1 : 0)))',
    '#define ATOMIC (!irqOn[me] || INTR + pre[me] + bh[me] > 0)',
    `inline PUSH(a, tg, saved) { assert(sp[me] < D); pc[sp[me]] = a; tag[sp[me]] = tg; sirq[sp[me]] = saved; fcsd[sp[me]] = 0; flg[sp[me]] = 0; ${clear('sp[me]')}; sp[me]++ }`,
    'inline ENTER_IRQ(a) { PUSH(a, T_HARDIRQ, irqOn[me]); irqOn[me] = 0; hard[me]++ }',
    'inline ENTER_NMI(a) { PUSH(a, T_NMI, irqOn[me]); irqOn[me] = 0; nmi[me]++ }',
    'inline ENTER_SOFT() { PUSH(SOFTRUN, T_SOFTIRQ, irqOn[me]); irqOn[me] = 1; soft[me]++ }',
    'inline RUN_SOFT_IF_ALLOWED() { if :: spend[me] != 0 && INTR + bh[me] == 0 -> ENTER_SOFT() :: else -> skip fi }',
    'inline RETURN() {',
    '  sp[me]--;',
    '  if',
    '  :: tag[sp[me]] == T_HARDIRQ -> hard[me]--; irqOn[me] = sirq[sp[me]]; t = T_HARDIRQ',
    '  :: tag[sp[me]] == T_NMI -> nmi[me]--; irqOn[me] = sirq[sp[me]]; t = T_NMI',
    '  :: tag[sp[me]] == T_SOFTIRQ -> soft[me]--; irqOn[me] = sirq[sp[me]]; t = T_SOFTIRQ',
    '  :: tag[sp[me]] == T_CSD -> csd[fcsd[sp[me]]] = 0; t = T_CSD',
    '  :: tag[sp[me]] == T_WORK -> inwork[me] = 0; t = T_WORK',
    '  :: else -> t = tag[sp[me]]',
    '  fi;',
    `  pc[sp[me]] = 0; tag[sp[me]] = 0; sirq[sp[me]] = 0; fcsd[sp[me]] = 0; flg[sp[me]] = 0; ${clear('sp[me]')};`,
    '  if :: t == T_HARDIRQ -> RUN_SOFT_IF_ALLOWED() :: else -> skip fi;',
    '  t = 0',
    '}',
    '',
  ];
}

/** One scenario's CPU process: every step the machine can take, as one alternative each. */
class ScenarioWriter {
  readonly m: Machine;
  readonly n: number;
  readonly k: number;
  private readonly base: number[] = [];
  private readonly lines: string[] = [];

  constructor(
    readonly s: Scenario,
    private readonly id: number,
  ) {
    this.m = new Machine(s);
    this.n = s.cpus;
    let addr = 0;
    for (const f of s.functions) {
      this.base.push(addr);
      addr += f.instrs.length;
    }
    if (addr >= FLUSH) throw new Error(`scenario too large for Promela export: ${addr} instructions`);
    this.k = Math.max(1, ...s.functions.map((f) => f.counterSlots));
  }

  proctype(): string[] {
    const s = this.s;
    const L = this.lines;
    L.push(`/* scenario ${this.id}: ${comment(s.title)} */`);
    L.push(`proctype cpu${this.id}(byte me) {`);
    L.push('  short pc[D];', '  byte tag[D];', '  bool sirq[D];', '  byte fcsd[D];', '  byte flg[D];', '  byte cnt[D * K];');
    L.push('  short qa; byte qc; bool qs; byte t;');
    L.push('  d_step {', '    if');
    s.tasks.forEach((task, cpu) => {
      if (task !== null) L.push(`    :: me == ${cpu} -> PUSH(${this.addr(task, 0)}, T_CALL, 1)`);
    });
    L.push('    :: else -> skip', '    fi', '  };');
    L.push('end:', '  do');
    this.interrupts();
    this.threads();
    this.kernelFrames();
    s.functions.forEach((f, fi) => f.instrs.forEach((ins, pc) => this.instr(ins, fi, pc)));
    L.push('  od', '}', '');
    return L;
  }

  /** The Promela address of an instruction: RET for every return. */
  private addr(fn: number, pc: number): number {
    return this.s.functions[fn].instrs[pc].op === 'ret' ? RET : this.base[fn] + pc;
  }

  /** "Every CSD this sender's smp_call_function_many_cond() uses is free." */
  private cfdFree(): string {
    return `(${range(this.n)
      .map((c) => `(me == ${c}${this.m.others(c).map((t) => ` && !csd[${this.m.csdIndex('cfd', c, t)}]`).join('')})`)
      .join(' || ')})`;
  }

  private singleCsd(): string {
    return `(${this.n * this.n} + me)`;
  }

  private stackCsd(): string {
    return `(${this.n * this.n + this.n} + me * 4 + LEVEL)`;
  }

  private forOthers(body: string): string {
    return `t = 0; do :: t < ${this.n} -> if :: t != me -> ${body} :: else -> skip fi; t++ :: else -> break od; t = 0`;
  }

  private alt(guard: string, body: string, note: string): void {
    this.lines.push(`  :: d_step { ${guard} -> ${body} } /* ${comment(note)} */`);
  }

  /** Lowest-set-bit alternatives for a pending mask, as machine.ts picks the lowest bit. */
  private lowestBits(mask: string, count: number, each: (bit: number) => { guard: string; body: string; note: string }): void {
    for (let bit = 0; bit < count; bit++) {
      const e = each(bit);
      this.alt(`(${mask} & ${(1 << (bit + 1)) - 1}) == ${1 << bit} && ${e.guard}`, `${mask} = ${mask} & ${~(1 << bit)}; ${e.body}`, e.note);
    }
  }

  private interrupts(): void {
    const s = this.s;
    s.triggers.forEach((t, ti) => {
      const cpus = `(${t.cpus.map((c) => `me == ${c}`).join(' || ')})`;
      const enabled = t.base === 'nmi' ? 'nmi[me] == 0' : 'irqOn[me]';
      const addr = this.addr(t.fn, 0);
      const body =
        t.base === 'softirq'
          ? `spend[me] = spend[me] | ${1 << this.m.softFns.indexOf(t.fn)}; RUN_SOFT_IF_ALLOWED()`
          : t.base === 'nmi'
            ? `ENTER_NMI(${addr})`
            : `ENTER_IRQ(${addr})`;
      this.alt(`fired[${ti}] < ${t.fires} && ${cpus} && ${enabled}`, `fired[${ti}]++; ${body}`, `${t.label} fires: ${s.functions[t.fn].name}`);
    });
    const irq = 'irqOn[me] && nmi[me] == 0';
    this.alt(`${irq} && len(q[me]) > 0`, 'ENTER_IRQ(FLUSH)', 'call-function IPI');
    if (s.ownIpiHandler !== null) this.alt(`${irq} && opend[me]`, `opend[me] = 0; ENTER_IRQ(${this.addr(s.ownIpiHandler, 0)})`, 'own IPI vector');
    this.lowestBits('iwpend[me]', this.m.irqWorkFns.length, (bit) => ({
      guard: irq,
      body: `ENTER_IRQ(${this.addr(this.m.irqWorkFns[bit], 0)})`,
      note: `irq_work ${s.functions[this.m.irqWorkFns[bit]].name}`,
    }));
  }

  private threads(): void {
    const sched = 'irqOn[me] && INTR + pre[me] + bh[me] == 0';
    this.lowestBits('wpend[me]', this.m.workFns.length, (bit) => ({
      guard: `${sched} && !inwork[me]`,
      body: `PUSH(${this.addr(this.m.workFns[bit], 0)}, T_WORK, 1); inwork[me] = 1`,
      note: `kworker runs ${this.s.functions[this.m.workFns[bit]].name}`,
    }));
    this.alt(`${sched} && spend[me] != 0`, 'ENTER_SOFT()', 'ksoftirqd');
  }

  private kernelFrames(): void {
    const top = 'sp[me] > 0 && TOP';
    this.alt(
      `${top} == FLUSH && len(q[me]) > 0`,
      'q[me]?qa,qc,qs; if :: !qs -> csd[qc] = 0; PUSH(qa, T_CALL, 1) :: else -> PUSH(qa, T_CSD, 1); fcsd[sp[me] - 1] = qc fi; qa = 0; qc = 0; qs = 0',
      'flush: run the next CSD',
    );
    this.alt(`sp[me] > 0 && (TOP == RET || (TOP == FLUSH && len(q[me]) == 0) || (TOP == SOFTRUN && spend[me] == 0))`, 'RETURN()', 'return; flush done (irq_exit); softirqs done');
    this.lowestBits('spend[me]', this.m.softFns.length, (bit) => ({
      guard: `${top} == SOFTRUN`,
      body: `PUSH(${this.addr(this.m.softFns[bit], 0)}, T_CALL, 1)`,
      note: `softirq runs ${this.s.functions[this.m.softFns[bit]].name}`,
    }));
  }

  private instr(ins: Instr, fi: number, pc: number): void {
    // Every return is the one RET alternative (see kernelFrames).
    if (ins.op === 'ret') return;
    const at = `sp[me] > 0 && TOP == ${this.addr(fi, pc)}`;
    const next = `TOP = ${this.addr(fi, pc + 1)}`;
    const note = ins.text;
    const frame = 'sp[me] - 1';
    const jump = (to: number): string => `TOP = ${this.addr(fi, to)}`;
    const floorDec = (x: string): string => `if :: ${x} > 0 -> ${x}-- :: else -> skip fi`;
    switch (ins.op) {
      case 'irq-off':
        return this.alt(at, `irqOn[me] = 0; ${next}`, note);
      case 'irq-on':
        return this.alt(at, `irqOn[me] = 1; ${next}`, note);
      case 'irq-save':
        return this.alt(at, `flg[${frame}] = (irqOn[me] -> flg[${frame}] | ${1 << ins.slot} : flg[${frame}] & ${~(1 << ins.slot)}); irqOn[me] = 0; ${next}`, note);
      case 'irq-restore':
        return this.alt(at, `irqOn[me] = ((flg[${frame}] >> ${ins.slot}) & 1); ${next}`, note);
      case 'bh-off':
        return this.alt(at, `bh[me]++; ${next}`, note);
      case 'bh-on':
        return this.alt(at, `${floorDec('bh[me]')}; ${next}; RUN_SOFT_IF_ALLOWED()`, note);
      case 'preempt-off':
        return this.alt(at, `pre[me]++; ${next}`, note);
      case 'preempt-on':
        return this.alt(at, `${floorDec('pre[me]')}; ${next}`, note);
      case 'lock':
        return this.alt(`${at} && owner[${ins.lock}] == NONE`, `owner[${ins.lock}] = me; pre[me]++; ${next}`, note);
      case 'unlock':
        return this.alt(at, `if :: owner[${ins.lock}] == me -> owner[${ins.lock}] = NONE :: else -> skip fi; ${floorDec('pre[me]')}; ${next}`, note);
      case 'call':
        // The caller's frame holds its return address from the call on (machine.ts
        // advances it on return instead; no step can see the difference), so a return
        // into a `return` lands on RET.
        return this.alt(at, `${next}; PUSH(${this.addr(ins.fn, 0)}, T_CALL, 1)`, note);
      case 'jump':
        return this.alt(at, jump(ins.to), note);
      case 'branch': {
        const { canTrue, canFalse } = guardExprs(ins.guard);
        if (canTrue !== '0') this.alt(`${at} && ${canTrue}`, jump(ins.to), note);
        if (canFalse !== '0') this.alt(`${at} && ${canFalse}`, next, note);
        return;
      }
      case 'await': {
        const { canTrue } = guardExprs(ins.guard);
        if (canTrue !== '0') this.alt(`${at} && ${canTrue}`, next, note);
        return;
      }
      case 'store': {
        const v = `v[${ins.v}]`;
        const value = 'set' in ins.value ? `${Math.min(ins.value.set, MAX_VALUE)}` : ins.value.add > 0 ? `(${v} < MAXV -> ${v} + 1 : MAXV)` : `(${v} > 0 -> ${v} - 1 : 0)`;
        return this.alt(at, `${v} = ${value}; ${next}`, note);
      }
      case 'xcall-send':
        return this.xcallSend(ins, at, next);
      case 'xcall-wait': {
        const free = ins.csd === 'cfd' ? this.cfdFree() : ins.csd === 'single' ? `!csd[${this.singleCsd()}]` : ins.csd === 'stack' ? `!csd[${this.stackCsd()}]` : '1';
        return this.alt(`${at} && ${free}`, next, note);
      }
      case 'raise-ipi':
        return this.alt(at, `${this.forOthers('opend[t] = 1')}; ${next}`, note);
      case 'defer': {
        const [mask, fns] = ins.kind === 'tasklet' ? ['spend', this.m.softFns] : ins.kind === 'work' ? ['wpend', this.m.workFns] : ['iwpend', this.m.irqWorkFns];
        return this.alt(at, `${mask}[me] = ${mask}[me] | ${1 << fns.indexOf(ins.fn)}; ${next}`, note);
      }
      case 'sleep':
        return this.alt(at, next, note);
      case 'count-reset':
        return this.alt(at, `cnt[(${frame}) * K + ${ins.slot}] = 0; ${next}`, note);
      case 'count': {
        const c = `cnt[(${frame}) * K + ${ins.slot}]`;
        this.alt(`${at} && ${c} >= ${ins.bound}`, jump(ins.exit), `${note} (gives up)`);
        return this.alt(`${at} && ${c} < ${ins.bound}`, `${c}++; ${next}`, note);
      }
    }
  }

  /** One alternative per possible target set, as machine.ts's xcallSend. */
  private xcallSend(ins: Instr & { op: 'xcall-send' }, at: string, next: string): void {
    const fnAddr = this.addr(ins.fn, 0);
    const sync = ins.sync ? 1 : 0;
    const csdFor = (t: string): string => {
      switch (ins.csd) {
        case 'cfd':
          return `(me * ${this.n} + ${t})`;
        case 'single':
          return this.singleCsd();
        case 'stack':
          return this.stackCsd();
        case 'async':
          return `(${this.m.csdIndex('async', 0, 0, ins.site)} + ${t})`;
      }
    };
    const enqueue = (t: string): string =>
      ins.csd === 'async'
        ? `if :: !csd[${csdFor(t)}] -> csd[${csdFor(t)}] = 1; q[${t}]!${fnAddr},${csdFor(t)},${sync} :: else -> skip fi`
        : `csd[${csdFor(t)}] = 1; q[${t}]!${fnAddr},${csdFor(t)},${sync}`;
    if (ins.targets === 'others') {
      this.alt(ins.csd === 'cfd' ? `${at} && ${this.cfdFree()}` : at, `${this.forOthers(enqueue('t'))}; ${next}`, ins.text);
      return;
    }
    for (let target = 0; target < this.n; target++) {
      const busy = ins.csd === 'async' ? '' : ` && !csd[${csdFor(String(target))}]`;
      this.alt(`${at} && me != ${target}${busy}`, `${enqueue(String(target))}; ${next}`, `${ins.text} -> CPU ${target}`);
    }
  }

  /**
   * A bound on frames per CPU: the task's calls, one kworker preempting it, one softirq
   * run, hardirqs (twice, should a handler re-enable IRQs) and an NMI.
   */
  stackDepth(): number {
    const s = this.s;
    const memo = new Map<number, number>();
    const depth = (f: number): number => {
      const known = memo.get(f);
      if (known !== undefined) return known;
      memo.set(f, 1);
      let d = 1;
      for (const i of s.functions[f].instrs) if (i.op === 'call') d = Math.max(d, 1 + depth(i.fn));
      memo.set(f, d);
      return d;
    };
    const max = (fns: number[]): number => fns.reduce((m, f) => Math.max(m, depth(f)), 0);
    const xcallFns = s.functions.flatMap((f) => f.instrs.flatMap((i) => (i.op === 'xcall-send' ? [i.fn] : [])));
    const hardFns = s.triggers.filter((t) => t.base === 'hardirq').map((t) => t.fn);
    const nmiFns = s.triggers.filter((t) => t.base === 'nmi').map((t) => t.fn);
    const task = max(s.tasks.filter((t): t is number => t !== null));
    const work = max(this.m.workFns);
    const soft = 1 + max(this.m.softFns);
    const hard = 1 + Math.max(max(hardFns), max(this.m.irqWorkFns), s.ownIpiHandler === null ? 0 : depth(s.ownIpiHandler), 1 + max(xcallFns));
    return Math.min(255, task + work + soft + 2 * hard + max(nmiFns) + 2);
  }
}

function guardExprs(g: Guard): { canTrue: string; canFalse: string } {
  const can = (a: GuardAtom, want: boolean): string => {
    const e = atomExpr(a);
    if (e === null) return '1';
    return want ? e : `!${e}`;
  };
  const join = (parts: string[], op: '&&' | '||', empty: string): string => (parts.length === 0 ? empty : `(${parts.join(` ${op} `)})`);
  if (g.join === 'and') {
    return { canTrue: join(g.atoms.map((a) => can(a, true)), '&&', '1'), canFalse: join(g.atoms.map((a) => can(a, false)), '||', '0') };
  }
  return { canTrue: join(g.atoms.map((a) => can(a, true)), '||', '0'), canFalse: join(g.atoms.map((a) => can(a, false)), '&&', '1') };
}

/** The atom as a Promela boolean expression; null when unknown (either outcome). */
function atomExpr(a: GuardAtom): string | null {
  switch (a.kind) {
    case 'unknown':
      return null;
    case 'var':
      return `(v[${a.v}] ${a.cmp} ${a.rhs})`;
    case 'ctx': {
      const parts: string[] = [];
      if (a.hardirq) parts.push('hard[me] > 0');
      if (a.softirq) parts.push('soft[me] + bh[me] > 0');
      if (a.nmi) parts.push('nmi[me] > 0');
      if (a.irqsOff) parts.push('!irqOn[me]');
      if (a.atomic) parts.push('ATOMIC');
      const holds = parts.length === 0 ? '0' : `(${parts.join(' || ')})`;
      return a.negated ? `(!${holds})` : holds;
    }
  }
}

function comment(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\n/g, ' ');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
