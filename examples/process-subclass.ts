// From seed 003, section 3 "two ways to create and open a child process", method two: a Process subclass overrides run(); start() calls it in the child.
import { Process, isMainProcess } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
const randrange = (start: number, stop: number) => start + Math.floor(Math.random() * (stop - start));

export class Piao extends Process {
  constructor(name: string) {
    super();
    this.name = name;
  }

  override async run(): Promise<void> {
    console.log(`${this.name} piaoing`);
    await sleep(randrange(1, 5) / 10); // the tutorial sleeps 1 to 4 s
    console.log(`${this.name} piao end`);
  }
}

if (isMainProcess()) {
  const p1 = new Piao('egon');
  const p2 = new Piao('alex');
  const p3 = new Piao('wupeiqi');
  const p4 = new Piao('yuanhao');
  p1.start(); // start() calls run() in the new process
  p2.start();
  p3.start();
  void p4; // as in the tutorial, p4 is never started, so yuanhao never runs
  console.log('main thread');
}
