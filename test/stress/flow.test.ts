// 1,000,000 items through a bounded queue: every item arrives once and in order, and no process
// grows while they pass (back-pressure reaches the producer).
import { test } from 'node:test';
import { checkFlow } from './flow.ts';

test('1,000,000 small items through Queue(100) between two children: in order, memory flat', { timeout: 900_000 }, async () => {
  await checkFlow({ items: 1_000_000, maxsize: 100, pad: 0, sampleMs: 250 });
});
