// Producers that end right after their last put() on a bounded queue, under load, at full length;
// npm test runs it short (test/lib/queues.test.ts).
import { test } from 'node:test';
import { checkProducersThatExit } from './exits.ts';

test('10 producers into Queue(4), each exiting right after its 200 puts, beside a busy CPU, 200 rounds: every item once', { timeout: 1_800_000 }, async () => {
  await checkProducersThatExit({ rounds: 200, producers: 10, perProducer: 200, maxsize: 4 });
});
