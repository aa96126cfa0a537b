// From seed 001, section 2 "多进程的类Process": a Process subclass stores its target's return value, but the parent never sees it (processes share no memory).
import { Process, isMainProcess } from 'multiproc';

export class MyProcess extends Process {
  func: (name: string) => string;
  args: [string];
  res = '';

  constructor(name: string, func: (name: string) => string, args: [string]) {
    super();
    this.name = name;
    this.func = func; // an exported function: it reaches the child by reference, as pickle sends it
    this.args = args;
  }

  override run(): [string, string] {
    this.res = this.func(...this.args);
    console.log(this.name);
    console.log(this.res);
    return [this.res, 'kel'];
  }
}

export function func(name: string): string {
  console.log('start process...');
  return name.toUpperCase();
}

if (isMainProcess()) {
  const processes: MyProcess[] = [];
  const result: string[] = [];
  for (let i = 0; i < 3; i++) {
    const p = new MyProcess('process', func, ['kel']);
    processes.push(p);
  }
  for (const i of processes) {
    i.start();
  }
  for (const i of processes) {
    await i.join();
  }
  for (const i of processes) {
    result.push(i.res);
  }
  // Three empty lines: each child set its own copy of res, the parent's copies are still ''.
  for (const i of result) {
    console.log(i);
  }
}
