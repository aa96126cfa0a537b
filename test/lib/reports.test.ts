// What a program reports to an observer (the wire format of src/lib/observer/wire.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FrameDecoder, type Frame } from '../../src/wire/wire.ts';
import { ROOT, runProgram } from './helpers.ts';

test('processes, queue and pipe depths and pool workers are reported to the observer', async () => {
  const socketPath = path.join(mkdtempSync(path.join(tmpdir(), 'observer-')), 'obs.sock');
  const frames: Frame[] = [];
  const server = createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  }).listen(socketPath);
  try {
    const r = await runProgram(path.join(ROOT, 'test/lib/programs/depths.ts'), [], {
      env: { MULTIPROC_OBSERVER: socketPath, MULTIPROC_OBSERVER_SECRET: 'run-secret' },
    });
    assert.equal(r.code, 0, r.stderr);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const hellos = frames.filter((f) => f.t === 'hello');
    assert.ok(hellos.length >= 1 && hellos.every((h) => h.t === 'hello' && h.secret === 'run-secret' && h.v === 1));
    const starts = frames.filter((f) => f.t === 'start');
    const exits = frames.filter((f) => f.t === 'exit');
    assert.ok(starts.some((s) => s.t === 'start' && s.name === 'Process-1' && /depths\.ts#fill$/.test(s.target ?? '')));
    assert.ok(starts.filter((s) => s.t === 'start' && /^SpawnPoolWorker-/.test(s.name)).length >= 2);
    for (const s of starts) assert.ok(exits.some((e) => e.t === 'exit' && e.t === 'exit' && s.t === 'start' && e.pid === s.pid), `no exit report for ${s.t === 'start' ? s.name : ''}`);
    const queues = frames.filter((f) => f.t === 'queue');
    assert.ok(queues.some((q) => q.t === 'queue' && q.kind === 'Queue' && q.depth === 5 && q.maxsize === 10), 'queue depth 5 of 10');
    assert.ok(queues.some((q) => q.t === 'queue' && q.kind === 'Pipe' && q.depth >= 1), 'pipe depth');
    const pools = frames.filter((f) => f.t === 'pool');
    // How many workers are busy at one moment depends on how fast each one starts; that each shows its task does not.
    assert.ok(pools.some((p) => p.t === 'pool' && p.size === 2 && p.workers.length === 2), 'the pool and its two workers');
    assert.ok(pools.some((p) => p.t === 'pool' && p.workers.some((w) => w.busy && /^map\(nap\) chunk \d of 2$/.test(w.task ?? ''))), 'a busy worker and its task');
  } finally {
    server.close();
  }
});
