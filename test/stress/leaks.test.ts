// After many start/join cycles and many pools, this process holds no more file descriptors and
// not much more memory than before.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { Pool, Process } from 'multiproc';
import * as t from './targets.ts';

const fds = () => readdirSync('/proc/self/fd').length;
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  (globalThis as { gc?: () => void }).gc?.();
}

test('1,000 process start/join cycles and 100 pool create/terminate cycles leak no descriptors', { timeout: 600_000 }, async () => {
  // Warm up: the first start creates the private directory, the spare and the per-process server.
  for (let i = 0; i < 5; i++) {
    const p = new Process({ target: t.noop });
    p.start();
    await p.join();
  }
  const warm = await new Pool(2);
  await warm.apply(t.square, [2]);
  warm.terminate();
  await warm.join();
  await settle();
  const before = { fds: fds(), rss: rssMiB() };

  for (let i = 0; i < 1000; i++) {
    const p = new Process({ target: t.noop });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    p.close();
  }
  for (let i = 0; i < 100; i++) {
    const pool = new Pool(2);
    assert.equal(await pool.apply(t.square, [i]), i * i);
    pool.terminate();
    await pool.join();
  }
  await settle();
  const after = { fds: fds(), rss: rssMiB() };
  process.stdout.write(`# leaks: descriptors ${before.fds} → ${after.fds}, RSS ${before.rss.toFixed(1)} → ${after.rss.toFixed(1)} MiB\n`);
  assert.ok(after.fds <= before.fds + 2, `descriptors grew from ${before.fds} to ${after.fds}`);
  assert.ok(after.rss <= before.rss + 40, `RSS grew from ${before.rss.toFixed(1)} to ${after.rss.toFixed(1)} MiB`);
});
