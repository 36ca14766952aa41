#!/usr/bin/env node
// @ts-check
// The triage sample of issue 5: runs `irqlens check --all --format json` on each kernel
// corpus (or reads a JSON report given with --from), and writes every xcall-in-atomic
// finding plus a fixed-seed random sample of sleep-in-atomic findings as a markdown
// checklist, each with its witness in one line, for verdicts in docs/triage.md.
//
//   node scripts/triage-sample.js [--seed 5] [--sample 50] [--out FILE] [--from CORPUS=report.json ...]
//
// Corpora: drivers, kernel, mm, arch/x86/kernel under .cache/linux-6.1
// (scripts/kernel-corpus.sh). Whole drivers/ takes a quarter of an hour and ~9 GB: run
// it under `flock /tmp/irqlens-heavy.lock nice` on the shared machine.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
// The simulator's seeded PRNG (build first: npx tsc -b), so the sample replays from its seed.
const { mulberry32 } = require(path.join(root, 'out', 'server', 'src', 'sim', 'prng.js'));
const CORPORA = ['drivers', 'kernel', 'mm', 'arch/x86/kernel'];

function parseArgs(argv) {
  const out = { seed: 5, sample: 50, out: '', from: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') out.seed = Number(argv[++i]);
    else if (a === '--sample') out.sample = Number(argv[++i]);
    else if (a === '--out') out.out = argv[++i];
    else if (a === '--from') {
      const [corpus, file] = argv[++i].split('=');
      out.from.set(corpus, file);
    } else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

function report(corpus, from) {
  const file = from.get(corpus);
  if (file) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const dir = path.join(root, '.cache', 'linux-6.1', corpus);
  let text;
  try {
    text = execFileSync(process.execPath, [path.join(root, 'bin', 'irqlens.js'), 'check', dir, '--format', 'json', '--all'], {
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
  } catch (err) {
    // Exit status 1 means "there are findings"; the report is on stdout all the same.
    if (err.status !== 1) throw err;
    text = err.stdout;
  }
  return JSON.parse(text);
}

/** The witness as `entry > f ~> g > callee()`: `~>` marks a hop through a function pointer. */
function chain(f) {
  let text = '';
  let hop = '';
  for (const s of f.path) {
    if (s.kind === 'context') continue;
    if (!text.endsWith(s.function)) text += `${hop}${s.function}`;
    hop = s.kind === 'indirect' ? ' ~> ' : ' > ';
  }
  return `${text} > ${f.callee}()`;
}

function line(corpus, f, n) {
  const where = `${corpus}/${f.location.file}:${f.location.line}`;
  return `| ${n} | \`${where}\` | ${f.rule} | ${f.context} | ${f.confidence} | ${chain(f).replace(/\|/g, '\\|')} | | |`;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const xcalls = [];
  const sleeps = [];
  for (const corpus of CORPORA) {
    const r = report(corpus, args.from);
    for (const f of r.findings) (f.rule === 'xcall-in-atomic' ? xcalls : sleeps).push({ corpus, f });
  }
  const byId = (a, b) => `${a.corpus}/${a.f.id}`.localeCompare(`${b.corpus}/${b.f.id}`);
  xcalls.sort(byId);
  sleeps.sort(byId);
  // Partial Fisher-Yates over the sorted list: the sample depends only on the seed and the findings.
  const next = mulberry32(args.seed);
  const pool = [...sleeps];
  const sample = [];
  for (let i = 0; i < Math.min(args.sample, pool.length); i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
    sample.push(pool[i]);
  }
  const head = '| # | location | rule | context | confidence | witness | verdict | cause |\n|---|---|---|---|---|---|---|---|';
  const out = [
    `Findings: ${xcalls.length} xcall-in-atomic, ${sleeps.length} sleep-in-atomic (all confidences).`,
    '',
    `### Every xcall-in-atomic finding`,
    '',
    head,
    ...xcalls.map((x, i) => line(x.corpus, x.f, i + 1)),
    '',
    `### ${sample.length} sleep-in-atomic findings, seed ${args.seed}`,
    '',
    head,
    ...sample.map((x, i) => line(x.corpus, x.f, i + 1)),
    '',
  ].join('\n');
  if (args.out) fs.writeFileSync(args.out, out);
  else process.stdout.write(out);
}

main();
