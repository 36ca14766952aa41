/** The dispatch gate (server/src/lsp/dispatchGate.ts): one message at a time into the connection, in order. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Emitter, type DataCallback, type Message, type MessageReader } from 'vscode-languageserver/node';
import { DispatchGate } from '../server/src/lsp/dispatchGate';

/** A reader whose messages the test sends by hand. */
function fakeReader(): { reader: MessageReader; send: (m: object) => void } {
  let callback: DataCallback | undefined;
  const reader: MessageReader = {
    onError: new Emitter<Error>().event,
    onClose: new Emitter<void>().event,
    onPartialMessage: new Emitter<{ messageToken: number; waitingTime: number }>().event,
    listen: (cb) => {
      callback = cb;
      return { dispose: () => undefined };
    },
    dispose: () => undefined,
  };
  return { reader, send: (m) => callback?.(m as Message) };
}

const request = (id: number): object => ({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: {} });
const change = (version: number): object => ({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { version } });
const cancel = (id: number): object => ({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } });

/** The gate with a connection that records what it was handed and dispatches on demand. */
function gated(): { send: (m: object) => void; handed: object[]; dispatch: () => void; dropped: string[] } {
  const { reader, send } = fakeReader();
  const dropped: string[] = [];
  const gate = new DispatchGate(reader, (reason) => dropped.push(reason));
  const handed: object[] = [];
  const queue: Message[] = [];
  gate.listen((m) => {
    handed.push(m);
    // As vscode-jsonrpc does: it reads a cancellation's params.id as it takes it.
    if ((m as { method?: string }).method === '$/cancelRequest') void (m as unknown as { params: { id: number } }).params.id;
    // The connection acts on a cancellation at once and queues everything else.
    if ((m as { method?: string }).method !== '$/cancelRequest') queue.push(m);
  });
  const dispatch = (): void => {
    const m = queue.shift();
    assert.ok(m, 'nothing to dispatch');
    gate.strategy.handleMessage(m, () => undefined);
  };
  return { send, handed, dispatch, dropped };
}

test('the connection is handed the next message only once it dispatched the last, in order', () => {
  const g = gated();
  g.send(change(2));
  g.send(change(3));
  g.send(request(7));
  assert.deepEqual(g.handed, [change(2)]);
  g.dispatch();
  assert.deepEqual(g.handed, [change(2), change(3)]);
  g.dispatch();
  g.dispatch();
  assert.deepEqual(g.handed, [change(2), change(3), request(7)]);
  g.send(change(4));
  assert.deepEqual(g.handed, [change(2), change(3), request(7), change(4)]);
});

test('a cancellation passes in its turn without holding the gate, so it reaches the request it names while that runs', () => {
  const g = gated();
  g.send(request(1));
  g.send(cancel(1));
  g.send(change(2));
  assert.deepEqual(g.handed, [request(1)]);
  g.dispatch();
  assert.deepEqual(g.handed, [request(1), cancel(1), change(2)]);
});

test('a message the connection rejects as invalid does not hold the gate', () => {
  const g = gated();
  const invalid = { jsonrpc: '2.0', params: [] };
  g.send(invalid);
  g.send(change(2));
  assert.deepEqual(g.handed, [invalid, change(2)]);
});

test('a message the connection throws on is reported and dropped, and the messages behind it still come', () => {
  const g = gated();
  g.send(change(2));
  g.send({ jsonrpc: '2.0', method: '$/cancelRequest' });
  g.send(change(3));
  assert.doesNotThrow(() => g.dispatch());
  assert.deepEqual(g.handed, [change(2), { jsonrpc: '2.0', method: '$/cancelRequest' }, change(3)]);
  assert.equal(g.dropped.length, 1);
  assert.match(g.dropped[0], /could not take was dropped: .*id/);
});
