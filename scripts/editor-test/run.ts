/**
 * `npm run test:editor`: irqlens in a real VS Code, offline. code-server (VS Code served to
 * a browser, from npm) runs in its own process group with fresh user-data and extension
 * folders; Debian's Chromium, driven by playwright-core, is the browser. The recipe and
 * why each flag is there: ../shared/guide/testing-in-a-real-editor.md.
 *
 * 1. The .vsix from `npm run package` is installed with `code-server --install-extension`,
 *    as a user would install it.
 * 2. Integration tests run inside the real extension host (suite/index.ts), loaded through
 *    the smoke-test driver's extensionDevelopmentPath/extensionTestsPath payload.
 * 3. The same in a restricted (untrusted) workspace whose settings name a config path that
 *    would hide the finding (suite/restricted.ts): the setting is ignored, analysis goes on.
 * 4. A UI pass as a person would: open the example driver from the Explorer, see the
 *    squiggle and the Problems entry, hover, run "irqlens: Simulate this path" from F1,
 *    see the timeline. Screenshots go to .cache/editor-test/, or with --update-screenshots
 *    to docs/ for the README (a failure's screenshot always to .cache/editor-test/).
 * 5. A hostile pass: a C file whose name, comments and strings are HTML, script and
 *    javascript: links; the hover and the timeline show them as text, nothing runs, and the
 *    webview's CSP blocks a planted remote load and inline script.
 *
 * Exits 0 when everything passed, 1 otherwise; processes and temp dirs are cleaned up either way.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');
const VSIX = path.join(ROOT, 'irqlens.vsix');
const EXAMPLE = path.join(ROOT, 'examples', 'dtrace-deadman');
const FAILURES = path.join(ROOT, '.cache', 'editor-test');
/**
 * The README's screenshots are replaced only on request (`npm run test:editor --
 * --update-screenshots`); otherwise every `npm test` would rewrite two binary files.
 */
const SHOTS = process.argv.includes('--update-screenshots') ? path.join(ROOT, 'docs') : FAILURES;
/** Where `--install-extension` unpacks the .vsix: `publisher.name-version`, from the manifest. */
const EXTENSION_DIR_NAME = ((): string => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  return `${manifest.publisher}.${manifest.name}-${manifest.version}`;
})();
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function log(message: string): void {
  process.stdout.write(`editor-test: ${message}\n`);
}

interface Tools {
  node24: string;
  codeServer: string;
}

