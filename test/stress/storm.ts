// Crash storms: SIGKILL producers, consumers and pool workers at random while they work, and
// check that nothing is lost beyond what the library promises and nothing is delivered twice.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Pool, Process, Queue, WorkerLostError } from 'multiproc';
import * as t from './targets.ts';

const STORM_SECONDS = Number(process.env.STORM_SECONDS ?? 30);
const dir = mkdtempSync(path.join(tmpdir(), 'multiproc-storm-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)];

function descendants(): number[] {
  const found: number[] = [];
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  for (const pid of parentOf.keys()) {
    for (let p = parentOf.get(pid); p; p = parentOf.get(p)) {
      if (p === process.pid) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

test(`queue storm: 4 producers and 2 consumers, random SIGKILLs for ${STORM_SECONDS} s`, { timeout: (STORM_SECONDS + 120) * 1000 }, async () => {
  const q = new Queue<number | null>();
  const perProducer = 2000;
  let nextId = 1;
  const producers = new Map<number, Process>();
  const consumers = new Map<string, Process>();
  const killed = { producers: new Set<number>(), consumers: 0 };
  const all: Process[] = [];
  const startProducer = () => {
    const id = nextId++;
    const p = new Process({ target: t.produce, args: [q, id, perProducer] });
    p.start();
    producers.set(id, p);
    all.push(p);
  };
  const startConsumer = () => {
    const file = path.join(dir, `consumer-${nextId++}`);
    const p = new Process({ target: t.consume, args: [q, file] });
    p.start();
    consumers.set(file, p);
    all.push(p);
  };
  for (let i = 0; i < 4; i++) startProducer();
  for (let i = 0; i < 2; i++) startConsumer();
  const end = Date.now() + STORM_SECONDS * 1000;
  while (Date.now() < end) {
    await sleep(150 + Math.random() * 300);
    const liveProducers = [...producers].filter(([, p]) => p.exitCode === null);
    const liveConsumers = [...consumers].filter(([, p]) => p.exitCode === null);
    if (Math.random() < 0.5 && liveProducers.length) {
      const [id, victim] = pick(liveProducers);
      victim.kill();
      killed.producers.add(id);
      startProducer();
    } else if (liveConsumers.length) {
      pick(liveConsumers)[1].kill();
      killed.consumers++;
      startConsumer();
    }
    // Producers that finished are replaced, so that four keep putting.
    const running = [...producers.values()].filter((p) => p.exitCode === null).length;
    for (let i = running; i < 4; i++) startProducer();
  }
  for (const [id, p] of producers) {
    await p.join();
    // A victim may have finished just before the signal: then it counts as a survivor.
    if (killed.producers.has(id) && p.exitCode === 0) killed.producers.delete(id);
    assert.equal(p.exitCode, killed.producers.has(id) ? -9 : 0, `producer ${id} exit code`);
  }
  const live = [...consumers.values()].filter((p) => p.exitCode === null);
  for (let i = 0; i < live.length; i++) await q.put(null);
  for (const p of consumers.values()) await p.join();
  for (const p of consumers.values()) assert.ok(p.exitCode === 0 || p.exitCode === -9, `consumer exit code ${p.exitCode}`);

  const received = new Map<number, number>();
  for (const file of consumers.keys()) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const item = Number(line);
      received.set(item, (received.get(item) ?? 0) + 1);
    }
  }
  const twice = [...received].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no item is received twice');
  let missing = 0;
  let expected = 0;
  for (const id of producers.keys()) {
    if (killed.producers.has(id)) continue;
    for (let i = 0; i < perProducer; i++) {
      expected++;
      if (!received.has(id * 1_000_000 + i)) missing++;
    }
  }
  // A killed consumer may have been holding one item (got it, not yet written down).
  assert.ok(missing <= killed.consumers, `${missing} of ${expected} items lost with ${killed.consumers} consumers killed`);
  assert.ok(killed.consumers > 0 && killed.producers.size > 0, 'the storm killed both kinds');
  process.stdout.write(`# queue storm: ${all.length} processes, ${killed.producers.size} producers and ${killed.consumers} consumers killed, ${expected} items from surviving producers, ${missing} lost, 0 twice\n`);
  await sleep(500);
  assert.deepEqual(descendants().filter((pid) => all.some((p) => p.pid === pid)), [], 'no process of the storm is left');
});

test(`pool storm: imap over 10,000 tasks while workers are killed`, { timeout: 300_000 }, async () => {
  const file = path.join(dir, 'pool-runs');
  process.env.STORM_FILE = file;
  const pool = new Pool(4);
  const n = 10_000;
  const seen = new Set<number>();
  let killedCount = 0;
  let stop = false;
  const killer = (async () => {
    while (!stop) {
      await sleep(200 + Math.random() * 300);
      if (stop) break;
      let lines: string[];
      try { lines = readFileSync(file, 'utf8').trim().split('\n').slice(-20); } catch { continue; }
      const pid = Number(pick(lines).split(' ')[1]);
      try {
        process.kill(pid, 'SIGKILL');
        killedCount++;
      } catch { /* that worker already ended */ }
    }
  })();
  let ok = 0;
  let lost = 0;
  const results = pool.imap<number>(t.recordedTask, Array.from({ length: n }, (_, i) => i));
  for (let i = 0; i < n; i++) {
    try {
      const r = await results.next();
      assert.equal(r.value, i * 2);
      ok++;
      seen.add(i);
    } catch (error) {
      assert.ok(error instanceof WorkerLostError, String(error));
      assert.match((error as Error).message, /was killed by SIGKILL \(exit code -9\) while running imap\(recordedTask\) chunk/);
      lost++;
    }
  }
  assert.equal((await results.next()).done, true);
  stop = true;
  await killer;
  pool.terminate();
  await pool.join();
  const runs = new Map<number, number>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const task = Number(line.split(' ')[0]);
    runs.set(task, (runs.get(task) ?? 0) + 1);
  }
  assert.equal(ok + lost, n, 'every task settled');
  assert.ok(lost <= killedCount, `${lost} tasks failed but only ${killedCount} workers were killed`);
  for (const i of seen) assert.equal(runs.get(i), 1, `task ${i} succeeded and ran ${runs.get(i)} times`);
  process.stdout.write(`# pool storm: ${n} tasks, ${killedCount} workers killed, ${ok} succeeded, ${lost} failed with the signal named, none ran twice\n`);
});
