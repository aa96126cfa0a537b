// The short version of test/stress/flow.test.ts: fewer items, but big enough (200 MiB in all)
// that a queue which did not hold its producer back would show in the owner's memory, and long
// enough that the owner's first second (its heap growing to its working size) is not most of it.
import { test } from 'node:test';
import { checkFlow } from '../stress/flow.ts';

test('50,000 items of 4 KiB through Queue(100) between two children: in order, memory flat', async () => {
  await checkFlow({ items: 50_000, maxsize: 100, pad: 4096, sampleMs: 50 });
});
