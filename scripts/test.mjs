// `npm test`: every layer, in order, always all of them:
//   1. tsc --noEmit   2. eslint   3. build   4. test host install (only if missing; the library
//   tests also run programs on its Node 24)   5. node --test: library tests, then packaging tests
//   6. extension tests inside VS Code
// Last line: "N passed, N failed", summing the tests of layers 5 and 6; a check (1, 2, 3, 4)
// that fails, or a test layer that fails without counting a failure, adds one failure. Exit code 1 if any layer failed or a test layer counted nothing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'test-results');
const bin = (pkg, file) => path.join(ROOT, 'node_modules', pkg, file);
const t0 = Date.now();
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)}s`;

const LAYER_TIMEOUT_S = Number(process.env.MULTIPROC_TEST_LAYER_TIMEOUT || 900);
let current; // the running child, in its own process group

/**
 * Runs a command with inherited stdio, or with stdout echoed and captured when capture is set.
 * A command that runs longer than LAYER_TIMEOUT_S (env MULTIPROC_TEST_LAYER_TIMEOUT, seconds)
 * is ended with its whole process group, so that a hanging test cannot hang npm test.
 */
function run(cmd, args, { capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    current = child;
    let out = '';
    const killGroup = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } };
    const timer = setTimeout(() => {
      console.error(`\n!!! ${path.basename(cmd)} ${args.slice(0, 2).join(' ')} ... still running after ${LAYER_TIMEOUT_S} s: ended`);
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5000).unref();
    }, LAYER_TIMEOUT_S * 1000);
    child.stdout?.on('data', (d) => { out += d; process.stdout.write(d); });
    child.on('error', (e) => { clearTimeout(timer); console.error(e.message); resolve({ code: 127, out }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup('SIGKILL'); // leftovers of the layer (e.g. orphaned test children)
      current = undefined;
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current) { try { process.kill(-current.pid, 'SIGTERM'); } catch { /* gone */ } }
    process.exit(130);
  });
}

function walk(dir, keep, acc = []) {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'fixtures' && e.name !== 'node_modules') walk(p, keep, acc); }
    else if (keep(e.name)) acc.push(p);
  }
  return acc.sort();
}

const layers = []; // { name, ok, passed, failed, time, note }
let passed = 0, failed = 0;

async function check(name, cmd, args) {
  const t = Date.now();
  console.log(`\n=== ${name}`);
  const { code } = await run(cmd, args);
  const ok = code === 0;
  if (!ok) failed += 1;
  layers.push({ name, ok, time: secs(t) });
  return ok;
}

/** One `node --test` run; counts come from its TAP report (`# pass N`, `# fail N`, `# cancelled N`). */
async function nodeTests(name, files, { loader = false, note = '' } = {}) {
  const t = Date.now();
  console.log(`\n=== ${name}`);
  if (note) console.log(`(${note})`);
  if (files.length === 0) {
    console.log('no test files');
    failed += 1;
    layers.push({ name, ok: false, passed: 0, failed: 0, time: secs(t), note: 'no test files' });
    return;
  }
  fs.mkdirSync(RESULTS, { recursive: true });
  const tap = path.join(RESULTS, `${name.replace(/^node --test \((\w+)\)$/, 'node-tests-$1')}.tap`);
  fs.rmSync(tap, { force: true });
  const args = [
    ...(loader ? ['--import', './dist/lib/register.js'] : []),
    '--test', '--test-timeout=120000', '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files.map((f) => path.relative(ROOT, f)),
  ];
  const { code } = await run(process.execPath, args);
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const count = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
  const p = count('pass'), f = count('fail') + count('cancelled');
  const ok = code === 0 && f === 0 && p > 0;
  passed += p;
  failed += f + (ok || f > 0 ? 0 : 1);
  layers.push({ name, ok, passed: p, failed: f, time: secs(t), note });
}

/** Library, observer and CLI tests: test/{lib,observer,cli}/**\/*.test.ts through the library's TypeScript loader, plus any .mjs/.cjs/.js ones. */
async function libraryTests() {
  const haveLoader = fs.existsSync(path.join(ROOT, 'dist/lib/register.js'));
  const dirs = ['test/lib', 'test/observer', 'test/cli'].map((d) => path.join(ROOT, d));
  const tsTests = dirs.flatMap((d) => walk(d, (f) => /\.test\.(ts|mts|cts)$/.test(f)));
  const jsTests = dirs.flatMap((d) => walk(d, (f) => /\.test\.(mjs|cjs|js)$/.test(f)));
  const note = tsTests.length && !haveLoader ? `${tsTests.length} .ts test file(s) not run: dist/lib/register.js is missing` : '';
  const files = haveLoader ? [...tsTests, ...jsTests] : jsTests;
  if (!files.length) {
    console.log(`\n=== node --test (library)\n(${note || 'no library tests yet'})`);
    return;
  }
  await nodeTests('node --test (library)', files, { loader: haveLoader, note });
}

async function extensionTests() {
  const t = Date.now();
  const name = 'extension tests (VS Code)';
  console.log(`\n=== ${name}`);
  const { code, out } = await run(process.execPath, ['test/host/run-ext-tests.mjs'], { capture: true });
  const last = out.trimEnd().split('\n').pop() ?? '';
  const m = last.match(/^(\d+) passed, (\d+) failed/);
  const p = m ? Number(m[1]) : 0, f = m ? Number(m[2]) : 0;
  const ok = code === 0 && f === 0 && p > 0;
  passed += p;
  failed += f + (ok || f > 0 ? 0 : 1);
  layers.push({ name, ok, passed: p, failed: f, time: secs(t) });
}

const hostInstalled = () =>
  fs.existsSync(path.join(ROOT, '.test-host/node24/bin/node')) &&
  fs.existsSync(path.join(ROOT, '.test-host/cs/node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node')) &&
  fs.existsSync('/usr/bin/chromium');

await check('typecheck (tsc --noEmit)', process.execPath, [bin('typescript', 'bin/tsc'), '--noEmit', '-p', '.']);
await check('lint (eslint --max-warnings 0)', process.execPath, [bin('eslint', 'bin/eslint.js'), '--max-warnings', '0', '.']);
if (!(await check('build', process.execPath, ['scripts/build.mjs']))) {
  // keep the later layers meaningful: the extension alone may still build
  console.log('(full build failed; building the extension alone for the extension tests)');
  await run(process.execPath, ['scripts/build.mjs', '--ext-only']);
}
if (!hostInstalled()) await check('test host setup', 'bash', ['scripts/setup-test-host.sh']);
await libraryTests();
// after the library tests: packaging rebuilds dist/, which the library tests load
await nodeTests('node --test (packaging)', walk(path.join(ROOT, 'test/package'), (f) => /\.test\.(mjs|cjs|js)$/.test(f)));
if (!fs.existsSync(path.join(ROOT, 'dist/extension/extension.js'))) {
  // a failed packaging build can leave dist/ without the extension
  await run(process.execPath, ['scripts/build.mjs', '--ext-only']);
}
await extensionTests();

console.log('\n=== summary');
for (const l of layers) {
  const counts = l.passed !== undefined ? ` ${l.passed} passed, ${l.failed} failed` : '';
  console.log(`${l.ok ? 'ok  ' : 'FAIL'} ${l.name}${counts} (${l.time})${l.note ? ` - ${l.note}` : ''}`);
}
console.log(`total ${secs(t0)}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = layers.every((l) => l.ok) ? 0 : 1;