/** install.sh is idempotent: a no-op once .cache/code-server holds everything. */
function install(): Tools {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'editor-test', 'install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`install.sh failed with status ${String(r.status)}`);
  const [node24, codeServer] = r.stdout.trim().split('\n').slice(-2);
  if (!node24 || !codeServer) throw new Error(`install.sh printed no tool paths: ${r.stdout}`);
  return { node24, codeServer };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

class CodeServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {}

  static async start(tools: Tools, scratch: string, name: string, folder: string, extraArgs: string[], trust = false): Promise<CodeServer> {
    const port = await freePort();
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    // A fresh profile as a new user has it, minus the chat side bar and the welcome page,
    // which would otherwise take a third of the screenshots.
    fs.mkdirSync(path.join(dir, 'user-data', 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'user-data', 'User', 'settings.json'),
      JSON.stringify({ 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'chat.disableAIFeatures': true, 'workbench.startupEditor': 'none' }),
    );
    const logFile = path.join(dir, 'code-server.log');
    const out = fs.openSync(logFile, 'a');
    const args = [
      tools.codeServer,
      '--config', config,
      '--user-data-dir', path.join(dir, 'user-data'),
      '--extensions-dir', path.join(scratch, 'extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      // Trust prompts would interrupt the other phases; the restricted-mode phase keeps them.
      ...(trust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      ...extraArgs,
      folder,
    ];
    // detached: a new session and process group (setsid), so stop() can kill the
    // extension host and language server that outlive code-server's main process.
    // The language server's fact cache goes to the scratch directory, not the user's ~/.cache.
    const env = { ...process.env, IRQLENS_CACHE_DIR: path.join(dir, 'fact-cache'), PATH: `${path.dirname(tools.node24)}:${process.env.PATH ?? ''}` };
    const child = spawn(tools.node24, args, { detached: true, stdio: ['ignore', out, out], env });
    fs.closeSync(out);
    const server = new CodeServer(child, port, logFile);
    running.add(server);
    await server.waitHealthy();
    return server;
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`code-server exited with ${this.child.exitCode}; see ${this.logFile}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer /healthz within 60 s; see ${this.logFile}`);
  }

  url(query: string): string {
    return `http://127.0.0.1:${this.port}/?${query}`;
  }

  stop(): void {
    running.delete(this);
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const running = new Set<CodeServer>();

async function launchBrowser(scratch: string): Promise<BrowserContext> {
  // Playwright rejects --user-data-dir in args; a persistent context gets a fresh profile dir.
  return chromium.launchPersistentContext(path.join(scratch, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1680, height: 1050 },
    // Playwright's own signal handlers would exit the process before ours stop code-server.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/** Runs one suite module (compiled into out/editor-test/suite/) in the real extension host. */
async function runIntegrationSuite(
  tools: Tools,
  scratch: string,
  browser: BrowserContext,
  workspace: string,
  suiteName: string,
  options: { trust: boolean },
): Promise<void> {
  const server = await CodeServer.start(tools, scratch, `suite-${suiteName}`, workspace, ['--vscode-option', 'enable-smoke-test-driver'], options.trust);
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(path.join(scratch, 'extensions', EXTENSION_DIR_NAME))],
    ['extensionTestsPath', remote(path.join(ROOT, 'out', 'editor-test', 'suite', `${suiteName}.js`))],
    ['skipWelcome', 'true'],
  ];
  const page = await browser.newPage();
  try {
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: unknown) => resolve(typeof code === 'number' ? code : 1));
    });
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      const parts = Array.isArray(args) ? args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))) : [String(args)];
      const line = parts.join(' ');
      // The suite's own lines; the workbench's offline noise (gallery, telemetry) is dropped.
      if (/^(not )?ok - |editor checks failed/.test(line) || (type === 'error' && !/authentication provider/.test(line))) log(`  [host] ${line}`);
    });
    await page.goto(server.url(`folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`));
    const timeout = new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`suite ${suiteName} did not finish within 180 s`)), 180_000));
    const code = await Promise.race([exit, timeout]);
    if (code !== 0) {
      await page.screenshot({ path: path.join(FAILURES, `${suiteName}-failure.png`) }).catch(() => undefined);
      throw new Error(`suite ${suiteName} failed (exit code ${code}); code-server log: ${server.logFile}`);
    }
    log(`suite ${suiteName} passed`);
  } finally {
    await page.close().catch(() => undefined);
    server.stop();
  }
}

/** The webview's content frame: VS Code nests the page in iframe.webview > iframe#active-frame. */
async function timelineFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.locator('table.timeline').count().catch(() => 0)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error('the timeline webview did not render a table within 60 s');
}

