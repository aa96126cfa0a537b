// From seed 002, section "python开启多进程" (Pool program): Pool(processes=4) runs three tasks with apply_async; each prints current_process().name, and sleeps so that each runs on a worker of its own.
import { Pool, currentProcess, isMainProcess } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

export async function func(msg: string): Promise<void> {
  console.log(currentProcess().name + '-' + msg);
  // The task blocks for a while: were it too quick, one worker would run every task at once,
  // the names printed would all be the same, and it would look like no multiprocessing at all.
  // As the tutorial: 3 s. (0.3 s was shorter than the other workers' start on a loaded machine,
  // and the first worker, free again, took a second task.)
  await sleep(3);
}

if (isMainProcess()) {
  const pool = new Pool({ processes: 4 }); // make 4 processes
  for (let i = 0; i < 3; i++) {
    const msg = `hello ${i}`;
    pool.applyAsync(func, [msg]);
  }
  // A task given to the pool runs on a free worker; when all are busy it waits until one is free.
  pool.close(); // close the pool: no more tasks can be added
  await pool.join(); // wait until every worker of the pool is done; must come after close()
}
