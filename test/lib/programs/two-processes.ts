// A main process and one child, each printing from TypeScript the loader compiled: the security
// test plants compiled code for both and checks that neither runs.
import { Process, isMainProcess } from 'multiproc';

export function child(): void {
  console.log('child: compiled from its source');
}

if (isMainProcess()) {
  console.log('main: compiled from its source');
  const p = new Process({ target: child });
  p.start();
  await p.join();
  console.log(`child exit ${p.exitCode}`);
}
