/** The language server's small pure pieces, as tables: escaping, tokens, settings, config files, publishing. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver';
import { parseLspArgs } from '../server/src/cli/lspCommand';
import { configFilesFor, loadConfig } from '../server/src/lsp/configFiles';
import { DiagnosticsPublisher } from '../server/src/lsp/diagnostics';
import { escapeMarkdown } from '../server/src/lsp/markdown';
import { DEFAULT_SETTINGS } from '../server/src/lsp/protocol';
import { parseSettings } from '../server/src/lsp/settings';
import { tokenRange, wordAt } from '../server/src/lsp/tokens';
import { isInside } from '../server/src/kernel/configLocation';

test('Markdown escaping keeps C text as text', () => {
  const cases: Array<[string, string]> = [
    ['dtrace_sync', 'dtrace\\_sync'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert\\(1\\)&lt;/script&gt;'],
    ['[x](javascript:y)', '\\[x\\]\\(javascript:y\\)'],
    ['a & b', 'a &amp; b'],
    ['*p->f', '\\*p\\-&gt;f'],
    ['`code` #1 ~x|y!', '\\`code\\` \\#1 \\~x\\|y\\!'],
  ];
  for (const [input, expected] of cases) assert.equal(escapeMarkdown(input), expected, input);
});

test('the word under the cursor, and the token a position starts', () => {
  const line = '\tdtrace_sync(); x = be->f;';
  const cases: Array<[number, string | undefined, number]> = [
    [1, 'dtrace_sync', 1],
    [6, 'dtrace_sync', 1],
    [12, 'dtrace_sync', 1], // just after the name, as editors place the cursor
    [0, undefined, 0],
    [20, 'be', 20],
  ];
  for (const [character, text, col] of cases) {
    const w = wordAt(line, 3, character);
    assert.equal(w?.text, text, `at ${character}`);
    if (w) assert.deepEqual(w.at, { line: 3, col });
  }
  assert.deepEqual(tokenRange(line, { line: 3, col: 1 }), { start: { line: 3, character: 1 }, end: { line: 3, character: 12 } });
  assert.deepEqual(tokenRange(undefined, { line: 3, col: 1 }, 5), { start: { line: 3, character: 1 }, end: { line: 3, character: 6 } });
});

test('settings: each bad field falls back on its own default', () => {
  const cases: Array<[unknown, Partial<typeof DEFAULT_SETTINGS>]> = [
    [null, {}],
    ['nonsense', {}],
    [{ simulation: { cpus: 4 } }, { simulation: { cpus: 4, timeLimitSeconds: 20 } }],
    [{ simulation: { cpus: 99, timeLimitSeconds: 0 }, maxFiles: -1 }, {}],
    [{ simulation: { timeLimitSeconds: 3 } }, { simulation: { cpus: 2, timeLimitSeconds: 3 } }],
    [{ rules: { 'sleep-in-atomic': false, bogus: true } }, { rules: { 'sleep-in-atomic': false } }],
    [{ showAllConfidences: 'yes', configPath: 'cfg/irq.json' }, { configPath: 'cfg/irq.json' }],
  ];
  for (const [raw, expected] of cases) assert.deepEqual(parseSettings(raw), { ...DEFAULT_SETTINGS, ...expected }, JSON.stringify(raw));
});

test('an extra config path outside the workspace is ignored with a warning', () => {
  const root = path.resolve('/ws/driver');
  const warnings: string[] = [];
  const files = (configPath: string): string[] => configFilesFor([root], { ...DEFAULT_SETTINGS, configPath }, (m) => warnings.push(m));
  assert.deepEqual(files(''), [path.join(root, '.irqlens.json')]);
  assert.deepEqual(files('cfg/irq.json'), [path.join(root, '.irqlens.json'), path.join(root, 'cfg/irq.json')]);
  assert.deepEqual(files('../../etc/passwd'), [path.join(root, '.irqlens.json')]);
  assert.deepEqual(files('/etc/passwd'), [path.join(root, '.irqlens.json')]);
  assert.equal(warnings.length, 2);
  assert.ok(isInside(root, path.join(root, 'a/b')) && !isInside(root, path.resolve(root, '../driver2')));
});

test('a folder\'s .irqlens.json that is a symbolic link out of the workspace is left out with a warning', () => {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cfg-')));
  try {
    const [linked, inside, plain] = ['linked', 'inside', 'plain'].map((n) => path.join(tmp, n));
    for (const d of [linked, inside, plain]) fs.mkdirSync(d);
    fs.writeFileSync(path.join(tmp, 'secret.json'), '{}');
    fs.symlinkSync(path.join(tmp, 'secret.json'), path.join(linked, '.irqlens.json'));
    fs.writeFileSync(path.join(inside, 'real.json'), '{}');
    fs.symlinkSync(path.join(inside, 'real.json'), path.join(inside, '.irqlens.json'));
    const warnings: string[] = [];
    const files = configFilesFor([linked, inside, plain], DEFAULT_SETTINGS, (m) => warnings.push(m));
    assert.deepEqual(files, [path.join(inside, '.irqlens.json'), path.join(plain, '.irqlens.json')]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /linked\/\.irqlens\.json \(a link to .*secret\.json\) is outside the workspace/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('an extra config path that leaves the workspace through a symbolic link is ignored', () => {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cfg-')));
  try {
    const root = path.join(tmp, 'ws');
    const outside = path.join(tmp, 'secret');
    fs.mkdirSync(path.join(root, 'cfg'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'irq.json'), '{}');
    fs.writeFileSync(path.join(root, 'cfg', 'inside.json'), '{}');
    fs.symlinkSync(outside, path.join(root, 'out'));
    fs.symlinkSync(path.join(outside, 'irq.json'), path.join(root, 'cfg', 'file-link.json'));
    fs.symlinkSync(path.join(root, 'cfg'), path.join(tmp, 'ws-cfg-link'));
    const warnings: string[] = [];
    const files = (r: string, configPath: string): string[] => configFilesFor([r], { ...DEFAULT_SETTINGS, configPath }, (m) => warnings.push(m));
    // A directory link and a file link out of the workspace are both refused.
    assert.deepEqual(files(root, 'out/irq.json'), [path.join(root, '.irqlens.json')]);
    assert.deepEqual(files(root, 'cfg/file-link.json'), [path.join(root, '.irqlens.json')]);
    assert.deepEqual(files(root, 'out/not-yet.json'), [path.join(root, '.irqlens.json')]);
    assert.equal(warnings.length, 3);
    // A link inside the workspace, and a workspace root that is itself a link, are fine.
    assert.deepEqual(files(root, 'cfg/inside.json'), [path.join(root, '.irqlens.json'), path.join(root, 'cfg', 'inside.json')]);
    const linkedRoot = path.join(tmp, 'ws-cfg-link');
    assert.deepEqual(files(linkedRoot, 'inside.json'), [path.join(linkedRoot, '.irqlens.json'), path.join(linkedRoot, 'inside.json')]);
    assert.equal(warnings.length, 3);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('config problems point at the key their JSON path names, and the bad file is left out', () => {
  const text = ['{', '  "entryPoints": [', '    { "function": "a", "context": "hardirq" },', '    { "function": "b", "context": "irq" }', '  ],', '  "rules": { "sleep-in-atomic": false }', '}'].join('\n');
  const cases: Array<[string, number, number]> = [
    [text, 3, 23],
    ['{ "bogus": 1 }', 0, 2],
    ['{ not json', 0, 0],
  ];
  for (const [source, line, col] of cases) {
    const loaded = loadConfig(['/ws/.irqlens.json'], () => source, DEFAULT_SETTINGS);
    assert.equal(loaded.problems.length, 1, source);
    assert.deepEqual([loaded.problems[0].line, loaded.problems[0].col], [line, col], loaded.problems[0].message);
    assert.deepEqual(loaded.config.entryPoints, []);
  }
  const good = loadConfig(['/ws/a.json', '/ws/missing.json'], (f) => (f.endsWith('a.json') ? '{ "rules": { "sleep-in-atomic": false } }' : undefined), {
    ...DEFAULT_SETTINGS,
    rules: { 'xcall-in-atomic': false },
  });
  assert.deepEqual(good.problems, []);
  assert.deepEqual(good.config.rules, { 'sleep-in-atomic': false, 'xcall-in-atomic': false });
});

test('publishing sends only changed files and clears files that no longer have diagnostics', () => {
  const sent: Array<[string, number]> = [];
  const publisher = new DiagnosticsPublisher((uri, ds) => sent.push([uri, ds.length]));
  const d = (message: string): Diagnostic => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message });
  publisher.publish(new Map([['a', [d('x')]], ['b', [d('y')]]]));
  publisher.publish(new Map([['a', [d('x')]], ['b', [d('z')]]]));
  publisher.publish(new Map([['b', [d('z')]]]));
  assert.deepEqual(sent, [['a', 1], ['b', 1], ['b', 1], ['a', 0]]);
});

test('publishing the very list sent last time sends nothing; a new list equal to it neither', () => {
  const sent: string[] = [];
  const publisher = new DiagnosticsPublisher((uri) => sent.push(uri));
  const list: Diagnostic[] = [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: 'x' }];
  publisher.publish(new Map([['a', list]]));
  publisher.publish(new Map([['a', list]]));
  publisher.publish(new Map([['a', [{ ...list[0] }]]]));
  const changed: Diagnostic[] = [{ ...list[0], message: 'y' }];
  publisher.publish(new Map([['a', changed]]));
  publisher.publish(new Map([['a', changed]]));
  assert.deepEqual(sent, ['a', 'a']);
});

test('an edited document gets its diagnostics again, with its version, even when they did not change', () => {
  const sent: Array<[string, number, number | undefined]> = [];
  const publisher = new DiagnosticsPublisher((uri, ds, version) => sent.push([uri, ds.length, version]));
  const d: Diagnostic = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: 'x' };
  publisher.publish(new Map([['a', [d]]]));
  publisher.publish(new Map([['a', [d]]]), new Map([['a', 2], ['clean', 7]]));
  publisher.publish(new Map(), new Map([['a', 3], ['clean', 8]]));
  publisher.publish(new Map(), new Map());
  assert.deepEqual(sent, [
    ['a', 1, undefined],
    ['a', 1, 2],
    ['clean', 0, 7],
    ['a', 0, 3],
    ['clean', 0, 8],
  ]);
});

test('irqlens lsp arguments: a transport is required; the parser is wasm unless native is asked for', () => {
  const cases: Array<[string[], string]> = [
    [['--stdio'], 'stdio wasm'],
    [['--node-ipc', '--clientProcessId=42'], 'node-ipc wasm'],
    [['--stdio', '--parser', 'native'], 'stdio native'],
    [['--stdio', '--parser=wasm'], 'stdio wasm'],
    [[], 'error: lsp needs --stdio or --node-ipc'],
    [['--stdio', '--parser', 'fast'], 'error: --parser takes wasm or native'],
    [['--socket=9000'], "error: unknown lsp option '--socket=9000'"],
  ];
  for (const [argv, expected] of cases) {
    const r = parseLspArgs(argv);
    assert.equal(r.ok ? `${r.args.transport} ${r.args.parser}` : `error: ${r.error}`, expected, argv.join(' '));
  }
});
