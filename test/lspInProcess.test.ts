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
import { createMessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, Hover, MarkupContent, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { DirEntry, FileReader } from '../server/src/analysis/workspace';
import { startServer } from '../server/src/lsp/server';

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

/** An in-memory tree; reading broken.c throws, as a misbehaving file system might. */
const memReader: FileReader = {
  read(file) {
    const rel = path.relative(ROOT, file);
    if (rel === 'broken.c') throw new Error('EIO: i/o error');
    const text = FILES[rel];
    return text === undefined ? { error: 'no such file or directory' } : Buffer.from(text);
  },
  list(dir) {
    return dir === ROOT ? Object.keys(FILES).map((name): DirEntry => ({ name, isDirectory: false })) : { error: 'no such file or directory' };
  },
  isDirectory(p) {
    return p === ROOT ? true : FILES[path.relative(ROOT, p)] !== undefined ? false : { error: 'no such file or directory' };
  },
};

test('in-process over in-memory streams: diagnostics from an in-memory tree, and a throwing reader is survived', async () => {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)), { parser: 'wasm', reader: memReader, debounceMs: 0 });
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const published = new Map<string, Diagnostic[]>();
  const logs: string[] = [];
  let wake: () => void = () => undefined;
  client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    published.set(p.uri, p.diagnostics);
    wake();
  });
  client.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  client.listen();
  try {
    await client.sendRequest('initialize', { processId: null, rootUri: pathToFileURL(ROOT).toString(), capabilities: {} });
    await client.sendNotification('initialized', {});
    const flushUri = pathToFileURL(path.join(ROOT, 'flush.c')).toString();
    const deadline = Date.now() + 60_000;
    while (!published.get(flushUri)?.length) {
      assert.ok(Date.now() < deadline, `no diagnostics; logs:\n${logs.join('\n')}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
    const d = published.get(flushUri)![0];
    assert.equal(d.code, 'xcall-in-atomic');
    assert.match(d.message, /^on_each_cpu\(\) may run in hardirq context \(IRQ handler drv_irq/);

    // Hover in broken.c reads it through the throwing reader: an empty answer, then the server still serves.
    const broken = await client.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: pathToFileURL(path.join(ROOT, 'broken.c')).toString() }, position: { line: 0, character: 1 } });
    assert.equal(broken, null);
    const h = await client.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: flushUri }, position: { line: 0, character: 6 } });
    assert.match((h?.contents as MarkupContent).value, /drv\\_irq/);
    await client.sendRequest('shutdown');
  } finally {
    client.dispose();
    toServer.end();
    toClient.end();
  }
});
