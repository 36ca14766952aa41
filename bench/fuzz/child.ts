/**
 * The fuzzer's worker process: builds each input it is sent and runs it through the
 * pipeline. It is a separate process so that what no try/catch can catch — a hang, an
 * out-of-memory abort, a native parser crash — kills only it; the parent reports the
 * input and starts a new one.
 */
import { createNativeParser, createWasmParser } from '../../server/src/syntax';
import { loadCorpus } from './corpus';
import { makeInput, type Category, type Corpus } from './inputs';
import { runPipeline, type Outcome } from './pipeline';

export type ToChild = { kind: 'init'; root: string; kernelDir: string | null } | { kind: 'run'; category: Category; seed: number; native: boolean };
export type FromChild = { kind: 'ready' } | { kind: 'done'; label: string; bytes: number; outcome: Outcome };

const parsers = createWasmParser().then((wasm) => ({ wasm, native: createNativeParser() }));
let corpus: Corpus | null = null;
const send = (m: FromChild): void => void process.send?.(m);

async function handle(m: ToChild): Promise<void> {
  const { wasm, native } = await parsers;
  if (m.kind === 'init') {
    corpus = loadCorpus(m.root, m.kernelDir);
    send({ kind: 'ready' });
    return;
  }
  if (!corpus) throw new Error('run before init');
  const input = makeInput(m.category, m.seed, corpus);
  const { outcome } = runPipeline(input, m.native ? native : wasm);
  send({ kind: 'done', label: input.label, bytes: input.bytes.length, outcome });
}

process.on('message', (m: ToChild) => void handle(m));
