// From seed 004, section 2.2 "管道pipe": a duplex Pipe; the child sends "hello world" and then receives "hi son" from the parent.
import { type Connection, Pipe, Process, isMainProcess } from 'multiproc';

export async function foo(sk: Connection): Promise<void> {
  sk.send('hello world');
  console.log(await sk.recv());
}

if (isMainProcess()) {
  const [conn1, conn2] = Pipe(); // two ends, each can send and receive; Pipe(false) would make it one-way
  const p = new Process({ target: foo, args: [conn1] }); // the child uses conn1
  p.start();
  console.log(await conn2.recv()); // the main process receives on conn2
  conn2.send('hi son'); // and sends on conn2
}
