/**
 * Fuzz inputs: each is a pure function of (category, seed, corpus), so any input the fuzzer
 * reports can be rebuilt from its name. Mutations start from real C files (the kernel
 * corpus in long runs, the committed fixtures in CI); the synthetic categories build the
 * pathological shapes a parser and a whole-program analysis meet at their limits.
 */
import { mulberry32, pick, type Rng } from '../../server/src/sim/prng';

export const CATEGORIES = [
  'byte-flip',
  'truncate',
  'splice',
  'delete-braces',
  'repeat-macro',
  'random-bytes',
  'token-soup',
  'huge-line',
  'deep-nesting',
  'many-functions',
  'cyclic-calls',
  'bad-config',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Categories that mutate corpus files; the others need no corpus. */
export const MUTATIONS: readonly Category[] = ['byte-flip', 'truncate', 'splice', 'delete-braces', 'repeat-macro'];

export interface FuzzInput {
  category: Category;
  seed: number;
  /** What was built, in words: "flip 12 bytes of drivers/x.c". */
  label: string;
  path: string;
  bytes: Uint8Array;
  /** `.irqlens.json` text, for bad-config inputs. */
  config?: string;
}

/** Source files to mutate: sorted lists of paths and a reader for them. */
export interface Corpus {
  files: readonly string[];
  /** Small files known to have findings, picked half the time, so mutants reach the scenario builder. */
  withFindings: readonly string[];
  read(file: string): Uint8Array;
}

const enc = new TextEncoder();
const latin1 = new TextDecoder('latin1');

function choose<T>(rng: Rng, items: readonly T[]): T {
  return items[pick(rng, items.length)];
}

function corpusFile(rng: Rng, corpus: Corpus): { file: string; bytes: Uint8Array } {
  const useFindings = corpus.withFindings.length > 0 && (corpus.files.length === 0 || rng() < 0.5);
  const file = choose(rng, useFindings ? corpus.withFindings : corpus.files);
  return { file, bytes: corpus.read(file) };
}

/** The bytes as text, one character per byte, so mutations never fail to decode. */
const asText = (b: Uint8Array): string => latin1.decode(b);
const fromText = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function byteFlip(rng: Rng, corpus: Corpus): Omit<FuzzInput, 'category' | 'seed'> {
  const { file, bytes } = corpusFile(rng, corpus);
  const out = Uint8Array.from(bytes);
  const n = 1 + pick(rng, 64);
  for (let i = 0; i < n && out.length > 0; i++) {
    const at = pick(rng, out.length);
    out[at] = rng() < 0.5 ? out[at] ^ (1 << pick(rng, 8)) : pick(rng, 256);
  }
  return { label: `flip ${n} bytes of ${file}`, path: 'flip.c', bytes: out };
}

function truncate(rng: Rng, corpus: Corpus): Omit<FuzzInput, 'category' | 'seed'> {
  const { file, bytes } = corpusFile(rng, corpus);
  const k = 1 + pick(rng, 15);
  return { label: `${file} cut at ${k}/16`, path: 'truncated.c', bytes: bytes.subarray(0, Math.floor((bytes.length * k) / 16)) };
}

function splice(rng: Rng, corpus: Corpus): Omit<FuzzInput, 'category' | 'seed'> {
  const a = corpusFile(rng, corpus);
  const b = corpusFile(rng, corpus);
  const i = pick(rng, a.bytes.length + 1);
  const j = pick(rng, b.bytes.length + 1);
  const out = new Uint8Array(i + b.bytes.length - j);
  out.set(a.bytes.subarray(0, i));
  out.set(b.bytes.subarray(j), i);
  return { label: `${a.file}[0..${i}] + ${b.file}[${j}..]`, path: 'spliced.c', bytes: out };
}

function deleteBraces(rng: Rng, corpus: Corpus): Omit<FuzzInput, 'category' | 'seed'> {
  const { file, bytes } = corpusFile(rng, corpus);
  const p = [0.01, 0.1, 0.5, 1][pick(rng, 4)];
  const which = choose(rng, ['{', '}', '{}']);
  let deleted = 0;
  const text = asText(bytes).replace(/[{}]/g, (c) => (which.includes(c) && rng() < p ? (deleted++, '') : c));
  return { label: `${file} with ${deleted} of '${which}' deleted (p=${p})`, path: 'braces.c', bytes: fromText(text) };
}

/** Lines that are preprocessor directives or start with a macro-like call `FOO(`. */
const MACRO_LINE = /^\s*(#|[A-Z_][A-Z0-9_]*\s*\()/;

function repeatMacro(rng: Rng, corpus: Corpus): Omit<FuzzInput, 'category' | 'seed'> {
  const { file, bytes } = corpusFile(rng, corpus);
  const lines = asText(bytes).split('\n');
  const macro = lines.flatMap((l, i) => (MACRO_LINE.test(l) ? [i] : []));
  const times = [2, 10, 100, 1000, 10000][pick(rng, 5)];
  if (macro.length === 0) return { label: `${file} (no macro line to repeat)`, path: 'repeated.c', bytes };
  const at = choose(rng, macro);
  const out = [...lines.slice(0, at), ...new Array<string>(times).fill(lines[at]), ...lines.slice(at + 1)];
  return { label: `${file} line ${at + 1} repeated ${times} times`, path: 'repeated.c', bytes: fromText(out.join('\n')) };
}

function randomBytes(rng: Rng): Omit<FuzzInput, 'category' | 'seed'> {
  const n = [0, 1, 16, 4096, 65536][pick(rng, 5)];
  const out = new Uint8Array(n);
  // Half the inputs avoid NUL, so they get past the binary check and reach the parser.
  const noNul = rng() < 0.5;
  for (let i = 0; i < n; i++) out[i] = noNul ? 1 + pick(rng, 255) : pick(rng, 256);
  return { label: `${n} random bytes${noNul ? ' without NUL' : ''}`, path: 'random.c', bytes: out };
}

/** C tokens, including names JavaScript objects already own (a plain-object map would trip on them). */
const TOKENS = [
  '{', '}', '(', ')', '[', ']', ';', ',', '*', '&', '=', '->', '.', '?', ':', '#if 0\n', '#endif\n', '#ifdef X\n', '#else\n',
  '/*', '*/', '//', '"', "'", '\\\n', '\n', 'static', 'void', 'int', 'struct', 'return', 'if', 'else', 'while', 'for', 'goto',
  'switch', 'case', 'default:', 'sizeof', 'typedef', 'f', 'g', 'x', 'ops', '__proto__', 'constructor', 'toString',
  'hasOwnProperty', 'smp_call_function', 'on_each_cpu', 'request_irq', 'spin_lock_irqsave', 'spin_unlock_irqrestore',
  'local_irq_disable', 'msleep', 'mutex_lock', 'kmalloc', 'GFP_KERNEL', 'irqreturn_t', 'IRQ_HANDLED', 'container_of',
  'list_for_each_entry', 'DECLARE_TASKLET', 'module_init', '__init', '0', '1', '0x1f', '"s"',
];

function tokenSoup(rng: Rng): Omit<FuzzInput, 'category' | 'seed'> {
  const n = [10, 100, 1000, 20000][pick(rng, 4)];
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(choose(rng, TOKENS));
  return { label: `${n} random C tokens`, path: 'soup.c', bytes: enc.encode(parts.join(' ')) };
}

const TEN_MB = 10 * 1024 * 1024;

/** One line of about 10 MB made of `unit`, wrapped by `before`/`after`. */
function hugeLine(before: string, unit: string, after: string): string {
  return before + unit.repeat(Math.ceil(TEN_MB / unit.length)) + after;
}

export const HUGE_LINES: Record<string, () => string> = {
  identifier: () => hugeLine('void f(void) { ', 'a', '(); }'),
  sum: () => hugeLine('int f(void) { return 1', '+1', '; }'),
  string: () => hugeLine('const char *s = "', 'x', '";'),
  comment: () => hugeLine('void f(void) { g(); } // ', 'c', ''),
  calls: () => hugeLine('void f(void) { ', 'g();', ' }'),
  semicolons: () => hugeLine('', ';', ''),
  initializer: () => hugeLine('static struct ops o[] = { ', '{ .fn = f },', ' };'),
};

function hugeLineInput(rng: Rng): Omit<FuzzInput, 'category' | 'seed'> {
  const kind = choose(rng, Object.keys(HUGE_LINES));
  return { label: `10 MB line: ${kind}`, path: 'huge-line.c', bytes: enc.encode(HUGE_LINES[kind]()) };
}

export const DEEP = 10_000;

const nest = (open: string, middle: string, close: string): string => open.repeat(DEEP) + middle + close.repeat(DEEP);

export const DEEP_SHAPES: Record<string, () => string> = {
  braces: () => `void f(void) { a(); ${nest('{ ', 'b();', ' }')} c(); }`,
  parens: () => `int f(void) { return ${nest('(', '1', ')')}; }`,
  ifs: () => `void f(int x) { ${'if (x) '.repeat(DEEP)}g(); }`,
  'else-if': () => `void f(int x) { if (x == 0) g(); ${Array.from({ length: DEEP }, (_, i) => `else if (x == ${i + 1}) g();`).join(' ')} }`,
  calls: () => `void f(void) { ${nest('g(', 'x', ')')}; }`,
  ternaries: () => `int f(int x) { return ${'x ? '.repeat(DEEP)}1${' : 0'.repeat(DEEP)}; }`,
  sum: () => `int f(void) { return 1${' + 1'.repeat(DEEP)}; }`,
  initializer: () => `static struct s v = ${nest('{ ', '0', ' }')};`,
  preprocessor: () => `${'#ifdef CONFIG_X\n'.repeat(DEEP)}void f(void) { g(); }\n${'#endif\n'.repeat(DEEP)}`,
  unclosed: () => `void f(void) { ${'{ g(); '.repeat(DEEP)}`,
  pointers: () => `void f(void) { int ${'*'.repeat(DEEP)}p = 0; ${'*'.repeat(DEEP)}p = 1; }`,
  casts: () => `void f(void) { x = ${'(void *)'.repeat(DEEP)}0; }`,
};

function deepNesting(rng: Rng): Omit<FuzzInput, 'category' | 'seed'> {
  const kind = choose(rng, Object.keys(DEEP_SHAPES));
  return { label: `${DEEP}-deep ${kind}`, path: 'deep.c', bytes: enc.encode(DEEP_SHAPES[kind]()) };
}

export const MANY = 100_000;

const IRQ_ENTRY = [
  'static irqreturn_t fuzz_irq(int irq, void *dev)',
  '{',
  '\tf0();',
  '\treturn IRQ_HANDLED;',
  '}',
  'static int fuzz_probe(void)',
  '{',
  '\treturn request_irq(1, fuzz_irq, 0, "fuzz", NULL);',
  '}',
].join('\n');

export const MANY_SHAPES: Record<string, (n: number) => string> = {
  /** f0 -> f1 -> ... -> f(n-1), which makes a synchronous cross-CPU call: one witness n calls long. */
  chain: (n) =>
    [
      ...Array.from({ length: n }, (_, i) => `static void f${i}(void);`),
      IRQ_ENTRY,
      ...Array.from({ length: n - 1 }, (_, i) => `static void f${i}(void) { f${i + 1}(); }`),
      `static void f${n - 1}(void) { smp_call_function(g, NULL, 1); }`,
    ].join('\n'),
  /** n unrelated functions, each with a locked region. */
  flat: (n) => Array.from({ length: n }, (_, i) => `int f${i}(int x) { spin_lock(&l); x = g${i % 100}(x); spin_unlock(&l); return x; }`).join('\n'),
  /** n hard-IRQ handlers, every one registered, every one sleeping. */
  handlers: (n) =>
    [
      ...Array.from({ length: n }, (_, i) => `static irqreturn_t h${i}(int irq, void *d) { msleep(1); return IRQ_HANDLED; }`),
      `static int probe(void) { ${Array.from({ length: n }, (_, i) => `request_irq(${i}, h${i}, 0, "h", NULL);`).join(' ')} return 0; }`,
    ].join('\n'),
};

function manyFunctions(rng: Rng): Omit<FuzzInput, 'category' | 'seed'> {
  const kind = choose(rng, Object.keys(MANY_SHAPES));
  return { label: `${MANY} functions: ${kind}`, path: 'many.c', bytes: enc.encode(MANY_SHAPES[kind](MANY)) };
}

/**
 * Call graphs with cycles through function pointers. `n` functions; an IRQ handler calls
 * f0; f(n-1) makes a synchronous cross-CPU call, so every shape has exactly one finding,
 * reached through the pointers.
 */
export const CYCLES: Record<string, (n: number) => string> = {
  /** f(i) calls f(i+1 mod n) through the field of a static ops struct. */
  ring: (n) =>
    [
      'struct ops { void (*fn)(void); };',
      ...Array.from({ length: n }, (_, i) => `static void f${i}(void);`),
      ...Array.from({ length: n }, (_, i) => `static struct ops o${i} = { .fn = f${(i + 1) % n} };`),
      IRQ_ENTRY,
      ...Array.from({ length: n }, (_, i) => `static void f${i}(void) { o${i}.fn();${i === n - 1 ? ' smp_call_function(g, NULL, 1);' : ''} }`),
    ].join('\n'),
  /** Every function calls every function through one table of pointers. */
  table: (n) =>
    [
      ...Array.from({ length: n }, (_, i) => `static void f${i}(int k);`),
      `static void (*table[])(int) = { ${Array.from({ length: n }, (_, i) => `f${i}`).join(', ')} };`,
      IRQ_ENTRY.replace('f0();', 'f0(0);'),
      ...Array.from({ length: n }, (_, i) => `static void f${i}(int k) { table[k](k + 1);${i === n - 1 ? ' smp_call_function(g, NULL, 1);' : ''} }`),
    ].join('\n'),
  /** f(i) hands f(i+1 mod n) to a helper that calls its parameter. */
  callback: (n) =>
    [
      'static void call(void (*cb)(void)) { cb(); }',
      ...Array.from({ length: n }, (_, i) => `static void f${i}(void);`),
      IRQ_ENTRY,
      ...Array.from({ length: n }, (_, i) => `static void f${i}(void) { call(f${(i + 1) % n});${i === n - 1 ? ' smp_call_function(g, NULL, 1);' : ''} }`),
    ].join('\n'),
  /** A pointer variable each function re-points before calling through it. */
  variable: (n) =>
    [
      'static void (*next)(void);',
      ...Array.from({ length: n }, (_, i) => `static void f${i}(void);`),
      IRQ_ENTRY,
      ...Array.from({ length: n }, (_, i) => `static void f${i}(void) { next = f${(i + 1) % n}; next();${i === n - 1 ? ' smp_call_function(g, NULL, 1);' : ''} }`),
    ].join('\n'),
};

function cyclicCalls(rng: Rng): Omit<FuzzInput, 'category' | 'seed'> {
  const kind = choose(rng, Object.keys(CYCLES));
  const n = [1, 2, 3, 10, 100, 1000, 5000][pick(rng, 7)];
  return { label: `${kind} cycle of ${n}`, path: 'cycle.c', bytes: enc.encode(CYCLES[kind](n)) };
}

const VALID_CONFIG = {
  entryPoints: [{ function: 'fuzz_entry', context: 'hardirq', note: 'fuzz' }],
  forbidden: [{ name: 'my_sync', rule: 'xcall-in-atomic' }],
  contextChanges: [{ name: 'my_lock', effects: ['lock', 'irq-save'], lockArg: 0, flagsArg: 1 }],
  wrappers: { my_xcall: 'smp_call_function' },
  rules: { 'sleep-in-atomic': false },
};

/** C the configuration talks about, so a config that parses changes the analysis. */
const CONFIG_C = [
  'void fuzz_entry(void) { my_xcall(g, 0, 1); my_sync(); }',
  'void worker(unsigned long flags) { my_lock(&l, flags); msleep(1); }',
].join('\n');

function randomJson(rng: Rng, depth: number): unknown {
  switch (pick(rng, depth > 3 ? 5 : 7)) {
    case 0: return null;
    case 1: return rng() < 0.5;
    case 2: return choose(rng, [0, -1, 31, 32, 1.5, 1e308, -0]);
    case 3: return choose(rng, ['', 'hardirq', 'lock', 'bad name', 'fuzz_entry', '__proto__', 'x'.repeat(10000)]);
    case 4: return choose(rng, ['xcall-in-atomic', 'sleep-in-atomic', 'smp_call_function', 'constructor']);
    case 5: return Array.from({ length: pick(rng, 4) }, () => randomJson(rng, depth + 1));
    default: {
      const keys = ['function', 'context', 'name', 'rule', 'effects', 'lockArg', 'flagsArg', 'note', 'why', '__proto__', 'constructor', 'toString'];
      return Object.fromEntries(Array.from({ length: pick(rng, 4) }, () => [choose(rng, keys), randomJson(rng, depth + 1)]));
    }
  }
}

export const BAD_CONFIGS: Record<string, (rng: Rng) => string> = {
  truncated: (rng) => {
    const text = JSON.stringify(VALID_CONFIG, null, 2);
    return text.slice(0, pick(rng, text.length));
  },
  flipped: (rng) => {
    const chars = [...JSON.stringify(VALID_CONFIG)];
    for (let i = 0, n = 1 + pick(rng, 8); i < n; i++) chars[pick(rng, chars.length)] = String.fromCharCode(pick(rng, 128));
    return chars.join('');
  },
  'wrong-types': (rng) => {
    const keys = Object.keys(VALID_CONFIG) as Array<keyof typeof VALID_CONFIG>;
    const out: Record<string, unknown> = { ...VALID_CONFIG };
    out[choose(rng, keys)] = randomJson(rng, 0);
    return JSON.stringify(out);
  },
  'random-json': (rng) => JSON.stringify(randomJson(rng, 0)) ?? 'undefined',
  'proto-keys': () => '{"__proto__": {"rules": {"xcall-in-atomic": false}}, "wrappers": {"__proto__": "smp_call_function", "constructor": "msleep", "toString": "smp_call_function"}, "rules": {"__proto__": true}}',
  'deep-array': () => `{"entryPoints": ${'['.repeat(DEEP * 10)}${']'.repeat(DEEP * 10)}}`,
  'huge-entries': () =>
    JSON.stringify({ entryPoints: Array.from({ length: MANY }, (_, i) => ({ function: i === 0 ? 'fuzz_entry' : `f${i}`, context: 'hardirq' })) }),
  'huge-string': () => JSON.stringify({ ...VALID_CONFIG, entryPoints: [{ function: 'a'.repeat(TEN_MB), context: 'nmi' }] }),
  bom: () => `\ufeff${JSON.stringify(VALID_CONFIG)}`,
  valid: () => JSON.stringify(VALID_CONFIG),
};

function badConfig(rng: Rng): Omit<FuzzInput, 'category' | 'seed'> {
  const kind = choose(rng, Object.keys(BAD_CONFIGS));
  return { label: `.irqlens.json: ${kind}`, path: 'config.c', bytes: enc.encode(CONFIG_C), config: BAD_CONFIGS[kind](rng) };
}

/** The input for (category, seed); mutation categories need a non-empty corpus. */
export function makeInput(category: Category, seed: number, corpus: Corpus): FuzzInput {
  // The category is mixed into the seed so that seed N of two categories are unrelated.
  const rng = mulberry32(seed * 31 + CATEGORIES.indexOf(category) + 1);
  const build = (): Omit<FuzzInput, 'category' | 'seed'> => {
    switch (category) {
      case 'byte-flip': return byteFlip(rng, corpus);
      case 'truncate': return truncate(rng, corpus);
      case 'splice': return splice(rng, corpus);
      case 'delete-braces': return deleteBraces(rng, corpus);
      case 'repeat-macro': return repeatMacro(rng, corpus);
      case 'random-bytes': return randomBytes(rng);
      case 'token-soup': return tokenSoup(rng);
      case 'huge-line': return hugeLineInput(rng);
      case 'deep-nesting': return deepNesting(rng);
      case 'many-functions': return manyFunctions(rng);
      case 'cyclic-calls': return cyclicCalls(rng);
      case 'bad-config': return badConfig(rng);
    }
  };
  return { category, seed, ...build() };
}
