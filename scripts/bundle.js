#!/usr/bin/env node
// @ts-check
// Bundles the VS Code extension into dist/ with esbuild, so the .vsix carries no
// node_modules:
//   dist/extension.js      the client (client/src/extension.ts), `vscode` left to the host
//   dist/server.js         the language server: `node dist/server.js --stdio | --node-ipc`
//   dist/simWorker.js      the simulator's worker thread (server/src/lsp/simulation.ts
//                          starts it from `path.join(__dirname, 'simWorker.js')`)
//   dist/tree-sitter.wasm  web-tree-sitter's runtime, found next to the bundle (see below)
//   dist/media/            the timeline webview's script and stylesheet
// The C grammar stays in grammars/tree-sitter-c.wasm, which the .vsix also carries.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const production = !process.argv.includes('--dev');

/**
 * web-tree-sitter ships ESM (`import.meta.url` locates its wasm) and CJS (`__dirname`
 * does). The server imports it with `import()`, which makes esbuild pick the ESM file, and
 * `import.meta` is empty in a CJS bundle. Bundling the CJS file instead means its
 * emscripten loader looks for tree-sitter.wasm in the bundle's own directory, where
 * this script copies it, so `Parser.init()` needs no `locateFile`.
 */
const webTreeSitterCjs = require.resolve('web-tree-sitter', { paths: [root] });

/**
 * server/src/syntax/parser.ts finds the grammar relative to its compiled place in
 * out/server/src/syntax/. In the bundle that code runs from dist/, one level below the
 * extension root, where grammars/ sits. The rewrite is exact: if the source changes, the
 * build fails here rather than shipping an extension that cannot parse.
 */
const GRAMMAR_FROM_OUT = "path.join(__dirname, '..', '..', '..', '..', 'grammars', 'tree-sitter-c.wasm')";
const GRAMMAR_FROM_DIST = "path.join(__dirname, '..', 'grammars', 'tree-sitter-c.wasm')";

/** @type {import('esbuild').Plugin} */
const grammarPathPlugin = {
  name: 'grammar-path',
  setup(build) {
    build.onLoad({ filter: /[\\/]server[\\/]src[\\/]syntax[\\/]parser\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes(GRAMMAR_FROM_OUT)) {
        return { errors: [{ text: `${args.path} no longer contains ${GRAMMAR_FROM_OUT}; update scripts/bundle.js` }] };
      }
      return { contents: text.replace(GRAMMAR_FROM_OUT, GRAMMAR_FROM_DIST), loader: 'ts' };
    });
  },
};

/** @type {import('esbuild').BuildOptions} */
const nodeOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // Native tree-sitter is only required by the CLI's `--parser native`; the extension uses wasm.
  external: ['vscode', 'tree-sitter', 'tree-sitter-c'],
  alias: { 'web-tree-sitter': webTreeSitterCjs },
  plugins: [grammarPathPlugin],
};

async function main() {
  fs.rmSync(dist, { recursive: true, force: true });
  await Promise.all([
    esbuild.build({ ...nodeOptions, entryPoints: [path.join(root, 'client/src/extension.ts')], outfile: path.join(dist, 'extension.js') }),
    esbuild.build({
      ...nodeOptions,
      // `irqlens lsp` without the rest of the CLI: the same server for every client.
      stdin: {
        contents: [
          "import { parseLspArgs, runLsp } from './server/src/cli/lspCommand';",
          'const parsed = parseLspArgs(process.argv.slice(2));',
          "if (parsed.ok) void runLsp(parsed.args);",
          "else { process.stderr.write(`irqlens server: ${parsed.error}\\n`); process.exitCode = 2; }",
        ].join('\n'),
        resolveDir: root,
        sourcefile: 'server-entry.ts',
        loader: 'ts',
      },
      outfile: path.join(dist, 'server.js'),
    }),
    esbuild.build({ ...nodeOptions, entryPoints: [path.join(root, 'server/src/lsp/simWorker.ts')], outfile: path.join(dist, 'simWorker.js') }),
    esbuild.build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      minify: production,
      logLevel: 'warning',
      entryPoints: [path.join(root, 'client/media/timeline.ts')],
      outfile: path.join(dist, 'media', 'timeline.js'),
    }),
  ]);
  fs.copyFileSync(path.join(root, 'client/media/timeline.css'), path.join(dist, 'media', 'timeline.css'));
  fs.copyFileSync(path.join(path.dirname(webTreeSitterCjs), 'tree-sitter.wasm'), path.join(dist, 'tree-sitter.wasm'));
  if (!fs.existsSync(path.join(root, 'grammars', 'tree-sitter-c.wasm'))) {
    throw new Error('grammars/tree-sitter-c.wasm is missing: run `node scripts/copy-grammar.js` (npm install does)');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
