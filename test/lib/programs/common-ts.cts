import { Process, currentProcess, isMainProcess } from 'multiproc';

export function hello(who: string): void {
  console.log(`hello ${who} from ${currentProcess().name}`);
}

if (isMainProcess()) {
  const p = new Process({ target: hello, args: ['cts'] });
  p.start();
  void p.join().then(() => console.log(`exitCode ${p.exitCode}`));
}
