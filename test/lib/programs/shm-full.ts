// Shared memory larger than /dev/shm has room for (the test runs this with a 1 MiB tmpfs as
// its shared-memory directory): an OSError at creation, never a SIGBUS later.
import { SharedArray, Value } from 'multiproc';

const small = new Value('i', 7);
try {
  const big = new SharedArray('d', 1 << 20); // 8 MiB
  for (let i = 0; i < big.length; i += 512) big.set(i, 1); // a store to every page
  console.log('created, no error');
} catch (error) {
  const e = error as Error & { code?: string };
  console.log(`${e.name} ${e.code}: ${e.message}`);
}
console.log(`small value still works: ${small.value}`);
