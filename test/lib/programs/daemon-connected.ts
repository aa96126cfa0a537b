// The main code ends while a daemon child is still connected to the main's Queue, Lock and Event
// (and would run for a minute): the program must exit, terminating the daemon, as Python's does.
// With `--wait-event`, the main first waits on its own Event, which only the daemon sets, late.
import { Event, Lock, Process, Queue, isMainProcess } from 'multiproc';

export async function daemon(q: Queue<string>, lock: Lock, event: Event, setAfterMs: number): Promise<void> {
  await lock.acquire();
  lock.release();
  await q.put(`daemon ${process.pid} connected`);
  if (setAfterMs >= 0) setTimeout(() => event.set(), setAfterMs);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}

if (isMainProcess()) {
  const waitEvent = process.argv.includes('--wait-event');
  const q = new Queue<string>();
  const lock = new Lock();
  const event = new Event();
  const d = new Process({ target: daemon, args: [q, lock, event, waitEvent ? 1500 : -1], daemon: true });
  d.start();
  console.log(await q.get());
  if (waitEvent) console.log(`event set: ${await event.wait()}`);
  console.log('main code done');
}
