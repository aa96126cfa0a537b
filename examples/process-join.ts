// From seed 001, section 2 "多进程的类Process": two processes print their parent's pid and their own, and the parent joins them.
import { Process, isMainProcess } from 'multiproc';

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

export async function func(_name: number): Promise<void> {
  console.log('start a process');
  await sleep(1); // the tutorial sleeps 3 s; 1 s keeps both children asleep together even on a busy machine
  console.log('the process parent id :', process.ppid);
  console.log('the process id is :', process.pid);
}

if (isMainProcess()) {
  const processes: Process[] = [];
  for (let i = 0; i < 2; i++) {
    const p = new Process({ target: func, args: [i] });
    processes.push(p);
  }
  for (const i of processes) {
    i.start();
  }
  console.log('start all process');
  for (const i of processes) {
    await i.join();
  }
  console.log('all sub process is done!');
}