/** Runs one named check of a UI pass, logging it, with a screenshot and the log's path on failure. */
function stepper(pass: string, page: Page, server: CodeServer) {
  return async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    try {
      const value = await body();
      log(`  ok - ${what}`);
      return value;
    } catch (err) {
      const shot = path.join(FAILURES, `${pass}-failure.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      throw new Error(`${pass} pass: ${what}: ${err instanceof Error ? err.message : String(err)} (screenshot in ${path.relative(ROOT, shot)}, log ${server.logFile})`);
    }
  };
}

/** Runs "irqlens: Simulate this path" from F1 with the cursor on `token`, and returns the timeline's frame. */
async function simulateFromPalette(page: Page, token: string | RegExp): Promise<Frame> {
  await page.locator('.monaco-editor .view-line span').filter({ hasText: token }).first().click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>irqlens: Simulate this path');
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Simulate this path' }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  return timelineFrame(page);
}

/** What a person does and sees. */
async function runUiPass(tools: Tools, scratch: string, browser: BrowserContext, workspace: string): Promise<void> {
  const server = await CodeServer.start(tools, scratch, 'ui', workspace, []);
  const page = await browser.newPage();
  // Console messages of every frame, the webview's included: a CSP violation would mean the
  // timeline tried to load or run something its policy does not allow.
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  const step = stepper('ui', page, server);
  try {
    await page.goto(server.url(`folder=${encodeURIComponent(workspace)}`));
    await step('the workbench loads', () => page.locator('.monaco-workbench').waitFor({ timeout: 60_000 }));
    // Quick Open right after start-up was flaky (the guide); the Explorer is what a person uses anyway.
    await step('open common/dtrace_xcall.c from the Explorer', async () => {
      await page.getByRole('treeitem', { name: 'common' }).click({ timeout: 30_000 });
      await page.getByRole('treeitem', { name: 'dtrace_xcall.c' }).dblclick({ timeout: 30_000 });
      await page.locator('.monaco-editor .view-line').filter({ hasText: 'smp_call_function(func, arg, 1);' }).waitFor({ timeout: 30_000 });
    });
    await step('the forbidden call is squiggled', () => page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 }));
    await step('the Problems panel lists the finding', async () => {
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel').getByText('smp_call_function() may run in hardirq context').first().waitFor({ timeout: 30_000 });
    });
    await step('hovering the call shows why', async () => {
      const token = page.locator('.monaco-editor .view-line span').filter({ hasText: /^smp_call_function$/ }).first();
      await token.hover();
      await page.locator('.monaco-hover').filter({ hasText: 'hardirq' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      // Let the hover finish rendering its markdown before the picture is taken.
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, 'screenshot-diagnostic.png') });
    });
    await step('"irqlens: Simulate this path" from the command palette opens the timeline', async () => {
      // The Problems panel and the Explorer have been seen; closing them gives the timeline room.
      await page.keyboard.press('Control+J');
      await page.keyboard.press('Control+B');
      // The cursor on the finding's line, as a person would put it before running the command.
      const frame = await simulateFromPalette(page, /^smp_call_function$/);
      await frame.locator('.badge-deadlock').first().waitFor({ timeout: 30_000 });
      await frame.locator('svg.ipis line.ipi').first().waitFor({ state: 'attached', timeout: 30_000 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, 'screenshot-timeline.png') });
    });
    await step('clicking a step reveals its source line', async () => {
      const frame = await timelineFrame(page);
      await frame.locator('button.step').filter({ hasText: 'dtrace_sync()' }).first().click();
      // dtrace_sync() is called from dtrace_state.c; the editor switches to that file.
      await page.locator('.monaco-editor .view-line').filter({ hasText: 'dtrace_sync();' }).first().waitFor({ timeout: 30_000 });
      await page.locator('.tabs-container .tab.active').filter({ hasText: 'dtrace_state.c' }).waitFor({ timeout: 30_000 });
    });
    await step('the page logged no Content-Security-Policy violation', async () => {
      if (cspViolations.length > 0) throw new Error(cspViolations.join('\n'));
    });
    log(`UI pass passed; screenshots in ${path.relative(ROOT, SHOTS)}/screenshot-{diagnostic,timeline}.png`);
  } finally {
    await page.close().catch(() => undefined);
    server.stop();
  }
}

/**
 * A workspace whose one C file carries markup in its name, its comments and a string that
 * reaches the timeline's instruction text. Markup that ran would set document.title.
 */
const HOSTILE_NAME = `<img src=x onerror=document.title='pwned'>.c`;
const HOSTILE_PAYLOAD = `"<img src=x onerror=document.title='pwned'></script><a href=javascript:document.title='pwned'>x</a>"`;

function hostileWorkspace(scratch: string): string {
  const dir = path.join(scratch, 'hostile');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'scripts', 'editor-test', 'fixtures', 'hostile.c'), path.join(dir, HOSTILE_NAME));
  return dir;
}

/** In the webview's frame: what a planted load or inline script does under the page's CSP. */
async function plantInWebview(frame: Frame): Promise<{ violations: string[]; inlineRan: boolean }> {
  return frame.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    const img = document.createElement('img');
    img.src = 'https://example.invalid/planted.png';
    document.body.append(img);
    const style = document.createElement('link');
    style.rel = 'stylesheet';
    style.href = 'https://example.invalid/planted.css';
    document.head.append(style);
    const script = document.createElement('script');
    script.textContent = "document.body.dataset.inlineRan = 'yes'";
    document.body.append(script);
    // Violations are reported as events after the element is processed.
    for (let i = 0; i < 40 && violations.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    return { violations, inlineRan: document.body.dataset.inlineRan === 'yes' };
  });
}

/** Markup from C source and file names stays text in the hover and the timeline, and the webview's CSP holds. */
async function runHostilePass(tools: Tools, scratch: string, browser: BrowserContext): Promise<void> {
  const workspace = hostileWorkspace(scratch);
  const server = await CodeServer.start(tools, scratch, 'hostile', workspace, []);
  const page = await browser.newPage();
  const step = stepper('hostile', page, server);
  try {
    await page.goto(server.url(`folder=${encodeURIComponent(workspace)}`));
    await step('the workbench loads', () => page.locator('.monaco-workbench').waitFor({ timeout: 60_000 }));
    await step('the file whose name is markup opens from the Explorer, its name shown as text', async () => {
      await page.getByRole('treeitem', { name: HOSTILE_NAME }).dblclick({ timeout: 30_000 });
      await page.locator('.tabs-container .tab.active').filter({ hasText: HOSTILE_NAME }).waitFor({ timeout: 30_000 });
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    });
    await step('the hover on the call, with the markup file name in its related links, renders no element and no script link', async () => {
      await page.locator('.monaco-editor .view-line span').filter({ hasText: /^smp_call_function$/ }).first().hover();
      await page.locator('.monaco-hover').filter({ hasText: 'hardirq' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      const hover = page.locator('.monaco-hover');
      const injected = await hover.locator('img, script, iframe, a[href^="javascript"], a[data-href^="javascript"]').count();
      if (injected > 0) throw new Error(`${injected} injected elements in the hover: ${await hover.first().innerHTML()}`);
    });
    const frame = await step('"Simulate this path" on the finding opens the timeline', async () => {
      const f = await simulateFromPalette(page, /^smp_call_function$/);
      await f.locator('.badge-deadlock').first().waitFor({ timeout: 30_000 });
      return f;
    });
    await step('the payload and the file name appear in the timeline as literal text', async () => {
      const text = await frame.locator('body').innerText();
      for (const literal of [HOSTILE_PAYLOAD.slice(0, 30), HOSTILE_NAME]) {
        if (!text.includes(literal)) throw new Error(`${JSON.stringify(literal)} not in the timeline's text:\n${text.slice(0, 2000)}`);
      }
    });
    await step('no element was injected and no payload ran', async () => {
      // VS Code itself prepends one inline script (#_vscodeApiScript, acquireVsCodeApi) before the page's CSP applies.
      const injected = await frame.locator('img, iframe, object, embed, a, script:not([nonce]):not(#_vscodeApiScript)').count();
      if (injected > 0) throw new Error(`${injected} injected elements: ${await frame.locator('body').innerHTML()}`);
      const titles = [await frame.evaluate(() => document.title), await page.title()];
      // The window's title quotes the file name, 'pwned' and all: only a title that is exactly 'pwned' means a payload ran.
      if (titles.includes('pwned') || titles[0] !== 'irqlens: timeline') throw new Error(`a payload ran: titles ${JSON.stringify(titles)}`);
    });
    await step("the CSP: default-src 'none', scripts only by nonce, no remote host", async () => {
      const metas = await frame.locator('meta[http-equiv="Content-Security-Policy"]').evaluateAll((els) => els.map((e) => e.getAttribute('content') ?? ''));
      const csp = metas.find((c) => c.includes("'nonce-")) ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));
      const problems: string[] = [];
      if (directives.get('default-src')?.join(' ') !== "'none'") problems.push("default-src is not 'none'");
      const scripts = directives.get('script-src') ?? [];
      if (scripts.length !== 1 || !/^'nonce-[A-Za-z0-9+/=]+'$/.test(scripts[0])) problems.push(`script-src is ${scripts.join(' ')}`);
      // webview.cspSource, `https://*.vscode-cdn.net`, is VS Code's own resource origin, served locally; any other host is remote.
      if (/unsafe-inline|unsafe-eval|https?:\/\/(?!\*\.vscode-cdn\.net(?:[\s;]|$))|(?<!https:\/\/)\*/.test(csp)) problems.push('a wildcard, a remote host or an unsafe keyword');
      if (problems.length > 0) throw new Error(`${problems.join('; ')}: ${csp}`);
      const script = await frame.locator('script[nonce]').count();
      if (script !== 1) throw new Error(`${script} nonce scripts`);
    });
    await step('a planted remote image, remote stylesheet and inline script are blocked', async () => {
      const planted = await plantInWebview(frame);
      if (planted.inlineRan) throw new Error('the planted inline script ran');
      for (const directive of ['img-src', 'style-src', 'script-src']) {
        if (!planted.violations.some((v) => v.startsWith(directive))) throw new Error(`no ${directive} violation: ${JSON.stringify(planted.violations)}`);
      }
    });
    log('hostile pass passed');
  } finally {
    await page.close().catch(() => undefined);
    server.stop();
  }
}

