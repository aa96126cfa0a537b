// A three-level tree that reports its pids on stdout and then sleeps, for the orphan tests.
import { Process, currentProcess, isMainProcess } from 'multiproc';

export async function middle(seconds: number): Promise<void> {
  const leaf = new Process({ target: sleeper, args: [seconds] });
  leaf.start();
  console.log(`pid ${currentProcess().name} ${process.pid}`);
  console.log(`pid ${leaf.name} ${leaf.pid}`);
  await leaf.join();
}

export async function sleeper(seconds: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Never returns to the event loop, so it never hears through its IPC channel that its parent died. */
export function spinner(seconds: number): void {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) { /* busy */ }
}

if (isMainProcess()) {
  const daemon = process.argv.includes('--daemon');
  if (process.argv.includes('--busy')) {
    const s = new Process({ target: spinner, args: [60], name: 'spinner' });
    s.start();
    console.log(`pid spinner ${s.pid}`);
  }
  const p = new Process({ target: middle, args: [60], daemon: false });
  const d = new Process({ target: sleeper, args: [60], daemon: true });
  p.start();
  if (daemon) d.start();
  console.log(`pid MainProcess ${process.pid}`);
  if (daemon) console.log(`pid ${d.name} ${d.pid}`);
  await p.join();
}
