// The short version of test/stress/flow.test.ts: fewer items, but big enough (80 MiB in all)
// that a queue which did not hold its producer back would show in the owner's memory.
import { test } from 'node:test';
import { checkFlow } from '../stress/flow.ts';

test('20,000 items of 4 KiB through Queue(100) between two children: in order, memory flat', async () => {
  await checkFlow({ items: 20_000, maxsize: 100, pad: 4096, sampleMs: 50 });
});
