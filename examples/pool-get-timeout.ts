// From seed 001, section 5 "进程池pool" (second program): seven apply_async calls on Pool(5), their AsyncResults kept in a list, then each read with get(2.1), a timeout.
import { Pool, isMainProcess, type AsyncResult } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

export async function func(name: string): Promise<string> {
  console.log('start process');
  await sleep(0.2); // the tutorial sleeps 2 s
  return name.toUpperCase();
}

if (isMainProcess()) {
  const results: Array<AsyncResult<string>> = [];
  const p = new Pool(5);
  for (let i = 0; i < 7; i++) {
    const res = p.applyAsync<string>(func, ['kel']);
    results.push(res);
  }
  for (const i of results) {
    // The timeout is a limit, not a wait: get returns as soon as the result is there. It is not
    // scaled down with the sleep, since the first get also waits for the workers to start.
    console.log(await i.get(2.1));
  }
}
