// The producer → consumer transfer that the Queue and Pipe workloads time, over either channel:
// n items (small ints, or Buffers of `size` bytes), with the consumer in a second child (both
// children) or in the main process (child → main).
//
// Timing: each child first moves one warm-up item (so connections are open), then marks itself
// ready; the main process then writes a start file, and the producer takes t0 (a machine-wide
// monotonic clock) when it sees it; the consumer takes t1 after its last item.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection, Process, type Queue } from 'multiproc';
import { monoMs, readNumber, waitForFile, waitForFiles, writeNumber } from './side.mjs';

type Channel = Queue<unknown> | Connection;

function send(ch: Channel, item: unknown): void {
  if (ch instanceof Connection) ch.send(item);
  else void ch.put(item);
}

function receive(ch: Channel): Promise<unknown> {
  return ch instanceof Connection ? ch.recv() : ch.get();
}

export async function producer(ch: Channel, n: number, size: number, ready: string, go: string, t0File: string): Promise<void> {
  const big = size ? Buffer.alloc(size, 1) : undefined;
  send(ch, big ?? -1);
  writeFileSync(ready, '');
  await waitForFile(go);
  const t0 = monoMs();
  if (big) for (let i = 0; i < n; i++) send(ch, big);
  else for (let i = 0; i < n; i++) send(ch, i);
  writeNumber(t0File, t0);
  // A pipe's reader then sees the end; a queue's items are with its owner already.
  if (ch instanceof Connection) ch.close();
}

export async function consumer(ch: Channel, n: number, ready: string, t1File: string): Promise<void> {
  await receive(ch);
  writeFileSync(ready, '');
  for (let i = 0; i < n; i++) await receive(ch);
  writeNumber(t1File, monoMs());
}

/** One transfer from `sender` (given to the producer) to `receiver`; returns its duration in ms. */
export async function timeTransfer(
  sender: Channel, receiver: Channel, o: { n: number; size: number; bothChildren: boolean; tmp: string; tag: string },
): Promise<number> {
  const f = (name: string) => path.join(o.tmp, `${o.tag}-${name}`);
  const p = new Process({ target: producer, args: [sender, o.n, o.size, f('ready-p'), f('go'), f('t0')] });
  let t1: number;
  if (o.bothChildren) {
    const c = new Process({ target: consumer, args: [receiver, o.n, f('ready-c'), f('t1')] });
    c.start();
    p.start();
    await waitForFiles([f('ready-p'), f('ready-c')]);
    writeFileSync(f('go'), '');
    await c.join();
    await p.join();
    if (c.exitCode !== 0) throw new Error(`consumer exited with ${c.exitCode}`);
    t1 = readNumber(f('t1'));
  } else {
    p.start();
    await receive(receiver);
    await waitForFiles([f('ready-p')]);
    writeFileSync(f('go'), '');
    for (let i = 0; i < o.n; i++) await receive(receiver);
    t1 = monoMs();
    await p.join();
  }
  if (p.exitCode !== 0) throw new Error(`producer exited with ${p.exitCode}`);
  receiver.close();
  return t1 - readNumber(f('t0'));
}
