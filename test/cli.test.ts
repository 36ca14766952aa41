/** The CLI as a process on the example driver: exit codes, text, JSON and SARIF. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIXTURES, ROOT } from './support/fixtures';
import { validateSarif } from './support/sarifSchema';
import { tempDir } from './support/tempCache';

const BIN = path.join(ROOT, 'bin', 'irqlens.js');
const EXAMPLE = path.join(ROOT, 'examples', 'dtrace-deadman');

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return runWith(process.env, ...args);
}

function runWith(env: NodeJS.ProcessEnv, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const buggy = [path.join(EXAMPLE, 'buggy'), path.join(EXAMPLE, 'common')];
const fixed = [path.join(EXAMPLE, 'fixed'), path.join(EXAMPLE, 'common')];

test('the seed pattern: text output names the call, the context and every hop; exit 1', () => {
  const r = run('check', ...buggy);
  assert.equal(r.code, 1, r.stderr);
  const first = r.stdout.split('\n')[0];
  assert.match(first, /^\.\.\/common\/dtrace_xcall\.c:\d+:\d+: error: smp_call_function\(\) may run in hardirq context .*\[xcall-in-atomic\]$/);
  for (const fn of ['be_callback', 'dtrace_state_deadman', 'dtrace_sync', 'dtrace_xcall', 'orig_dtrace_xcall']) assert.match(r.stdout, new RegExp(`\\b${fn}: `));
  assert.match(r.stdout, /via pointer\s+be_callback: calls dtrace_state_deadman\(\) through a function pointer \(hdlr\.cyh_func = \(cyc_func_t\)dtrace_state_deadman\) \[stored at dtrace_state\.c:26:2\]/);
});

test('the corrected variant, deferring to a workqueue, has no finding; exit 0', () => {
  const r = run('check', ...fixed);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^0 findings in 5 files/m);
});

test('JSON output follows the versioned format with paths relative to the first argument', () => {
  const r = run('check', ...buggy, '--format', 'json');
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.version, 1);
  const f = report.findings.find((x: { callee: string }) => x.callee === 'smp_call_function');
  assert.ok(f);
  assert.deepEqual(Object.keys(f).sort(), ['callee', 'confidence', 'context', 'contexts', 'entryKind', 'id', 'location', 'message', 'moreWitnesses', 'path', 'rule', 'severity', 'why', 'witnesses'].sort());
  assert.equal(f.rule, 'xcall-in-atomic');
  assert.equal(f.context, 'hardirq');
  assert.equal(f.confidence, 'pointer');
  assert.equal(f.location.file, '../common/dtrace_xcall.c');
  assert.deepEqual(f.path[0], { ...f.path[0], function: 'be_callback', file: '../common/cyclic.c', kind: 'entry' });
  assert.deepEqual(f.path.map((s: { kind: string }) => s.kind), ['entry', 'indirect', 'call', 'call', 'call', 'forbidden']);
  assert.ok(report.stats.functions > 0);
});

test('SARIF output is valid SARIF 2.1.0 with the witness as a codeFlow', () => {
  const r = run('check', ...buggy, '--format=sarif');
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.stdout);
  assert.deepEqual(validateSarif(sarif), []);
  const result = sarif.runs[0].results[0];
  assert.equal(result.ruleId, 'xcall-in-atomic');
  assert.ok(result.codeFlows[0].threadFlows[0].locations.length >= 5);
});

test('usage and input errors exit 2 with a one-line reason', () => {
  const missing = run('check', path.join(os.tmpdir(), 'irqlens-no-such-dir'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^irqlens: .*irqlens-no-such-dir: no such file or directory\n$/);
  const badFormat = run('check', EXAMPLE, '--format', 'xml');
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr.split('\n')[0], /--format takes one of text, json, sarif/);
  assert.equal(run('frobnicate').code, 2);
});

test('--cache-dir: an unchanged rerun reuses the report; another option reuses every file\'s facts', () => {
  const dir = tempDir('cli');
  const cold = JSON.parse(run('check', ...buggy, '--format', 'json', '--cache-dir', dir, '--jobs', '2').stdout);
  const warm = JSON.parse(run('check', ...buggy, '--format', 'json', `--cache-dir=${dir}`).stdout);
  const all = JSON.parse(run('check', ...buggy, '--format', 'json', `--cache-dir=${dir}`, '--all').stdout);
  assert.deepEqual(cold.stats.cache, { report: false, hits: 0, misses: 5, rebuilt: 0, writeErrors: 0 });
  assert.deepEqual(warm.stats.cache, { report: true, hits: 0, misses: 0, rebuilt: 0, writeErrors: 0 });
  assert.deepEqual(all.stats.cache, { report: false, hits: 5, misses: 0, rebuilt: 0, writeErrors: 0 });
  assert.deepEqual(warm.findings, cold.findings);
  assert.deepEqual(all.findings, cold.findings);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['facts-v1', 'reports-v1']);
});

test('a changed file changes the report: the rerun parses that file only', () => {
  const src = tempDir('edit');
  const dir = tempDir('edit-cache');
  fs.writeFileSync(path.join(src, 'irq.c'), 'static irqreturn_t h(int irq, void *d)\n{\n\treturn IRQ_HANDLED;\n}\nint p(void) { return request_irq(1, h, 0, "h", 0); }\n');
  fs.writeFileSync(path.join(src, 'other.c'), 'int other(void) { return 0; }\n');
  assert.equal(run('check', src, '--cache-dir', dir).code, 0);
  fs.writeFileSync(path.join(src, 'irq.c'), 'static irqreturn_t h(int irq, void *d)\n{\n\tmsleep(1);\n\treturn IRQ_HANDLED;\n}\nint p(void) { return request_irq(1, h, 0, "h", 0); }\n');
  const r = run('check', src, '--cache-dir', dir, '--format', 'json');
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.stats.cache, { report: false, hits: 1, misses: 1, rebuilt: 0, writeErrors: 0 });
  assert.equal(report.findings[0].callee, 'msleep');
});

test('--no-cache reads and writes no cache, not even the one IRQLENS_CACHE_DIR names', () => {
  const dir = tempDir('nocache');
  const r = runWith({ ...process.env, IRQLENS_CACHE_DIR: dir }, 'check', ...buggy, '--format', 'json', '--no-cache', '--jobs=1');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).stats.cache, { report: false, hits: 0, misses: 0, rebuilt: 0, writeErrors: 0 });
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('a cache directory inside the analysed folder is refused: irqlens never writes into the sources', () => {
  const dir = tempDir('inside');
  fs.writeFileSync(path.join(dir, 'a.c'), 'void f(void) { }\n');
  const r = run('check', dir, '--cache-dir', path.join(dir, 'cache'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /is inside the analysed folder .*; caching disabled/);
  assert.deepEqual(fs.readdirSync(dir), ['a.c']);
  assert.equal(run('check', dir, '--jobs', '0').code, 2);
  assert.equal(run('check', dir, '--cache-dir').code, 2);
});

test('a bad .irqlens.json is reported with the path of each mistake, exit 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cfg-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.c'), 'void f(void) { }\n');
    fs.writeFileSync(path.join(dir, '.irqlens.json'), '{"entryPoints":[{"function":"f","context":"interrupt"}]}');
    const r = run('check', dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\$\.entryPoints\[0\]\.context: expected one of "process", "softirq", "hardirq", "nmi"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a configured entry point makes an otherwise unreachable function an IRQ root', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cfg-'));
  try {
    fs.writeFileSync(path.join(dir, 'ipi.c'), 'void my_vector_handler(void)\n{\n\ton_each_cpu(flush, NULL, 1);\n}\n');
    assert.equal(run('check', dir).code, 0);
    fs.writeFileSync(path.join(dir, '.irqlens.json'), JSON.stringify({ entryPoints: [{ function: 'my_vector_handler', context: 'hardirq', note: 'IPI vector in entry_64.S' }] }));
    const r = run('check', dir, '--format', 'json');
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).findings[0].callee, 'on_each_cpu');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a .irqlens.json that is a symbolic link out of the workspace is refused, not read; --config is the user\'s choice', () => {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cfg-')));
  try {
    const dir = path.join(tmp, 'ws');
    const outside = path.join(tmp, 'elsewhere.json');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'ipi.c'), 'void my_vector_handler(void)\n{\n\ton_each_cpu(flush, NULL, 1);\n}\n');
    fs.writeFileSync(outside, JSON.stringify({ entryPoints: [{ function: 'my_vector_handler', context: 'hardirq' }] }));
    fs.symlinkSync(outside, path.join(dir, '.irqlens.json'));
    const refused = run('check', dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /config .*\.irqlens\.json \(a link to .*elsewhere\.json\) is outside the workspace/);
    // The same file named on the command line is read: its entry point makes the finding.
    assert.equal(run('check', dir, '--config', outside).code, 1);
    // A link that stays inside the workspace is read too.
    fs.renameSync(outside, path.join(dir, 'irq.json'));
    fs.rmSync(path.join(dir, '.irqlens.json'));
    fs.symlinkSync(path.join(dir, 'irq.json'), path.join(dir, '.irqlens.json'));
    assert.equal(run('check', dir).code, 1);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('simulate: the seed path deadlocks with no preemption; deferred to a work item it cannot; exit 1', () => {
  const pml = path.join(os.tmpdir(), `irqlens-seed-${process.pid}.pml`);
  try {
    const r = run('simulate', ...buggy, '--finding', 'xcall-in-atomic:../common/dtrace_xcall.c:16:3', '--what-if', 'defer', '--promela', pml);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^As written: deadlock \(found with 0 preemptions; \d+ states\)$/m);
    assert.match(r.stdout, /^Deferred to a work item: no-deadlock \(exhaustive; \d+ states\)$/m);
    assert.match(r.stdout, /csd_lock_wait\(\) waits/);
    assert.match(fs.readFileSync(pml, 'utf8'), /^\/\* irqlens: smp_call_function reached from hrtimer be_callback \*\//);
  } finally {
    fs.rmSync(pml, { force: true });
  }
});

test('simulate --format json gives the verdict and a trace with source lines', () => {
  const r = run('simulate', ...buggy, '--finding', 'xcall-in-atomic:../common/dtrace_xcall.c:16:3', '--cpus', '3', '--format', 'json');
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.simulation.cpus, 3);
  assert.equal(out.simulation.verdict.kind, 'deadlock');
  assert.ok(out.simulation.trace.steps.some((s: { file?: string; line?: number }) => s.file?.endsWith('dtrace_xcall.c') && s.line === 16));
});

test('simulate: an unknown finding id or a bad --cpus is a usage error, exit 2', () => {
  const unknown = run('simulate', ...buggy, '--finding', 'xcall-in-atomic:nowhere.c:1:1');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no finding xcall-in-atomic:nowhere\.c:1:1; findings here include xcall-in-atomic:\.\.\/common\/dtrace_xcall\.c:16:3/);
  assert.equal(run('simulate', ...buggy, '--finding', 'x', '--cpus', '9').code, 2);
});

test('check shows the confident findings; --all adds those that need one #if variant, and the text says how many it hid', () => {
  const dir = path.join(FIXTURES, 'analysis', 'ifdef-macro-variants');
  const confidences = (r: { stdout: string }): string[] => JSON.parse(r.stdout).findings.map((f: { confidence: string }) => f.confidence).sort();
  assert.deepEqual(confidences(run('check', dir, '--format', 'json', '--no-cache')), ['direct']);
  assert.deepEqual(confidences(run('check', dir, '--format', 'json', '--no-cache', '--all')), ['config', 'direct']);
  assert.match(run('check', dir, '--no-cache').stdout, /1 more depend on #if branches that cannot both be built; --all shows them/);
});
