/**
 * LSP base-protocol framing for the stdio transport, strict and self-healing. vscode-jsonrpc's
 * own reader stops for good at a header without a numeric Content-Length, and waits forever
 * (buffering everything after) for a body whose Content-Length is huge or wrong. Frames pass
 * through this first: a malformed header or an oversized length is dropped, with the bytes up
 * to the next `Content-Length:`, and the messages after it are read as if nothing happened.
 */
import { Transform, type TransformCallback } from 'stream';

/** Larger than any C file the syntax layer accepts (16 MiB), JSON-escaped. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** A header block longer than this is garbage, not a header. */
const MAX_HEADER_BYTES = 4096;
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = 'content-length:';

export interface FrameSplit {
  frames: Buffer[];
  /** Why bytes were thrown away, one line per drop. */
  dropped: string[];
}

/** Splits a byte stream into message bodies; keeps an incomplete frame for the next chunk. */
export class FrameSplitter {
  private buffer = Buffer.alloc(0);
  /** Chunks not yet joined to `buffer`: a large body arrives in many, and joining each would be quadratic. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The body length of the frame being read, once its header was accepted. */
  private bodyLength = -1;

  push(chunk: Buffer): FrameSplit {
    const out: FrameSplit = { frames: [], dropped: [] };
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.bodyLength >= 0 && this.buffer.length + this.pendingBytes < this.bodyLength) return out;
    this.buffer = Buffer.concat([this.buffer, ...this.pending]);
    this.pending = [];
    this.pendingBytes = 0;
    for (;;) {
      if (this.bodyLength < 0) {
        const header = this.readHeader();
        if (header === 'wait') return out;
        if (typeof header === 'string') {
          const { cut, found } = this.resync();
          out.dropped.push(`${header}; dropped ${cut} bytes`);
          if (found) continue;
          return out;
        }
        this.bodyLength = header.length;
        this.buffer = this.buffer.subarray(header.end);
      }
      if (this.buffer.length < this.bodyLength) return out;
      out.frames.push(Buffer.from(this.buffer.subarray(0, this.bodyLength)));
      this.buffer = this.buffer.subarray(this.bodyLength);
      this.bodyLength = -1;
    }
  }

  /** The accepted header's body length and end, 'wait' for more bytes, or why it is rejected. */
  private readHeader(): { length: number; end: number } | 'wait' | string {
    const end = this.buffer.indexOf(HEADER_END);
    if (end < 0) return this.buffer.length > MAX_HEADER_BYTES ? `no header end in ${MAX_HEADER_BYTES} bytes` : 'wait';
    if (end > MAX_HEADER_BYTES) return `header longer than ${MAX_HEADER_BYTES} bytes`;
    let length: number | undefined;
    for (const line of this.buffer.subarray(0, end).toString('latin1').split('\r\n')) {
      const m = /^([A-Za-z][\w-]*):[ \t]*(.*)$/.exec(line);
      if (!m) return `malformed header line ${JSON.stringify(line.slice(0, 80))}`;
      if (m[1].toLowerCase() !== 'content-length') continue;
      if (!/^\d{1,12}$/.test(m[2].trim())) return `Content-Length ${JSON.stringify(m[2].slice(0, 40))} is not a number`;
      length = Number(m[2].trim());
    }
    if (length === undefined) return 'header without Content-Length';
    if (length > MAX_FRAME_BYTES) return `Content-Length ${length} exceeds ${MAX_FRAME_BYTES}`;
    return { length, end: end + HEADER_END.length };
  }

  /** Drops bytes up to the next `Content-Length:` after the start; says how many, and whether one was found. */
  private resync(): { cut: number; found: boolean } {
    const next = this.buffer.toString('latin1').toLowerCase().indexOf(CONTENT_LENGTH, 1);
    // No next header yet: keep a tail that may be the start of one split across chunks, and wait for more.
    const cut = next >= 0 ? next : Math.max(1, this.buffer.length - (CONTENT_LENGTH.length - 1));
    this.buffer = this.buffer.subarray(cut);
    return { cut, found: next >= 0 };
  }
}

/** The splitter as a stream: well-formed frames out, each drop reported to `onDrop`. */
export function frameSanitizer(onDrop: (reason: string) => void): Transform {
  const splitter = new FrameSplitter();
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      const { frames, dropped } = splitter.push(chunk);
      for (const reason of dropped) onDrop(reason);
      for (const body of frames) {
        this.push(Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'));
        this.push(body);
      }
      done();
    },
  });
}
