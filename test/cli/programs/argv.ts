// Prints what it and its child were started with, then ends as its arguments ask, for the CLI tests.
import { Process, isMainProcess } from 'multiproc';

export function child(): void {
  console.log(`child execArgv ${JSON.stringify(process.execArgv.filter((a) => !a.includes('register')))}`);
}

if (isMainProcess()) {
  console.log(`main execArgv ${JSON.stringify(process.execArgv.filter((a) => !a.includes('register') && a !== '--import'))}`);
  console.log(`main argv ${JSON.stringify(process.argv.slice(2))}`);
  const p = new Process({ target: child });
  p.start();
  await p.join();
  const signal = process.argv.find((a) => a.startsWith('--die-by='))?.slice('--die-by='.length);
  if (signal) process.kill(process.pid, signal);
}
