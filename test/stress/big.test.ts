// Big items: 100 MiB through a Queue and a Pipe intact; 300 MiB refused before sending, by a
// Queue, a Pipe and a Pool, each of which goes on working.
import { test } from 'node:test';
import * as big from './big.ts';

const MiB = 2 ** 20;
const say = (text: string) => process.stdout.write(`# ${text}\n`);

test('a 100 MiB Buffer crosses a Queue both ways between processes, hash intact', { timeout: 120_000 }, async () => {
  say(await big.bigThroughQueue(100 * MiB));
});

test('a 100 MiB Buffer crosses a Pipe, hash intact', { timeout: 120_000 }, async () => {
  say(await big.bigThroughPipe(100 * MiB));
});

test('300 MiB is refused by Queue.put, here and in a child, naming size and limit; the next item arrives', { timeout: 120_000 }, async () => {
  say(await big.tooBigForQueue(300 * MiB));
});

test('300 MiB is refused by Connection.send and sendBytes; the next message arrives', { timeout: 120_000 }, async () => {
  say(await big.tooBigForPipe(300 * MiB));
});

test('300 MiB task arguments are refused by Pool.apply, a 300 MiB result fails its task; the pool goes on', { timeout: 120_000 }, async () => {
  say(await big.tooBigForPool(300 * MiB));
});
