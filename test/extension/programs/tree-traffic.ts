// For the extension's reliability test: a three-level tree with items flowing up it until the
// test SIGKILLs the main process. Each child starts a grandchild that counts into the child's
// queue; the child passes every item on to the main process's queue.
import { Process, Queue, isMainProcess } from 'multiproc';

export async function grandchild(up: Queue<number>): Promise<void> {
  for (let i = 0; ; i++) {
    await up.put(i);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function child(up: Queue<string>, n: number): Promise<void> {
  const inner = new Queue<number>(20);
  new Process({ target: grandchild, args: [inner], name: `grandchild-${n}` }).start();
  for (;;) await up.put(`${n}:${await inner.get()}`);
}

if (isMainProcess()) {
  const q = new Queue<string>(20);
  for (const n of [1, 2]) new Process({ target: child, args: [q, n], name: `child-${n}` }).start();
  for (let got = 1; ; got++) {
    await q.get();
    if (got % 500 === 0) console.log(`received ${got} items`);
  }
}
