// Crash storms (run long by storms.test.ts, short in npm test): SIGKILL producers, consumers and pool workers at random while they work, and
// check that nothing is lost beyond what the library promises and nothing is delivered twice.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool, Process, Queue, WorkerLostError } from 'multiproc';
import * as t from './targets.ts';

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

export interface QueueStorm { seconds: number; producers: number; consumers: number; perProducer: number }

/**
 * Keeps `producers` producers and `consumers` consumers working on one queue for `seconds`,
 * SIGKILLing one of them (and starting a replacement) every 150–450 ms; then checks that no item
 * came twice, that no more were lost than consumers were killed, and that no process is left.
 */
export async function queueStorm({ seconds, producers: producing, consumers: consuming, perProducer }: QueueStorm): Promise<void> {
  const q = new Queue<number | null>();
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
  for (let i = 0; i < producing; i++) startProducer();
  for (let i = 0; i < consuming; i++) startConsumer();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(150 + Math.random() * 300);
    const liveProducers = [...producers].filter(([, p]) => p.exitCode === null);
    const liveConsumers = [...consumers].filter(([, p]) => p.exitCode === null);
    // The first two kills hit one of each kind, so that even a short storm tries both.
    const producerTurn = killed.producers.size === 0 || (killed.consumers > 0 && Math.random() < 0.5);
    if (producerTurn && liveProducers.length) {
      const [id, victim] = pick(liveProducers);
      victim.kill();
      killed.producers.add(id);
      startProducer();
    } else if (liveConsumers.length) {
      pick(liveConsumers)[1].kill();
      killed.consumers++;
      startConsumer();
    }
    // Producers that finished are replaced, so that as many keep putting.
    const running = [...producers.values()].filter((p) => p.exitCode === null).length;
    for (let i = running; i < producing; i++) startProducer();
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
}

/**
 * Runs `tasks` tasks through imap on a pool of `workers` while SIGKILLing a worker every
 * 200–500 ms; checks that every task settled, that only tasks of killed workers failed, each
 * with a WorkerLostError naming the signal, and that no task that succeeded ran twice.
 */
export async function poolStorm({ tasks: n, workers }: { tasks: number; workers: number }): Promise<void> {
  const file = path.join(dir, `pool-runs-${process.pid}-${Date.now()}`);
  process.env.STORM_FILE = file;
  const pool = new Pool(workers);
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
  assert.ok(killedCount > 0, 'the storm killed a worker');
  assert.ok(lost <= killedCount, `${lost} tasks failed but only ${killedCount} workers were killed`);
  for (const i of seen) assert.equal(runs.get(i), 1, `task ${i} succeeded and ran ${runs.get(i)} times`);
  process.stdout.write(`# pool storm: ${n} tasks, ${killedCount} workers killed, ${ok} succeeded, ${lost} failed with the signal named, none ran twice\n`);
}
