// From seed 002, section "python开启多进程": a child process prints its module, its parent's pid, its own pid and its argument.
import { basename } from 'node:path';
import { Process, isMainProcess } from 'multiproc';

export function f(name: string): void {
  // Python prints __name__; the nearest thing here is the module's file name.
  console.log('module name:', basename(import.meta.filename));
  console.log('parent process id', process.ppid);
  console.log('this process id', process.pid);
  console.log('this process name', name);
}

if (isMainProcess()) {
  const p = new Process({ target: f, args: ['ins'] });
  p.start();
}
