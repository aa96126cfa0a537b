// From seed 001, section 3 "进程间的交互Queue": the MyProcess subclass again, its target now putting name.upper() on a Queue that the parent reads after joining.
import { Process, Queue, isMainProcess } from 'multiproc';

type Func = (name: string, q: Queue<string>) => unknown;

export class MyProcess extends Process {
  func: Func;
  args: [string, Queue<string>];
  res: unknown = '';

  constructor(name: string, func: Func, args: [string, Queue<string>]) {
    super();
    this.name = name;
    this.func = func; // an exported function: it travels to the child by reference, as pickle sends it
    this.args = args; // and the queue in it reaches the child as the same queue
  }

  override async run(): Promise<void> {
    this.res = await this.func(...this.args);
  }
}

export async function func(name: string, q: Queue<string>): Promise<void> {
  console.log('start process...');
  await q.put(name.toUpperCase());
}

if (isMainProcess()) {
  const processes: MyProcess[] = [];
  const q = new Queue<string>();
  for (let i = 0; i < 3; i++) {
    const p = new MyProcess('process', func, ['kel', q]);
    processes.push(p);
  }
  for (const i of processes) {
    i.start();
  }
  for (const i of processes) {
    await i.join();
  }
  while (q.qsize() > 0) {
    console.log(await q.get());
  }
}
