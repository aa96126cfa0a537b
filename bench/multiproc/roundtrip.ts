// Ping-pong round trips between the main process and one child, with multiproc: over two
// Queues (created by the main process, so the main side's put and get are local and the child's
// go over one socket each way), and over a duplex Pipe. One sample per run: the median of
// `trips` timed round trips after `warm` untimed ones, in µs.
import { type Connection, Pipe, Process, Queue, isMainProcess } from 'multiproc';
import { add, median, nowMs, params, report } from '../lib/side.mjs';

export async function queueEcho(inbox: Queue<number | null>, outbox: Queue<number>): Promise<void> {
  for (;;) {
    const x = await inbox.get();
    if (x === null) return;
    void outbox.put(x);
  }
}

export async function pipeEcho(c: Connection): Promise<void> {
  for (;;) {
    const x = await c.recv<number | null>();
    if (x === null) return;
    c.send(x);
  }
}

if (isMainProcess()) {
  const { warm, trips, reps } = params();
  const m: Record<string, number[]> = {};
  for (let r = 0; r < reps; r++) {
    {
      const toChild = new Queue<number | null>();
      const toMain = new Queue<number>();
      const p = new Process({ target: queueEcho, args: [toChild, toMain] });
      p.start();
      const times: number[] = [];
      for (let i = 0; i < warm + trips; i++) {
        const t = nowMs();
        void toChild.put(i);
        await toMain.get();
        if (i >= warm) times.push((nowMs() - t) * 1000);
      }
      void toChild.put(null);
      await p.join();
      if (p.exitCode !== 0) throw new Error(`queueEcho exited with ${p.exitCode}`);
      add(m, 'queueRT', median(times));
    }
    {
      const [a, b] = Pipe();
      const p = new Process({ target: pipeEcho, args: [b] });
      p.start();
      const times: number[] = [];
      for (let i = 0; i < warm + trips; i++) {
        const t = nowMs();
        a.send(i);
        await a.recv();
        if (i >= warm) times.push((nowMs() - t) * 1000);
      }
      a.send(null);
      await p.join();
      if (p.exitCode !== 0) throw new Error(`pipeEcho exited with ${p.exitCode}`);
      add(m, 'pipeRT', median(times));
    }
  }
  report(m);
}
