// From seed 000, section 4 "进程池(Pool)": Pool(3) runs worker(0..9) with apply_async, each on whichever worker is free; close() then join() waits for them all.
import { Pool, isMainProcess } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

export async function worker(msg: number): Promise<void> {
  // Start time
  const tStart = performance.now() / 1000;
  console.log(`${msg} 开始执行,进程号为${process.pid}`); // "<msg> starts, process id <pid>"
  // Math.random(), as Python's random.random(): a float in [0, 1)
  await sleep(Math.random() * 0.2); // the tutorial sleeps random.random()*2 s
  // End time
  const tStop = performance.now() / 1000;

  console.log(msg, `执行完毕时长${(tStop - tStart).toFixed(2)}`); // "<msg> done, took <s>"
}

if (isMainProcess()) {
  // A pool of at most 3 processes
  const po = new Pool(3);

  for (let i = 0; i < 10; i++) {
    // po.applyAsync(target, [its arguments]): each task goes to a worker as one becomes free
    po.applyAsync(worker, [i]);
  }

  console.log('-------start---------');
  po.close(); // close the pool: it takes no more tasks
  await po.join(); // wait for all its workers to end; must come after close()
  console.log('-------end-----------');
}
