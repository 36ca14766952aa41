/**
 * How much heap the facts of a tree take, and how much of it is the file text that
 * in-thread extraction keeps alive (V8 slices of the source string): facts made in this
 * thread, then the same facts after a JSON round trip (what worker threads and the cache
 * hand over). Usage: node --expose-gc out/bench/factsMemory.js <kernel-subdir>
 */
import * as path from 'path';
import { selectSources } from '../server/src/analysis/workspace';
import { cliParser } from '../server/src/cli/factsJob';
import { nodeReader } from '../server/src/cli/nodeReader';
import { factsFromBytes, type FileFacts } from '../server/src/syntax';
import { corpusRoot } from './kernel';
import { liveHeapMb } from './liveHeap';

const ROOT = path.join(__dirname, '..', '..');

async function main(): Promise<void> {
  const subdir = process.argv[2] ?? 'drivers/net/ethernet/intel';
  const files = selectSources([path.join(corpusRoot(ROOT), subdir)], nodeReader).files;
  const parser = await cliParser();
  const empty = liveHeapMb();
  let source = 0;
  let facts: FileFacts[] = files.map((f) => {
    const bytes = nodeReader.read(f);
    if (!(bytes instanceof Uint8Array)) throw new Error(`${f}: ${bytes.error}`);
    source += bytes.length;
    return factsFromBytes(parser, f, bytes);
  });
  const inThread = liveHeapMb() - empty;
  const json = facts.map((f) => JSON.stringify(f));
  const jsonMb = json.reduce((n, j) => n + j.length, 0) / 1e6;
  facts = [];
  facts = json.map((j) => JSON.parse(j) as FileFacts);
  json.length = 0;
  const roundTrip = liveHeapMb() - empty;
  process.stdout.write(
    `${subdir}: ${files.length} files, ${(source / 1e6).toFixed(1)} MB source, facts JSON ${jsonMb.toFixed(1)} MB; ` +
      `heap of facts made in this thread ${inThread.toFixed(0)} MB, after a JSON round trip ${roundTrip.toFixed(0)} MB (${facts.length} files)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
