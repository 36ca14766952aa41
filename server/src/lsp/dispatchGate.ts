/**
 * Hands the JSON-RPC connection one message at a time: the next is read in only once the
 * connection has dispatched the last, so vscode-jsonrpc's own queue holds at most one.
 *
 * Why: that queue is a LinkedMap over a JS Map, keyed by a new string per message. Once a
 * full GC has moved the Map into V8's old generation, every rehash of it (one every few
 * messages, as deletions fill the table) allocates the new hash table in the old generation
 * too, and the replaced table keeps pointing at the messages it held. Until the next full
 * GC those dead tables keep every message queued at a rehash alive, so each is promoted
 * into the old generation, where it stays until the next full GC: the server's memory
 * climbed with every message (BENCHMARKS.md, "Language server soak"). Kept here, the
 * waiting messages are in a plain array, which leaves nothing behind.
 *
 * Order is kept. A `$/cancelRequest` passes in its turn but does not hold the gate: the
 * connection may act on it at once (cancelling a running request's token) and never
 * dispatch it; the request it names was dispatched before it, so the cancellation reaches
 * a running handler, which is what the handlers check. Nor does a message the connection
 * rejects as invalid, which it drops. A message the connection throws on as it takes it
 * (vscode-jsonrpc reads `params.id` of every cancellation) is reported and dropped: thrown
 * here it would escape the connection's own turn and end the process.
 */
import { Message, type DataCallback, type Disposable, type MessageReader, type MessageStrategy } from 'vscode-languageserver/node';

const CANCEL_METHOD = '$/cancelRequest';

/** Whether the connection will queue `m` and later dispatch it through the message strategy. */
function isDispatched(m: Message): boolean {
  if (Message.isNotification(m)) return m.method !== CANCEL_METHOD;
  return Message.isRequest(m) || Message.isResponse(m);
}

export class DispatchGate implements MessageReader {
  private readonly waiting: Message[] = [];
  /** A message was handed over and is not dispatched yet. */
  private held = false;
  private deliver: DataCallback | undefined;

  /** For the connection's options: tells the gate when a message was dispatched. */
  readonly strategy: MessageStrategy = {
    handleMessage: (message, next) => {
      try {
        next(message);
      } finally {
        if (isDispatched(message)) {
          this.held = false;
          this.pump();
        }
      }
    },
  };

  /** `report`: says why a message was dropped. */
  constructor(
    private readonly inner: MessageReader,
    private readonly report: (reason: string) => void,
  ) {}

  get onError(): MessageReader['onError'] {
    return this.inner.onError;
  }

  get onClose(): MessageReader['onClose'] {
    return this.inner.onClose;
  }

  get onPartialMessage(): MessageReader['onPartialMessage'] {
    return this.inner.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    this.deliver = callback;
    return this.inner.listen((message) => {
      this.waiting.push(message);
      this.pump();
    });
  }

  dispose(): void {
    this.inner.dispose();
  }

  private pump(): void {
    const deliver = this.deliver;
    while (deliver && !this.held && this.waiting.length > 0) {
      const message = this.waiting.shift() as Message;
      this.held = isDispatched(message);
      try {
        deliver(message);
      } catch (err) {
        this.held = false;
        this.report(`a message the connection could not take was dropped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
