// From seed 004, section 3 "进程池": Pool(3) runs ten apply_async calls, each with a callback that runs in the parent with the task's result.
import { Pool, isMainProcess } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

export async function foo(i: number): Promise<number> {
  await sleep(0.2); // the tutorial sleeps 2 s
  console.log('in the process', process.pid); // the worker's pid
  return i + 100;
}

export function call(arg: number): void {
  console.log('-->exec done:', arg, process.pid);
}

if (isMainProcess()) {
  const pool = new Pool(3); // at most 3 processes in the pool
  console.log('主进程pid:', process.pid); // "main process pid": the parent's pid
  for (let i = 0; i < 10; i++) {
    // Use 1: the callback runs once foo is done, in the parent, with foo's result
    pool.applyAsync(foo, [i], { callback: call });
    // Use 2, one task after the other, each waited for: pool.apply() instead of a Process
    // await pool.apply(foo, [i]);
  }
  console.log('end');
  pool.close(); // close the pool
  await pool.join(); // wait for the pool's processes to finish; without it, the program would end at once
}
