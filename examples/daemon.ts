// From seed 003, section 4 "Daemon Process": a daemon child is ended as soon as the main code ends, so its "end" line never prints.
import { Process, isMainProcess } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
const randrange = (start: number, stop: number) => start + Math.floor(Math.random() * (stop - start));

export class Piao extends Process {
  constructor(name: string) {
    // The tutorial sets self.name before super().__init__(), which (in Python) then resets it to
    // "Piao-1"; JavaScript allows no `this` before super(), so the name is set after it.
    super();
    this.name = name;
  }

  override async run(): Promise<void> {
    console.log(`${this.name} is piaoing`);
    await sleep(randrange(1, 3) / 10); // the tutorial sleeps 1 to 2 s
    console.log(`${this.name} is piao end`);
  }
}

if (isMainProcess()) {
  const p = new Piao('egon');
  p.daemon = true; // before p.start(): p may not start children of its own, and ends when the main code ends
  p.start();
  console.log('master');
}
