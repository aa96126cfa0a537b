// From seed 003, section 3 "two ways to create and open a child process", method one: four processes from a function; the parent does not join, so "main thread" prints first.
import { Process, isMainProcess } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
// Python's random.randrange(start, stop): an integer in [start, stop).
const randrange = (start: number, stop: number) => start + Math.floor(Math.random() * (stop - start));

export async function piao(name: string): Promise<void> {
  console.log(`${name} piaoing`);
  await sleep(randrange(1, 5) / 10); // the tutorial sleeps 1 to 4 s
  console.log(`${name} piao end`);
}

if (isMainProcess()) {
  const p1 = new Process({ target: piao, args: ['user1'] });
  const p2 = new Process({ target: piao, args: ['user2'] });
  const p3 = new Process({ target: piao, args: ['user3'] });
  const p4 = new Process({ target: piao, args: ['user4'] });
  p1.start();
  p2.start();
  p3.start();
  p4.start();
  console.log('main thread');
}
