// Packs the extension with `npm run package` (vsce, offline) and checks what the .vsix holds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VSIX = path.join(ROOT, 'dist/multiproc.vsix');

/** Lists a zip file's entries from its central directory: [{ name, size, mode }]. */
export function listZip(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    const mode = buf.readUInt32LE(p + 38) >>> 16; // unix mode, when made on unix
    entries.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), size, mode });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

let entries, names;
before(() => {
  fs.rmSync(VSIX, { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['run', 'package'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  entries = listZip(VSIX);
  names = new Set(entries.map((e) => e.name));
});

test('the .vsix holds the manifest, the bundles, the icon, README and LICENSE', () => {
  for (const f of [
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/dist/extension/extension.js',
    'extension/dist/lib/index.js',
    'extension/dist/lib/multiproc.node',
    'extension/media/multiproc.svg',
  ]) {
    assert.ok(names.has(f), `missing ${f}`);
  }
  assert.ok([...names].some((n) => /^extension\/readme\.md$/i.test(n)), 'missing README.md');
  assert.ok([...names].some((n) => /^extension\/license(\.txt|\.md)?$/i.test(n)), 'missing LICENSE');
});

test('no sources, tests, source maps or build output other than dist/', () => {
  const bad = [...names].filter((n) =>
    /^extension\/(src|test|out|scripts|examples|native|\.test-host|\.cache|test-results|\.ci)\//.test(n) ||
    /^extension\/(tsconfig.*\.json|eslint\.config\.mjs|package-lock\.json|\.vscodeignore|\.gitignore)$/.test(n) ||
    n.endsWith('.map') || n.endsWith('.vsix') || n.endsWith('.ts') && !n.endsWith('.d.ts'));
  assert.deepEqual(bad, []);
});

test('only production dependencies: esbuild with its linux-x64 binary', () => {
  const modules = new Set([...names].filter((n) => n.startsWith('extension/node_modules/'))
    .map((n) => n.split('/').slice(2, n.split('/')[2].startsWith('@') ? 4 : 3).join('/')));
  assert.deepEqual([...modules].sort(), ['@esbuild/linux-x64', 'esbuild']);
  for (const dev of ['typescript', 'mocha', 'eslint', 'playwright-core', '@vscode/vsce', 'ps-tree']) {
    assert.ok(!modules.has(dev), `dev dependency ${dev} is packed`);
  }
  const bin = entries.find((e) => e.name === 'extension/node_modules/@esbuild/linux-x64/bin/esbuild');
  assert.ok(bin, 'missing the esbuild binary');
  assert.ok(bin.size > 1_000_000, 'the esbuild binary looks truncated');
  assert.ok(bin.mode & 0o111, `the esbuild binary is not executable (mode ${bin.mode.toString(8)})`);
  assert.ok(names.has('extension/node_modules/esbuild/lib/main.js'));
  assert.ok(names.has('extension/node_modules/esbuild/package.json'));
});
