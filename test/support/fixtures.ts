/**
 * Fixture support: a fixture is a directory of C files whose expected findings are
 * written next to the offending line as `/* expect: RULE CONTEXT [via f>g>h] *\/`.
 * A fixture without such comments expects no finding.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyze, type Analysis, type Finding } from '../../server/src/analysis';
import { collectFacts, selectSources } from '../../server/src/analysis/workspace';
import { nodeReader } from '../../server/src/cli/nodeReader';
import { BUILTIN_MODEL, EMPTY_CONFIG, KernelIndex, type IrqlensConfig } from '../../server/src/kernel';
import { createNativeParser, factsFromBytes, type CParser, type FileFacts } from '../../server/src/syntax';
// Every test that uses fixtures also keeps its fact cache out of the user's home.
import './tempCache';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

export interface Expectation {
  file: string;
  line: number;
  rule: string;
  context: string;
  via?: string[];
}

const EXPECT = /\/\*\s*expect:\s*([\w-]+)\s+([\w-]+)(?:\s+via\s+([\w>]+))?\s*\*\//g;

export function expectationsIn(dir: string, files: readonly string[]): Expectation[] {
  const out: Expectation[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const m of text.matchAll(EXPECT)) {
        out.push({ file: path.relative(dir, file), line: i + 1, rule: m[1], context: m[2], ...(m[3] ? { via: m[3].split('>') } : {}) });
      }
    });
  }
  return out;
}

/** The function names along a witness, consecutive repeats folded. */
export function viaOf(f: Finding): string[] {
  const names: string[] = [];
  for (const s of f.path) if (names[names.length - 1] !== s.function) names.push(s.function);
  return names;
}

let nativeParser: CParser | undefined;
export function parser(): CParser {
  nativeParser ??= createNativeParser();
  return nativeParser;
}

export function loadFacts(dir: string, p: CParser = parser()): { facts: FileFacts[]; files: string[]; skipped: string[] } {
  const selection = selectSources([dir], nodeReader);
  const facts = collectFacts(selection.files, nodeReader, (file, bytes) => factsFromBytes(p, file, bytes));
  return { facts, files: selection.files, skipped: selection.skipped.map((s) => s.file) };
}

export function analyzeDir(dir: string, config: IrqlensConfig = EMPTY_CONFIG): Analysis {
  return analyze(loadFacts(dir).facts, new KernelIndex(BUILTIN_MODEL, config));
}

export function fixtureDirs(kind: string): string[] {
  const base = path.join(FIXTURES, kind);
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(base, d.name))
    .sort();
}
