#!/usr/bin/env node
// `npm start`: irqlens check on the bundled example driver, the seed's bug beside its fix.
// Exits 0 when the buggy variant is flagged and the corrected one is clean, as they should be.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'irqlens.js');
const example = path.join('examples', 'dtrace-deadman');

function check(title, variant) {
  const args = ['check', path.join(example, variant), path.join(example, 'common')];
  process.stdout.write(`\n=== ${title}\n$ irqlens ${args.join(' ')}\n\n`);
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' }).status;
}

const buggy = check('DTrace deadman as shipped in 2011: hrtimer -> cyh_func -> ... -> smp_call_function', 'buggy');
const fixed = check('The same driver with the sync deferred to a workqueue', 'fixed');
const ok = buggy === 1 && fixed === 0;
process.stdout.write(ok ? '\nirqlens flags the buggy variant and passes the corrected one.\n' : `\nunexpected exit codes: buggy ${buggy}, fixed ${fixed}\n`);
process.exitCode = ok ? 0 : 1;
