/**
 * The extension in a real VS Code: runs `npm run test:editor` (scripts/editor-test/run.ts),
 * which packages the .vsix, installs it into code-server, runs the integration suite in the
 * extension host and a UI pass in headless Chromium. The first run on a machine installs
 * code-server, Node 24 and Chromium (about 3 minutes); later runs take under a minute.
 *
 * Set IRQLENS_SKIP_EDITOR_TESTS=1 to skip it on a machine that cannot run apt-get.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

test(
  'the packaged extension reports, hovers, offers "Simulate this path" and draws the timeline in code-server',
  { skip: process.env.IRQLENS_SKIP_EDITOR_TESTS === '1' ? 'IRQLENS_SKIP_EDITOR_TESTS=1' : false, timeout: 20 * 60_000 },
  async () => {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'test:editor'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    assert.equal(code, 0, output.join(''));
  },
);
