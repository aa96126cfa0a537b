// A program to watch with `multiproc run --watch` or VS Code's Processes view: a producer fills a
// bounded Queue faster than two consumers drain it, a Pool squares numbers, one child finishes
// on its own after a few seconds and says so over a Pipe, and one idles long enough to be
// terminated by hand.
import { type Connection, EOFError, Pipe, Pool, Process, Queue, currentProcess, isMainProcess } from 'multiproc';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Every pause is scaled by MULTIPROC_DEMO_PACE (default 1): tests slow it down to look at it. */
const pace = Number(process.env.MULTIPROC_DEMO_PACE) || 1;
const ITEMS = 24;

export async function producer(q: Queue<number | null>, consumers: number): Promise<void> {
  for (let i = 1; i <= ITEMS; i++) {
    await q.put(i);
    await sleep(40 * pace);
  }
  for (let i = 0; i < consumers; i++) await q.put(null);
  console.log(`produced ${ITEMS} items`);
}

export async function consumer(q: Queue<number | null>): Promise<void> {
  let taken = 0;
  for (;;) {
    const item = await q.get();
    if (item === null) break;
    taken += 1;
    await sleep(300 * pace);
  }
  console.log(`${currentProcess().name} consumed ${taken} items`);
}

export async function square(n: number): Promise<number> {
  await sleep(500 * pace);
  return n * n;
}

export async function finisher(done: Connection): Promise<void> {
  await sleep(4000 * pace);
  done.send(`${currentProcess().name} finished`);
  console.log('finisher done');
}

export async function idler(): Promise<void> {
  console.log('idler waiting to be terminated');
  await sleep(30_000 * pace);
}

async function main(): Promise<void> {
  const q = new Queue<number | null>(5);
  const [doneRx, doneTx] = Pipe(false);
  const consumers = [1, 2].map((i) => new Process({ target: consumer, args: [q], name: `consumer-${i}` }));
  const children = [
    new Process({ target: producer, args: [q, consumers.length], name: 'producer' }),
    ...consumers,
    new Process({ target: finisher, args: [doneTx], name: 'finisher' }),
    new Process({ target: idler, name: 'idler' }),
  ];
  for (const p of children) p.start();
  doneTx.close(); // the finisher holds the sending end now

  const pool = new Pool(2);
  const squares = await pool.map(square, [1, 2, 3, 4, 5, 6, 7, 8]);
  console.log(`squares: ${squares.join(' ')}`);
  pool.close();
  await pool.join();
  try {
    console.log(`over the pipe: ${await doneRx.recv()}`);
  } catch (error) {
    // the finisher was ended before it could say so
    if (!(error instanceof EOFError)) throw error;
  }

  for (const p of children) await p.join();
  console.log(`exit codes: ${children.map((p) => `${p.name}=${p.exitCode}`).join(' ')}`);
}

if (isMainProcess()) {
  await main();
}
