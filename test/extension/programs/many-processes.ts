// For the extension's load test: 200 live processes in one run. The main process starts
// CHILDREN children, each of which starts GRANDCHILDREN grandchildren; all of them then wait on
// one Event until the main process sets it (once a file named by MULTIPROC_TEST_RELEASE exists).
// Meanwhile each child sends a beat through a queue every 2 s, so that the run keeps reporting
// (the queue's depth) while 200 processes wait.
import { existsSync } from 'node:fs';
import { Empty, Event, Process, Queue, isMainProcess } from 'multiproc';

const CHILDREN = 20;
const GRANDCHILDREN = 9;

export async function grandchild(go: Event): Promise<void> {
  await go.wait();
}

export async function child(go: Event, ready: Event, beats: Queue<number>, n: number): Promise<void> {
  const kids = Array.from({ length: GRANDCHILDREN }, () => new Process({ target: grandchild, args: [go] }));
  for (const k of kids) k.start();
  ready.set();
  while (!(await go.wait(2))) await beats.put(n);
  for (const k of kids) await k.join();
}

if (isMainProcess()) {
  const go = new Event();
  const beats = new Queue<number>();
  const children = Array.from({ length: CHILDREN }, (_, n) => {
    const ready = new Event();
    const p = new Process({ target: child, args: [go, ready, beats, n] });
    p.start();
    return { p, ready };
  });
  for (const c of children) await c.ready.wait();
  console.log(`${CHILDREN * (GRANDCHILDREN + 1)} processes started`);
  const release = process.env.MULTIPROC_TEST_RELEASE;
  let received = 0;
  while (release && !existsSync(release)) {
    try {
      await beats.get({ timeout: 0.2 });
      received += 1;
    } catch (e) {
      if (!(e instanceof Empty)) throw e;
    }
  }
  go.set();
  for (const c of children) await c.p.join();
  console.log(`${received} beats; exit codes: ${children.map((c) => c.p.exitCode).join(' ')}`);
}
