/** The persistent fact cache: keys, atomic entries, and damaged entries detected and rebuilt. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DiskStore, FactsCache, chooseCacheDir, contentKey, encodeEntry, extractorFingerprint, factsPayload } from '../server/src/factCache';
import { FACTS_VERSION, emptyFacts, factsFromBytes, type FileFacts } from '../server/src/syntax';
import { parser } from './support/fixtures';
import { tempDir } from './support/tempCache';

const SOURCE = Buffer.from('static irqreturn_t h(int irq, void *d)\n{\n\tmsleep(1);\n\treturn IRQ_HANDLED;\n}\n');

/** A cache over a fresh directory, and a fact maker that counts how often it ran. */
function setup(): { dir: string; store: DiskStore; cache: FactsCache; computed: () => number; facts: (path: string, bytes?: Uint8Array) => FileFacts } {
  const dir = tempDir('facts');
  const store = new DiskStore(dir);
  const cache = new FactsCache(store, extractorFingerprint());
  let runs = 0;
  const facts = (file: string, bytes: Uint8Array = SOURCE): FileFacts =>
    cache.factsFor(file, bytes, () => {
      runs++;
      return factsFromBytes(parser(), file, bytes);
    });
  return { dir, store, cache, computed: () => runs, facts };
}

function entryFile(store: DiskStore, bytes: Uint8Array = SOURCE): string {
  return store.entryPath(contentKey(extractorFingerprint(), bytes));
}

test('a second lookup of the same bytes is a hit and gives the same facts without parsing', () => {
  const s = setup();
  const first = s.facts('/w/a.c');
  const second = s.facts('/w/a.c');
  assert.equal(s.computed(), 1);
  assert.deepEqual(second, first);
  assert.equal(first.functions[0].name, 'h');
  assert.deepEqual({ hits: s.cache.stats.hits, misses: s.cache.stats.misses, rebuilt: s.cache.stats.rebuilt }, { hits: 1, misses: 1, rebuilt: 0 });
});

test('the same content under another path reuses the entry, with the new path', () => {
  const s = setup();
  const a = s.facts('/w/a.c');
  const b = s.facts('/other/b.c');
  assert.equal(s.computed(), 1);
  assert.equal(b.path, '/other/b.c');
  assert.deepEqual({ ...b, path: a.path }, a);
});

test('changed content is a miss; the key also changes with the extractor fingerprint', () => {
  const s = setup();
  s.facts('/w/a.c');
  s.facts('/w/a.c', Buffer.from(`${SOURCE.toString()}\nvoid g(void) {}\n`));
  assert.equal(s.computed(), 2);
  assert.notEqual(contentKey('grammar-a', SOURCE), contentKey('grammar-b', SOURCE));
});

test('an entry is written whole through a temporary file that does not stay behind', () => {
  const s = setup();
  s.facts('/w/a.c');
  const file = entryFile(s.store);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), [path.basename(file)]);
  assert.ok(fs.readFileSync(file).toString('latin1').startsWith(`irqlens-facts 1 ${FACTS_VERSION} `));
});

test('a crash between write and rename leaves a temp file that is never read as the entry', () => {
  const s = setup();
  const file = entryFile(s.store);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const whole = encodeEntry(factsPayload(factsFromBytes(parser(), '/w/a.c', SOURCE)));
  fs.writeFileSync(`${file}.4242.1.0.tmp`, whole.subarray(0, whole.length / 2));
  const facts = s.facts('/w/a.c');
  assert.equal(s.computed(), 1, 'the half-written temp file is not a hit');
  assert.equal(facts.functions.length, 1);
  assert.deepEqual(fs.readFileSync(file), whole);
});

