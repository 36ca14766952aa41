/**
 * The on-disk form of one cache entry, and the checks that decide whether to trust it.
 * Pure: bytes in, facts or a reason out.
 *
 * An entry is one header line and a JSON payload:
 *   `irqlens-facts <format> <FACTS_VERSION> <payload bytes> <sha256 of payload>\n{…}`
 * A truncated write fails the length check, a flipped byte the checksum, an entry of an
 * older facts format the version check; each is a reason, and the caller rebuilds.
 * The payload has no path, so the same content under another path reuses the entry.
 */
import { createHash } from 'crypto';
import { FACTS_VERSION, type FileFacts } from '../syntax/facts';

const MAGIC = 'irqlens-facts';
/** The layout of the header and payload; bump it when either changes. */
export const ENTRY_FORMAT = 1;

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The facts' JSON without the path. It is also what a worker thread sends back: JSON.parse
 * of a string is cheaper than structured clone of the same object graph (BENCHMARKS.md).
 */
export function factsPayload(facts: FileFacts): string {
  return JSON.stringify({ ...facts, path: '' });
}

/** `facts` parsed back from `factsPayload`, under `path`. */
export function factsFromPayload(payload: string, path: string): FileFacts {
  const facts = JSON.parse(payload) as FileFacts;
  facts.path = path;
  return facts;
}

export function encodeEntry(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const header = `${MAGIC} ${ENTRY_FORMAT} ${FACTS_VERSION} ${body.length} ${sha256(body)}\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), body]);
}

/** The payload of an entry, or why the entry cannot be trusted. */
export function decodeEntry(bytes: Uint8Array): { ok: true; payload: string } | { ok: false; reason: string } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const newline = buf.indexOf(10);
  if (newline < 0 || newline > 200) return { ok: false, reason: 'no header' };
  const [magic, format, version, length, checksum, ...rest] = buf.toString('latin1', 0, newline).split(' ');
  if (magic !== MAGIC || rest.length > 0 || checksum === undefined) return { ok: false, reason: 'no header' };
  if (Number(format) !== ENTRY_FORMAT) return { ok: false, reason: `entry format ${format}, expected ${ENTRY_FORMAT}` };
  if (Number(version) !== FACTS_VERSION) return { ok: false, reason: `facts version ${version}, expected ${FACTS_VERSION}` };
  const body = buf.subarray(newline + 1);
  if (body.length !== Number(length)) return { ok: false, reason: `payload is ${body.length} bytes, header says ${length} (truncated)` };
  if (sha256(body) !== checksum) return { ok: false, reason: 'checksum mismatch (corrupted)' };
  return { ok: true, payload: body.toString('utf8') };
}

/**
 * The cache key of a file's content: sha256 over the extractor's fingerprint and the bytes,
 * so a new grammar, dialect table or irqlens version never reads an old entry.
 */
export function contentKey(fingerprint: string, bytes: Uint8Array): string {
  return createHash('sha256').update(fingerprint).update('\0').update(bytes).digest('hex');
}

/** Facts that depend on the moment, not the content (a parse that ran out of time), are not cached. */
export function cacheable(facts: FileFacts): boolean {
  return !facts.problems.some((p) => p.kind === 'timeout' || p.kind === 'parse-failed' || p.kind === 'read-failed');
}