/**
 * The example again, with workspace settings pointing irqlens.configPath at a config that
 * turns the xcall rule off: honoured, it would hide the finding.
 */
function restrictedWorkspace(scratch: string): string {
  const dir = path.join(scratch, 'restricted', 'dtrace-deadman');
  fs.cpSync(EXAMPLE, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.vscode'));
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'irqlens.configPath': 'rules-off.irqlens.json' }));
  fs.writeFileSync(path.join(dir, 'rules-off.irqlens.json'), JSON.stringify({ rules: { 'xcall-in-atomic': false } }));
  return dir;
}

async function main(): Promise<number> {
  if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run \`npm run package\` first (npm run test:editor does)`);
  const suite = path.join(ROOT, 'out', 'editor-test', 'suite', 'index.js');
  if (!fs.existsSync(suite)) throw new Error(`${suite} is missing: compile with tsc -p scripts/editor-test`);
  fs.mkdirSync(FAILURES, { recursive: true });
  // A failure screenshot left from an earlier run would point at the wrong problem.
  for (const f of fs.readdirSync(FAILURES)) if (f.endsWith('-failure.png')) fs.rmSync(path.join(FAILURES, f));
  fs.mkdirSync(SHOTS, { recursive: true });

  log('checking code-server, Node 24 and Chromium (first run installs them: about 3 minutes)');
  const tools = install();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-editor-'));
  const workspace = path.join(scratch, 'dtrace-deadman');
  fs.cpSync(EXAMPLE, workspace, { recursive: true });
  let browser: BrowserContext | undefined;
  const cleanup = async (): Promise<void> => {
    // code-server first, synchronously, so even an exit mid-cleanup leaves no server behind;
    // then the browser, which writes into its profile under scratch until it is closed.
    for (const server of [...running]) server.stop();
    await browser?.close().catch(() => undefined);
    try {
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (err) {
      log(`could not remove ${scratch}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  // An interrupted run (Ctrl-C, a CI timeout) still stops code-server and removes the scratch dir.
  const onSignal = (): void => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`installing ${path.basename(VSIX)} into a fresh extensions dir`);
    const inst = spawnSync(tools.node24, [tools.codeServer, '--extensions-dir', path.join(scratch, 'extensions'), '--install-extension', VSIX], {
      encoding: 'utf8',
    });
    if (inst.status !== 0 || !fs.existsSync(path.join(scratch, 'extensions', EXTENSION_DIR_NAME, 'dist', 'server.js'))) {
      throw new Error(`installing the .vsix failed:\n${inst.stdout}\n${inst.stderr}`);
    }
    browser = await launchBrowser(scratch);
    log('integration suite in the extension host');
    await runIntegrationSuite(tools, scratch, browser, workspace, 'index', { trust: false });
    log('restricted mode: an untrusted workspace whose settings name a config path');
    await runIntegrationSuite(tools, scratch, browser, restrictedWorkspace(scratch), 'restricted', { trust: true });
    log('UI pass');
    await runUiPass(tools, scratch, browser, workspace);
    log('hostile pass: markup in a file name, comments and strings');
    await runHostilePass(tools, scratch, browser);
    return 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => {
    log('all passed');
    process.exit(code);
  },
  (err: unknown) => {
    log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
