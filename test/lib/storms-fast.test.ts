// The crash storms of test/stress, short and with fewer processes, so that every npm test
// SIGKILLs producers, consumers and pool workers mid-stream.
import { test } from 'node:test';
import { poolStorm, queueStorm } from '../stress/storm.ts';

test('queue storm: 2 producers and 1 consumer, random SIGKILLs for 3 s', { timeout: 60_000 }, async () => {
  await queueStorm({ seconds: 3, producers: 2, consumers: 1, perProducer: 1000 });
});

test('pool storm: imap over 2,000 tasks on 2 workers while workers are killed', { timeout: 60_000 }, async () => {
  await poolStorm({ tasks: 2_000, workers: 2 });
});
