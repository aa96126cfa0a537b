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

if (isMainProcess()) {
  const daemon = process.argv.includes('--daemon');
  const p = new Process({ target: middle, args: [60], daemon: false });
  const d = new Process({ target: sleeper, args: [60], daemon: true });
  p.start();
  if (daemon) d.start();
  console.log(`pid MainProcess ${process.pid}`);
  if (daemon) console.log(`pid ${d.name} ${d.pid}`);
  await p.join();
}
