/**
 * The server built in-process over in-memory streams and an in-memory file tree: the
 * analysis reads only through the injected FileReader, so no disk is involved, and a
 * reader that throws shows that one bad file or request never takes the server down.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { PassThrough } from 'stream';
import { pathToFileURL } from 'url';
import { StreamMessageReader, StreamMessageWriter, createConnection } from 'vscode-languageserver/node';
import { createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, Hover, MarkupContent, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { DirEntry, FileReader } from '../server/src/analysis/workspace';
import { INDEX_STATUS_NOTIFICATION, type IndexStatus } from '../server/src/lsp/protocol';
import { startServer, type ServerOptions } from '../server/src/lsp/server';
import { tempDir } from './support/tempCache';

const ROOT = path.resolve('/mem/drv');

const FILES: Record<string, string> = {
  'drv.c': [
    '#include "drv.h"',
    'static irqreturn_t drv_irq(int irq, void *d)',
    '{',
    '\tdrv_flush();',
    '\treturn IRQ_HANDLED;',
    '}',
    'int drv_probe(void) { return request_irq(1, drv_irq, 0, "drv", 0); }',
    '',
  ].join('\n'),
  'flush.c': 'void drv_flush(void)\n{\n\ton_each_cpu(drv_ipi, 0, 1);\n}\n',
  'drv.h': 'void drv_flush(void);\n',
  'broken.c': 'this file cannot be read',
};

/** A reader over an in-memory tree rooted at `root`; `broken` files throw when read. */
function memoryReader(root: string, files: Record<string, string>, broken: readonly string[] = []): FileReader {
  return {
    read(file) {
      const rel = path.relative(root, file);
      if (broken.includes(rel)) throw new Error('EIO: i/o error');
      const text = files[rel];
      return text === undefined ? { error: 'no such file or directory' } : Buffer.from(text);
    },
    list(dir) {
      return dir === root ? Object.keys(files).map((name): DirEntry => ({ name, isDirectory: false })) : { error: 'no such file or directory' };
    },
    isDirectory(p) {
      return p === root ? true : files[path.relative(root, p)] !== undefined ? false : { error: 'no such file or directory' };
    },
  };
}

interface InProcess {
  client: MessageConnection;
  published: Map<string, Diagnostic[]>;
  statuses: IndexStatus[];
  logs: string[];
  /** Resolves once `check` holds, re-checked after every notification (the timeout only guards against a hang). */
  waitFor(what: string, check: () => boolean): Promise<void>;
  close(): void;
}

function startInProcess(reader: FileReader, extra: Partial<ServerOptions> = {}): InProcess {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)), { parser: 'wasm', reader, debounceMs: 0, ...extra });
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const published = new Map<string, Diagnostic[]>();
  const statuses: IndexStatus[] = [];
  const logs: string[] = [];
  let wake: () => void = () => undefined;
  client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    published.set(p.uri, p.diagnostics);
    wake();
  });
  client.onNotification(INDEX_STATUS_NOTIFICATION, (p: IndexStatus) => {
    statuses.push(p);
    wake();
  });
  client.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  client.listen();
  return {
    client,
    published,
    statuses,
    logs,
    async waitFor(what, check) {
      const deadline = Date.now() + 60_000;
      while (!check()) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}; logs:\n${logs.join('\n')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1000);
        });
      }
    },
    close() {
      client.dispose();
      toServer.end();
      toClient.end();
    },
  };
}

const uriOf = (file: string): string => pathToFileURL(file).toString();

test('in-process over in-memory streams: diagnostics from an in-memory tree, and a throwing reader is survived', async () => {
  const server = startInProcess(memoryReader(ROOT, FILES, ['broken.c']));
  const { client } = server;
  try {
    await client.sendRequest('initialize', { processId: null, rootUri: uriOf(ROOT), capabilities: {} });
    await client.sendNotification('initialized', {});
    const flushUri = uriOf(path.join(ROOT, 'flush.c'));
    await server.waitFor('diagnostics', () => (server.published.get(flushUri)?.length ?? 0) > 0);
    const d = server.published.get(flushUri)![0];
    assert.equal(d.code, 'xcall-in-atomic');
    assert.match(d.message, /^on_each_cpu\(\) may run in hardirq context \(IRQ handler drv_irq/);

    // Hover in broken.c reads it through the throwing reader: an empty answer, then the server still serves.
    const broken = await client.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: uriOf(path.join(ROOT, 'broken.c')) }, position: { line: 0, character: 1 } });
    assert.equal(broken, null);
    const h = await client.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: flushUri }, position: { line: 0, character: 6 } });
    assert.match((h?.contents as MarkupContent).value, /drv\\_irq/);
    await client.sendRequest('shutdown');
  } finally {
    server.close();
  }
});

