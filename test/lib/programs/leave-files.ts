// Makes shared memory, a queue holding a big item (a file in /dev/shm) and a socket, prints where
// they live, and waits to be killed: what a SIGKILL leaves behind, for the clean-up test.
import path from 'node:path';
import { Queue, Value } from 'multiproc';

const reduce = Symbol.for('multiproc.reduce');
const stateOf = (o: object) => (o as Record<symbol, () => { state: Record<string, string> }>)[reduce]().state;
const v = new Value('d', 1.5);
const q = new Queue<Buffer>();
await q.put(Buffer.alloc(1 << 20));
const { ledger, address } = stateOf(q);
console.log(`memory ${path.dirname(stateOf(v).path)}`);
console.log(`ledger ${path.dirname(ledger)}`);
console.log(`sockets ${path.dirname(address)}`);
setTimeout(() => {}, 60_000);
