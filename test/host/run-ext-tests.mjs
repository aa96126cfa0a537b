#!/usr/bin/env node
// Runs the extension's mocha tests inside a real VS Code: code-server's VS Code server (with its
// Node extension host) from .test-host/, its web workbench opened in Debian's chromium through
// playwright-core. Install the host first with scripts/setup-test-host.sh.
//
//   node test/host/run-ext-tests.mjs [--grep <regexp>] [--workspace <folder>] [--timeout <s>]
//                                    [--verbose] [--keep] [--no-build]
//
// Prints the tests' own output and, as its last line, "N passed, N failed, N skipped".
// Exit code: 0 all passed, 1 tests failed, 2 the host could not run the tests.
//
// Screenshots: a test prints `<U+2063>@@multiproc-screenshot@@ <name>.png` (see
// test/extension/helpers.ts, screenshot()) and the driver saves the page to test-results/<name>.png.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import util from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOST = path.join(ROOT, '.test-host');
const NODE24 = process.env.MULTIPROC_HOST_NODE || path.join(HOST, 'node24/bin/node');
const CS_ENTRY = process.env.MULTIPROC_HOST_CODE_SERVER || path.join(HOST, 'cs/node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUTPUT_TAG = '\u2063';
const SCREENSHOT_TAG = '@@multiproc-screenshot@@';
const SUMMARY = /^\d+ passed, \d+ failed(, \d+ skipped)?$/;

const { values: opts } = util.parseArgs({
  options: {
    grep: { type: 'string' },
    workspace: { type: 'string', default: path.join(ROOT, 'test/extension/workspace') },
    results: { type: 'string', default: path.join(ROOT, 'test-results') },
    timeout: { type: 'string', default: '300' },
    verbose: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const TESTS_OUT = path.join(ROOT, 'out/test/extension');
const workspace = path.resolve(opts.workspace);
const resultsDir = path.resolve(opts.results);
const timeoutMs = Number(opts.timeout) * 1000;

const t0 = Date.now();
const hlog = (...a) => console.error(`[ext-tests ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);

/** Compiles test/extension/*.ts to CommonJS in out/test/extension/ (the extension host require()s it). */
async function buildTests() {
  const { build } = await import('esbuild');
  const dir = path.join(ROOT, 'test/extension');
  const entryPoints = fs.readdirSync(dir).filter((f) => f === 'index.ts' || f.endsWith('.test.ts')).map((f) => path.join(dir, f));
  fs.rmSync(TESTS_OUT, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT, entryPoints, outdir: TESTS_OUT, bundle: true, format: 'cjs', platform: 'node',
    target: 'node20', sourcemap: 'inline', logLevel: 'warning', external: ['vscode', 'mocha'],
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-ext-tests-'));
let server, browser, finished = false, summary;

async function cleanup() {
  try { await browser?.close(); } catch { /* already gone */ }
  if (server && server.exitCode === null && server.signalCode === null) {
    // started detached: code-server and its extension host form one process group
    try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((r) => { const t = setTimeout(r, 3000); server.once('exit', () => { clearTimeout(t); r(); }); });
    try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (!opts.keep) fs.rmSync(runDir, { recursive: true, force: true });
  else hlog(`kept ${runDir}`);
}

async function finish(code, why) {
  if (finished) return;
  finished = true;
  hlog(`${why} -> exit ${code}`);
  await cleanup();
  // a run that ended without the runner's closing line counts as one failure
  process.stdout.write(`${summary ?? '0 passed, 1 failed, 0 skipped'}\n`);
  process.exit(code);
}
process.on('SIGINT', () => finish(130, 'SIGINT'));
process.on('SIGTERM', () => finish(143, 'SIGTERM'));

async function startServer() {
  const port = await freePort();
  const xdg = (k) => path.join(runDir, 'xdg', k);
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: xdg('config'), XDG_DATA_HOME: xdg('data'), XDG_CACHE_HOME: xdg('cache'),
    EXTENSIONS_GALLERY: '{}', // no marketplace look-ups
    MULTIPROC_TEST_RESULTS: resultsDir,
    ...(opts.grep ? { MULTIPROC_TEST_GREP: opts.grep } : {}),
  };
  const userDir = path.join(runDir, 'user-data/User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'window.commandCenter': false,
  }, null, 2));
  const cfg = path.join(runDir, 'config.yaml');
  fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [CS_ENTRY, '--config', cfg, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    // without it a built VS Code ignores extensionDevelopmentPath/extensionTestsPath in the URL
    '--vscode-option', 'enable-smoke-test-driver',
    '--user-data-dir', path.join(runDir, 'user-data'), '--extensions-dir', path.join(runDir, 'extensions')];
  server = spawn(NODE24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  server.on('exit', (c, s) => { if (!finished) finish(2, `code-server exited early (code ${c}, signal ${s})`); });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('code-server did not start within 60 s')), 60_000);
    const onData = (d) => {
      const s = d.toString();
      if (opts.verbose) process.stderr.write(`[code-server] ${s}`);
      if (/HTTP server listening on/.test(s)) { clearTimeout(t); resolve(); }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
  });
  hlog(`code-server listening on 127.0.0.1:${port}`);
  return port;
}

async function main() {
  const missingHost = [NODE24, CS_ENTRY, CHROMIUM].filter((p) => !fs.existsSync(p));
  if (missingHost.length) {
    throw new Error(`the test host is not installed (missing ${missingHost.map((p) => path.relative(ROOT, p) || p).join(', ')}); run: bash scripts/setup-test-host.sh`);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist/extension/extension.js'))) {
    throw new Error('dist/extension/extension.js is missing; run: npm run build');
  }
  if (!opts['no-build']) await buildTests();
  fs.mkdirSync(resultsDir, { recursive: true });

  const port = await startServer();
  const authority = `127.0.0.1:${port}`;
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(TESTS_OUT)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ]);
  const url = `http://${authority}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(runDir, 'xdg/config'), XDG_CACHE_HOME: path.join(runDir, 'xdg/cache') },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => hlog('page error:', e.message));
  page.on('crash', () => finish(2, 'the page crashed'));
  if (opts.verbose) page.on('console', (m) => hlog(`[console.${m.type()}]`, m.text()));

  let shots = Promise.resolve();
  const takeScreenshot = (name) => {
    shots = shots.then(async () => {
      if (!/^[\w.-]+\.png$/.test(name)) { hlog(`bad screenshot name: ${name}`); return; }
      const file = path.join(resultsDir, name);
      const tmp = `${file}.tmp.png`;
      try {
        await page.screenshot({ path: tmp });
        fs.renameSync(tmp, file); // atomic: the test waits for the file to appear
        hlog(`screenshot ${path.relative(ROOT, file)}`);
      } catch (e) { hlog(`screenshot ${name} failed: ${e.message}`); }
    });
    return shots;
  };

  // workbench errors worth no mention: offline look-ups, and cancellations while shutting down
  const QUIET_ERRORS = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|EAI_AGAIN|^Canceled\b/;
  let testsEnded = false;
  let resolveExit;
  const exited = new Promise((r) => { resolveExit = r; });
  // VS Code calls codeAutomationLog(level, args) for the workbench's and the extension host's
  // console output (args printf-style) when it runs extension tests from the URL.
  await page.exposeFunction('codeAutomationLog', async (level, args) => {
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    if (text.startsWith(OUTPUT_TAG)) {
      const line = text.slice(OUTPUT_TAG.length);
      if (line.startsWith(SCREENSHOT_TAG)) await takeScreenshot(line.slice(SCREENSHOT_TAG.length).trim());
      else if (SUMMARY.test(line)) summary = line; // printed last, by finish()
      else process.stdout.write(`${line}\n`);
    } else if (opts.verbose || (level === 'error' && !testsEnded && !QUIET_ERRORS.test(text))) {
      hlog(`[vscode ${level}]`, text);
    }
  });
  // ... and codeAutomationExit(code, logs) when the test run has ended.
  await page.exposeFunction('codeAutomationExit', async (code, logs) => {
    testsEnded = true;
    const logDir = path.join(resultsDir, 'ext-host-logs');
    fs.rmSync(logDir, { recursive: true, force: true });
    for (const f of logs || []) {
      const out = path.join(logDir, f.relativePath);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, f.contents);
    }
    await shots;
    resolveExit(code);
  });

  hlog(`opening the workbench on ${path.relative(ROOT, workspace) || '.'}`);
  await page.goto(url);
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
  if (code === 'timeout') {
    await page.screenshot({ path: path.join(resultsDir, 'timeout.png') }).catch(() => {});
    return finish(2, `no result within ${opts.timeout} s (test-results/timeout.png)`);
  }
  return finish(code === 0 ? 0 : 1, `VS Code reported exit code ${code}`);
}

main().catch((e) => finish(2, `error: ${e.stack || e}`));
