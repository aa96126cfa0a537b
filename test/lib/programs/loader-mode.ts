// Prints how the loader was installed (in the loading thread, or on a hooks thread) in the main
// process and in a child, with the Node version.
import { Process, Queue, currentProcess, isMainProcess } from 'multiproc';

const mode = () => `${currentProcess().name} ${String((globalThis as Record<symbol, unknown>)[Symbol.for('multiproc.loader')])} ${process.version}`;

export async function tell(q: Queue<string>): Promise<void> {
  await q.put(mode());
}

if (isMainProcess()) {
  const q = new Queue<string>();
  const p = new Process({ target: tell, args: [q] });
  p.start();
  console.log(mode());
  console.log(await q.get());
  await p.join();
}