/** Damages the stored entry, then checks the next lookup rebuilds it with the reason and the one after is a hit. */
function rebuiltAfter(damage: (entry: Buffer) => Buffer, reason: RegExp): void {
  const s = setup();
  const good = s.facts('/w/a.c');
  const file = entryFile(s.store);
  fs.writeFileSync(file, damage(fs.readFileSync(file)));
  assert.deepEqual(s.facts('/w/a.c'), good);
  assert.equal(s.computed(), 2, 'the damaged entry was not trusted');
  assert.equal(s.cache.stats.rebuilt, 1);
  assert.match(s.cache.stats.notes.join('\n'), reason);
  s.facts('/w/a.c');
  assert.equal(s.computed(), 2, 'the rebuilt entry is used again');
}

test('a truncated entry is detected and rebuilt', () => rebuiltAfter((e) => e.subarray(0, e.length - 7), /truncated/));

test('a flipped byte in the payload is detected by the checksum and rebuilt', () =>
  rebuiltAfter((e) => {
    const copy = Buffer.from(e);
    copy[copy.length - 3] ^= 0x20;
    return copy;
  }, /checksum/));

test('an entry of another facts version is rebuilt, not read', () =>
  rebuiltAfter((e) => {
    const text = e.toString('latin1');
    return Buffer.from(text.replace(`irqlens-facts 1 ${FACTS_VERSION} `, `irqlens-facts 1 ${FACTS_VERSION + 1} `), 'latin1');
  }, /facts version/));

test('an entry that is not an entry at all (empty, binary) is rebuilt', () => {
  rebuiltAfter(() => Buffer.alloc(0), /no header/);
  rebuiltAfter(() => Buffer.from([0xff, 0x00, 0x13, 0x37]), /no header/);
});

test('facts of a parse that ran out of time are not cached: the next run tries again', () => {
  const dir = tempDir('timeout');
  const store = new DiskStore(dir);
  const cache = new FactsCache(store, extractorFingerprint());
  const timedOut = emptyFacts('/w/a.c', [{ kind: 'timeout', message: 'parsing took too long' }]);
  cache.factsFor('/w/a.c', SOURCE, () => timedOut);
  assert.equal(fs.existsSync(store.entryPath(contentKey(extractorFingerprint(), SOURCE))), false);
});

test('an unwritable cache costs speed, not facts: the write error is counted', () => {
  const blocker = path.join(tempDir('unwritable'), 'file');
  fs.writeFileSync(blocker, 'not a directory');
  const cache = new FactsCache(new DiskStore(blocker), extractorFingerprint());
  const facts = cache.factsFor('/w/a.c', SOURCE, () => factsFromBytes(parser(), '/w/a.c', SOURCE));
  assert.equal(facts.functions[0].name, 'h');
  assert.equal(cache.stats.writeErrors, 1);
});

test('cache directory: flag, then IRQLENS_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache; never inside an analysed folder', () => {
  const home = '/home/k';
  const rows: Array<[Parameters<typeof chooseCacheDir>[0], string | null]> = [
    [{ explicit: '/tmp/c', env: { IRQLENS_CACHE_DIR: '/e' }, home, roots: ['/src/linux'] }, '/tmp/c'],
    [{ explicit: null, env: {}, home, roots: [] }, null],
    [{ env: { IRQLENS_CACHE_DIR: '/e', XDG_CACHE_HOME: '/x' }, home, roots: [] }, '/e'],
    [{ env: { XDG_CACHE_HOME: '/x' }, home, roots: [] }, '/x/irqlens'],
    [{ env: { XDG_CACHE_HOME: 'relative' }, home, roots: [] }, '/home/k/.cache/irqlens'],
    [{ env: {}, home, roots: ['/src/linux'] }, '/home/k/.cache/irqlens'],
    [{ env: {}, home, roots: ['/home/k'] }, null],
    [{ explicit: '/src/linux/.cache', env: {}, home, roots: ['/src/linux/drivers', '/src/linux'] }, null],
  ];
  for (const [inputs, expected] of rows) assert.equal(chooseCacheDir(inputs).dir, expected, JSON.stringify(inputs));
  assert.match((chooseCacheDir(rows[6][0]) as { reason: string }).reason, /inside the analysed folder \/home\/k/);
});
