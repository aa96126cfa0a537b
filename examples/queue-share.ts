// From seed 000, section 3 "多进程之间共享资示例源代码": one process puts 11, 22, 33 on a Queue, another gets them until empty(); processes share data only through the queue.
import { Process, Queue, isMainProcess } from 'multiproc';

// Conclusion (the tutorial's docstring): every child starts from its own copy of the main
// program; the Queue is what lets the processes share data, and decouples them.

export async function downloadMsg(q: Queue<number>): Promise<void> {
  // Data to share
  const glNum = [11, 22, 33];
  for (const i of glNum) {
    await q.put(i);
    console.log('数据已存放到队列中'); // "the data is on the queue"
  }
}

export async function getMsg(q: Queue<number>): Promise<void> {
  const waitData: number[] = [];
  // Take the data off the queue
  while (true) {
    waitData.push(await q.get());
    if (q.empty()) {
      break;
    }
  }
  // "what was taken from the Queue": printed as Python prints a list
  console.log(`获取Queue中的信息为:[${waitData.join(', ')}]`);
}

function main(): void {
  // Make a queue
  const q = new Queue<number>();
  // Make the process objects
  const p1 = new Process({ target: downloadMsg, args: [q] });
  const p2 = new Process({ target: getMsg, args: [q] });

  // Start them
  p1.start();
  p2.start();
}

if (isMainProcess()) {
  main();
}
