#!/usr/bin/env node
'use strict';
// Some commands need node flags that NODE_OPTIONS cannot carry or that must be set before
// V8 starts (a heap limit for whole-tree checks, a fixed young generation for the language
// server; server/src/cli/relaunch.ts says which and why): rerun in a child with them, which
// shares this process's stdio, gets the termination signals sent to it, and whose exit
// status becomes ours.
const os = require('os');
const { spawn } = require('child_process');
const { relaunchFlags } = require('../out/server/src/cli/relaunch.js');

const args = process.argv.slice(2);
const flags = relaunchFlags({ args, execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS || '', totalMemBytes: os.totalmem() });
if (flags) {
  const child = spawn(process.execPath, [...flags, ...process.execArgv, __filename, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`irqlens: cannot start node: ${err.message}\n`);
    process.exitCode = 2;
  });
  // A child ended by a signal exits as a shell reports it, 128 + the signal's number.
  child.on('exit', (code, signal) => {
    process.exitCode = code !== null ? code : 128 + (os.constants.signals[signal] || 0);
  });
} else {
  require('../out/server/src/cli/main.js')
    .main(args)
    .then((code) => {
      process.exitCode = code;
    });
}
