/**
 * Failing fuzz inputs saved as regression fixtures under test/fixtures/fuzz/: for each,
 * `<name>.json` says what was built and what went wrong, beside the input itself
 * (`<name>.c`, and `<name>.irqlens.json` for a config). An input too large to commit is
 * saved as its recipe only: synthetic categories rebuild exactly from their seed.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { MUTATIONS, makeInput, type Category, type FuzzInput } from './inputs';

/** Synthetic inputs above this size are kept as a recipe (category + seed), not as bytes. */
const MAX_SAVED_BYTES = 64 * 1024;

export interface Failure {
  kind: 'crash' | 'hang' | 'died';
  message: string;
}

export interface FixtureMeta {
  category: Category;
  seed: number;
  label: string;
  backend: 'native' | 'wasm';
  failure: Failure;
  /** The commit the fuzzer found it on. */
  foundAt: string;
  /** False when only the recipe is saved. */
  bytesSaved: boolean;
}

export function saveFixture(dir: string, input: FuzzInput, meta: Omit<FixtureMeta, 'category' | 'seed' | 'label' | 'bytesSaved'>): string {
  const hash = createHash('sha256').update(input.bytes).update(input.config ?? '').digest('hex').slice(0, 8);
  const name = `${input.category}-${input.seed}-${hash}`;
  const bytesSaved = input.bytes.length + (input.config?.length ?? 0) <= MAX_SAVED_BYTES || MUTATIONS.includes(input.category);
  fs.mkdirSync(dir, { recursive: true });
  if (bytesSaved) {
    fs.writeFileSync(path.join(dir, `${name}.c`), input.bytes);
    if (input.config !== undefined) fs.writeFileSync(path.join(dir, `${name}.irqlens.json`), input.config);
  }
  const full: FixtureMeta = { category: input.category, seed: input.seed, label: input.label, ...meta, bytesSaved };
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(full, null, 2)}\n`);
  return name;
}

export interface SavedFixture {
  name: string;
  meta: FixtureMeta;
  input: FuzzInput;
}

export function loadFixtures(dir: string): SavedFixture[] {
  if (!fs.existsSync(dir)) return [];
  const noCorpus = { files: [], withFindings: [], read: (): Uint8Array => new Uint8Array() };
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.irqlens.json'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.json'.length);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FixtureMeta;
      if (!meta.bytesSaved) return { name, meta, input: makeInput(meta.category, meta.seed, noCorpus) };
      const configFile = path.join(dir, `${name}.irqlens.json`);
      const config = fs.existsSync(configFile) ? fs.readFileSync(configFile, 'utf8') : undefined;
      const bytes = fs.readFileSync(path.join(dir, `${name}.c`));
      return { name, meta, input: { category: meta.category, seed: meta.seed, label: meta.label, path: `${name}.c`, bytes, ...(config !== undefined ? { config } : {}) } };
    });
}
