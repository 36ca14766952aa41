/**
 * The timeline's view model (client/src/timelineModel.ts): what the webview draws from the
 * simulator's JSON. The input crosses a process boundary, so bad shapes must give a reason,
 * not an exception.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseTimeline } from '../client/src/timelineModel';

const idle = (cpu: number) => ({ cpu, irqs: 'on', context: 'idle', function: null, locks: [], pendingIpis: 0, preempt: 0 });
const peer = (pendingIpis: number) => ({ cpu: 1, irqs: 'off', context: 'task', function: 'peer', locks: ['cfd_lock'], pendingIpis, preempt: 1 });
const timer = (pendingIpis: number) => ({ cpu: 0, irqs: 'off', context: 'hardirq', function: 'be_callback', locks: [], pendingIpis, preempt: 0 });

/** The DTrace deadman shape, cut down: CPU 1 sends an IPI with IRQs off, CPU 0 does the same from an hrtimer. */
const deadlock = {
  title: 'smp_call_function reached from hrtimer be_callback',
  cpus: 2,
  verdict: { kind: 'deadlock', exhaustive: false, bound: 0, limit: null, preemptions: 0, summary: 'deadlock: the CPUs wait for each other forever' },
  trace: {
    steps: [
      { index: 0, cpu: 1, instruction: 'smp_call_function(fn, NULL, 1)', file: '(another CPU)', line: 0, col: 0, synthetic: true, preemption: false, cpus: [{ ...idle(0), pendingIpis: 1 }, peer(0)] },
      { index: 1, cpu: 0, instruction: 'hrtimer fires: be_callback()', file: '/src/cyclic.c', line: 15, col: 28, synthetic: false, preemption: false, cpus: [timer(1), peer(0)] },
      { index: 2, cpu: 0, instruction: 'smp_call_function(func, arg, 1)', file: '/src/dtrace_xcall.c', line: 16, col: 2, synthetic: false, preemption: false, event: 'smp_call_function() with IRQs disabled', cpus: [timer(1), peer(1)] },
    ],
    blocked: [
      { cpu: 0, instruction: 'smp_call_function(func, arg, 1)', file: '/src/dtrace_xcall.c', line: 16, col: 2, waitingFor: 'CPU 1 to take the IPI' },
      { cpu: 1, instruction: 'csd_lock_wait()', file: '(another CPU)', line: 0, col: 0, waitingFor: 'CPU 0 to take the IPI' },
    ],
  },
  warnings: [],
  stats: { statesExplored: 10, transitions: 12, elapsedMs: 1, statesPerSecond: 10000 },
  notes: ['CPU 1 is assumed to make its own cross-CPU call with IRQs off.'],
};
const deferred = {
  ...deadlock,
  verdict: { kind: 'no-deadlock', exhaustive: true, bound: 2, limit: null, summary: 'no deadlock in any interleaving' },
  trace: null,
};

test('a deadlock trace becomes lanes, IPI arrows in both directions, the deadlock row and the stuck CPUs', () => {
  const r = parseTimeline('heading', deadlock, { mode: 'workqueue', before: deadlock, after: deferred });
  assert.ok(r.ok);
  const [asWritten, whatIf] = r.model.runs;
  assert.ok(asWritten && whatIf);
  assert.equal(asWritten.steps.length, 3);
  assert.deepEqual(asWritten.ipis, [
    { step: 0, fromCpu: 1, toCpu: 0 },
    { step: 2, fromCpu: 0, toCpu: 1 },
  ]);
  assert.equal(asWritten.highlightStep, 2);
  assert.deepEqual(asWritten.stuck.map((s) => s.cpu), [0, 1]);
  assert.deepEqual(asWritten.steps[1]?.lanes.map((l) => l.irqsOff), [true, true]);
  assert.deepEqual(asWritten.steps[1]?.lanes[1]?.locks, ['cfd_lock']);
  assert.equal(asWritten.steps[0]?.revealable, false, 'code the scenario assumed has no line to reveal');
  assert.equal(asWritten.steps[1]?.where, 'cyclic.c:15');
  assert.equal(whatIf.label, 'What if: deferred to a work item');
  assert.equal(whatIf.verdictKind, 'no-deadlock');
  assert.equal(whatIf.steps.length, 0);
});

test('the webview names a step, and the source behind it stays on the extension side', () => {
  const r = parseTimeline('heading', deadlock, null);
  assert.ok(r.ok);
  assert.equal(r.model.runs.length, 1);
  assert.deepEqual(r.sources[0]?.[2], { file: '/src/dtrace_xcall.c', line: 16, col: 2 });
  assert.ok(!JSON.stringify(r.model).includes('/src/'), 'no file system path is posted to the webview');
});

test('the screen-reader summary says the verdict, every step, the IPIs and what each stuck CPU waits for', () => {
  const r = parseTimeline('heading', deadlock, null);
  assert.ok(r.ok);
  const summary = r.model.runs[0]?.summary.join('\n') ?? '';
  assert.match(summary, /As written: deadlock/);
  assert.match(summary, /Step 2, CPU 0: hrtimer fires: be_callback\(\) at cyclic\.c:15; then hardirq in be_callback, IRQs off/);
  assert.match(summary, /CPU 1 sends an IPI to CPU 0/);
  assert.match(summary, /CPU 1 is stuck in csd_lock_wait\(\), waiting for CPU 0 to take the IPI/);
});

test('a simulation this client cannot read is refused with a reason', () => {
  for (const bad of [null, 42, 'deadlock', { verdict: { kind: 'maybe' } }, { cpus: 2 }]) {
    const r = parseTimeline('heading', bad, null);
    assert.equal(r.ok, false, JSON.stringify(bad));
  }
});

test('malformed steps are dropped field by field instead of failing the whole timeline', () => {
  const r = parseTimeline('heading', { ...deadlock, trace: { steps: [null, { cpu: 0, instruction: 7, cpus: 'x' }], blocked: 'none' } }, null);
  assert.ok(r.ok);
  assert.equal(r.model.runs[0]?.steps.length, 1);
  assert.equal(r.model.runs[0]?.steps[0]?.instruction, '');
  assert.deepEqual(r.model.runs[0]?.stuck, []);
});
