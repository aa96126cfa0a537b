// Starts a process at module level with no guard: the child, loading this module again to find
// `work`, must refuse to start another process instead of recursing.
import { Process, currentProcess } from 'multiproc';

export function work(): void {
  console.log('work ran');
}

const p = new Process({ target: work });
p.start();
await p.join();
console.log(`${currentProcess().name} saw exitCode ${p.exitCode}`);
