import { Process, isMainProcess } from 'multiproc';

export function fail(what: string): void {
  // Line 5 is the one the stack must point at.
  throw new RangeError(`bad ${what}`);
}

if (isMainProcess()) {
  const p = new Process({ target: fail, args: ['input'] });
  p.start();
  await p.join();
  console.log(`exitCode ${p.exitCode}`);
}
