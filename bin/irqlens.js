#!/usr/bin/env node
'use strict';
// A whole-tree check or simulate (all of drivers/) holds every file's facts at once, several GB,
// past V8's default heap limit; rerun with a limit sized to the machine unless the
// caller chose one.
const os = require('os');
const { spawnSync } = require('child_process');

const chosen = process.execArgv.some((a) => a.startsWith('--max-old-space-size')) || /max-old-space-size/.test(process.env.NODE_OPTIONS || '');
if (!chosen && (process.argv[2] === 'check' || process.argv[2] === 'simulate')) {
  const mb = Math.floor((os.totalmem() / 1024 / 1024) * 0.75);
  const r = spawnSync(process.execPath, [`--max-old-space-size=${mb}`, ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status === null ? 2 : r.status;
} else {
  require('../out/server/src/cli/main.js')
    .main(process.argv.slice(2))
    .then((code) => {
      process.exitCode = code;
    });
}
