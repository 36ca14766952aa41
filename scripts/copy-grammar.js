#!/usr/bin/env node
// Copies the tree-sitter C grammar's wasm from its npm package into grammars/, so the
// language server inside VS Code (which cannot load native modules built for Node's ABI)
// parses with web-tree-sitter from a file that ships with the extension. No network.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const source = require.resolve('tree-sitter-c/tree-sitter-c.wasm', { paths: [root] });
const target = path.join(root, 'grammars', 'tree-sitter-c.wasm');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(source, target);
