import multiproc = require('multiproc');

export function hello(who: string): void {
  console.log(`hello ${who} from ${multiproc.currentProcess().name}`);
}

if (multiproc.isMainProcess()) {
  const p = new multiproc.Process({ target: hello, args: ['cts'] });
  p.start();
  void p.join().then(() => console.log(`exitCode ${p.exitCode}`));
}
