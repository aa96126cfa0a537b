// Producers that end right after their last put() on a bounded queue, while a sibling keeps a CPU
// busy: the owner is then slow to read, and replies (grants of room) reach producers that have
// exited. Every item they put must still arrive, exactly once. Short in npm test
// (test/lib/queues.test.ts), long in test/stress/exits.test.ts.
import assert from 'node:assert/strict';
import { Empty, Process, Queue } from 'multiproc';
import * as t from './targets.ts';

export interface Exits { rounds: number; producers: number; perProducer: number; maxsize: number }

export async function checkProducersThatExit({ rounds, producers, perProducer, maxsize }: Exits): Promise<void> {
  const stop = new Queue<unknown>();
  const burner = new Process({ target: t.burnCpu, args: [stop, 3600], daemon: true });
  burner.start();
  try {
    for (let round = 0; round < rounds; round++) {
      const q = new Queue<number>(maxsize);
      const started = Array.from({ length: producers }, (_, id) => {
        const p = new Process({ target: t.putThenExit, args: [q, id, perProducer] });
        p.start();
        return p;
      });
      const seen = new Set<number>();
      for (let i = 0; i < producers * perProducer; i++) {
        let item: number;
        try {
          item = await q.get({ timeout: 30 });
        } catch (error) {
          if (!(error instanceof Empty)) throw error;
          const codes = await Promise.all(started.map(async (p) => { await p.join(); return p.exitCode; }));
          assert.fail(`round ${round}: ${producers * perProducer - seen.size} items lost (qsize ${q.qsize()}, producers' exit codes ${codes.join(' ')})`);
        }
        assert.equal(seen.has(item), false, `round ${round}: item ${item} received twice`);
        seen.add(item);
      }
      for (const p of started) {
        await p.join();
        assert.equal(p.exitCode, 0);
      }
      assert.equal(q.qsize(), 0, `round ${round}: items left over`);
      q.close();
    }
  } finally {
    await stop.put('stop');
    await burner.join(10);
  }
}