test('the server indexes through the fact cache: a second start parses nothing and publishes the same diagnostics', async () => {
  const dir = tempDir('lsp');
  const flushUri = uriOf(path.join(ROOT, 'flush.c'));
  const session = async (): Promise<{ diagnostics: Diagnostic[]; logs: string[] }> => {
    const server = startInProcess(memoryReader(ROOT, FILES, ['broken.c']), { cacheDir: () => ({ dir }) });
    try {
      await server.client.sendRequest('initialize', { processId: null, rootUri: uriOf(ROOT), capabilities: {} });
      await server.client.sendNotification('initialized', {});
      await server.waitFor('diagnostics', () => (server.published.get(flushUri)?.length ?? 0) > 0);
      await server.client.sendRequest('shutdown');
      return { diagnostics: server.published.get(flushUri)!, logs: server.logs };
    } finally {
      server.close();
    }
  };
  const cold = await session();
  const warm = await session();
  assert.ok(cold.logs.some((l) => /fact cache: 0 hits, 3 misses, 0 damaged/.test(l)), cold.logs.join('\n'));
  assert.ok(warm.logs.some((l) => /fact cache: 3 hits, 0 misses, 0 damaged/.test(l)), warm.logs.join('\n'));
  assert.deepEqual(warm.diagnostics, cold.diagnostics);
});

test('an open file is answered for while a large workspace is still being indexed', async () => {
  const root = path.resolve('/mem/big');
  const files: Record<string, string> = {};
  for (let i = 0; i < 1500; i++) files[`gen${String(i).padStart(4, '0')}.c`] = `int gen_${i}(int x)\n{\n\treturn x + ${i};\n}\n`;
  const irq = 'static irqreturn_t my_irq(int irq, void *d)\n{\n\treturn IRQ_HANDLED;\n}\nint my_probe(void) { return request_irq(1, my_irq, 0, "m", 0); }\n';
  files['zz_irq.c'] = irq;
  const server = startInProcess(memoryReader(root, files));
  const { client } = server;
  try {
    await client.sendRequest('initialize', { processId: null, rootUri: uriOf(root), capabilities: {} });
    await client.sendNotification('initialized', {});
    const uri = uriOf(path.join(root, 'zz_irq.c'));
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: irq } });
    const h = await client.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 22 } });
    assert.match((h?.contents as MarkupContent).value, /my\\_irq\(\)\*\* can run in:\n\n- \*\*hardirq context\*\*/);
    // zz_irq.c is the last file the index reaches, so the answer came from the open buffer.
    assert.ok(!server.statuses.some((s) => s.state === 'ready'), 'the index had already finished');
    await server.waitFor('index ready', () => server.statuses.some((s) => s.state === 'ready'));
    assert.equal(server.statuses.find((s) => s.state === 'ready')?.filesTotal, 1501);
    await client.sendRequest('shutdown');
  } finally {
    server.close();
  }
});

test('diagnostics of a file without edits follow a witness that moves away from the edited file, and back', async () => {
  const root = path.resolve('/mem/two');
  const files: Record<string, string> = {
    'a.c': 'static irqreturn_t a_irq(int irq, void *d)\n{\n\tshared_flush();\n\treturn IRQ_HANDLED;\n}\nint a_probe(void) { return request_irq(1, a_irq, 0, "a", 0); }\n',
    'b.c': 'static void b_step(void)\n{\n\tshared_flush();\n}\nstatic irqreturn_t b_irq(int irq, void *d)\n{\n\tb_step();\n\treturn IRQ_HANDLED;\n}\nint b_probe(void) { return request_irq(2, b_irq, 0, "b", 0); }\n',
    'shared.c': 'void shared_flush(void)\n{\n\ton_each_cpu(shared_ipi, 0, 1);\n}\n',
  };
  const server = startInProcess(memoryReader(root, files));
  const { client } = server;
  const aUri = uriOf(path.join(root, 'a.c'));
  const sharedUri = uriOf(path.join(root, 'shared.c'));
  const entryOf = (): string | undefined => /IRQ handler (\w+)/.exec(server.published.get(sharedUri)?.[0]?.message ?? '')?.[1];
  const hopFiles = (): string[] => (server.published.get(sharedUri)?.[0]?.relatedInformation ?? []).map((r) => path.basename(r.location.uri));
  try {
    await client.sendRequest('initialize', { processId: null, rootUri: uriOf(root), capabilities: {} });
    await client.sendNotification('initialized', {});
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri: aUri, languageId: 'c', version: 1, text: files['a.c'] } });
    await server.waitFor('the finding through a.c', () => entryOf() === 'a_irq');
    // The call in a_irq removed: the shortest witness is now b_irq's, through b.c only.
    const call = { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } };
    await client.sendNotification('textDocument/didChange', { textDocument: { uri: aUri, version: 2 }, contentChanges: [{ range: call, text: '' }] });
    await server.waitFor('the finding through b.c', () => entryOf() === 'b_irq');
    assert.ok(!hopFiles().includes('a.c'), hopFiles().join(' '));
    // Put back, one line lower: the witness through a.c again, at the new line.
    const at = { line: 3, character: 0 };
    await client.sendNotification('textDocument/didChange', { textDocument: { uri: aUri, version: 3 }, contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '\n' }] });
    await client.sendNotification('textDocument/didChange', { textDocument: { uri: aUri, version: 4 }, contentChanges: [{ range: { start: at, end: at }, text: '\tshared_flush();\n' }] });
    await server.waitFor('the finding through a.c, moved', () => entryOf() === 'a_irq' && (server.published.get(sharedUri)?.[0]?.relatedInformation ?? []).some((r) => r.location.uri === aUri && r.location.range.start.line === 3));
    await client.sendRequest('shutdown');
  } finally {
    server.close();
  }
});
