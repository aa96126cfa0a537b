import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import * as multiproc from 'multiproc';

// The library is bundled without esbuild's keepNames (it costs a call per closure on hot paths),
// so a class or function the bundler renamed to avoid a clash would show its new name in stacks,
// inspect() and Process names. Every exported one must keep its own.
test('every exported class and function keeps its name in the bundle', () => {
  const aliases: Record<string, string> = { Array: 'SharedArray', _managerServer: 'managerServer', _poolWorker: 'poolWorker', _bootstrapChild: 'bootstrapChild' };
  const wrong: string[] = [];
  for (const [key, value] of Object.entries(multiproc)) {
    if (typeof value !== 'function') continue;
    const expected = aliases[key] ?? key;
    if (value.name !== expected) wrong.push(`${key} is named ${JSON.stringify(value.name)}`);
  }
  assert.ok(Object.values(multiproc).filter((v) => typeof v === 'function').length > 30, 'the exports were not found');
  assert.deepEqual(wrong, []);
});

test('errors show their class name', () => {
  for (const E of [multiproc.Empty, multiproc.Full, multiproc.ValueError, multiproc.TimeoutError, multiproc.WorkerLostError]) {
    assert.match(String(new (E as new (m: string) => Error)('x')), new RegExp(`^${E.name}: x`));
  }
});

test('no class in the bundles is renamed (a class naming itself in its body becomes `class _Name`)', () => {
  const dir = path.dirname(createRequire(import.meta.url).resolve('multiproc'));
  const renamed = ['index.js', 'cli.js', 'child.js'].flatMap((file) =>
    [...readFileSync(path.join(dir, file), 'utf8').matchAll(/var (\w+) = class _\1\b/g)].map((m) => `${file}: ${m[1]}`));
  assert.deepEqual(renamed, []);
});
