// From seed 001, section 4 "进程之间交互Pipe": three MyProcess children send name.upper() on the child end of one Pipe; the parent recv()s three times on its end.
import { type Connection, Pipe, Process, isMainProcess } from 'multiproc';

type Func = (name: string, childConn: Connection) => unknown;

export class MyProcess extends Process {
  func: Func;
  args: [string, Connection];
  res: unknown = '';

  constructor(name: string, func: Func, args: [string, Connection]) {
    super();
    this.name = name;
    this.func = func;
    this.args = args;
  }

  override async run(): Promise<void> {
    this.res = await this.func(...this.args);
  }
}

export function func(name: string, childConn: Connection): void {
  console.log('start process...');
  childConn.send(name.toUpperCase());
}

if (isMainProcess()) {
  const processes: MyProcess[] = [];
  const [parentConn, childConn] = Pipe();
  for (let i = 0; i < 3; i++) {
    const p = new MyProcess('process', func, ['kel', childConn]);
    processes.push(p);
  }
  for (const i of processes) {
    i.start();
  }
  for (const i of processes) {
    await i.join();
  }
  for (const _i of processes) {
    console.log(await parentConn.recv());
  }
}
