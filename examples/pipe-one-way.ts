// From seed 004, section 2.2 "管道pipe" (its notes on Pipe(False) and recv): a one-way pipe, the left end only receives and the right end only sends; recv raises EOFError once the other end is closed.
import { type Connection, EOFError, Pipe, Process, isMainProcess } from 'multiproc';

// The tutorial describes this without a program; this one does what it describes.

export function sender(conn: Connection): void {
  for (const word of ['hello', 'world']) {
    conn.send(word);
  }
  conn.close();
}

if (isMainProcess()) {
  const [left, right] = Pipe(false); // like a one-way street
  try {
    left.send('no');
  } catch (error) {
    console.log(`left.send: ${(error as Error).message}`);
  }
  const p = new Process({ target: sender, args: [right] });
  p.start();
  right.close(); // the parent's copy of the sending end: only the child's remains open
  while (true) {
    try {
      console.log(await left.recv());
    } catch (error) {
      if (!(error instanceof EOFError)) throw error;
      console.log('EOFError: the other end is closed');
      break;
    }
  }
  await p.join();
}
