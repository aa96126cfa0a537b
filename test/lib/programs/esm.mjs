import { Process, currentProcess, isMainProcess } from 'multiproc';

export function hello(who) {
  console.log(`hello ${who} from ${currentProcess().name}`);
}

if (isMainProcess()) {
  const p = new Process({ target: hello, args: ['mjs'] });
  p.start();
  await p.join();
  console.log(`exitCode ${p.exitCode}`);
}
