// The crash storms at full length (STORM_SECONDS, 30 s by default); npm test runs them short
// (test/lib/storms-fast.test.ts).
import { test } from 'node:test';
import { poolStorm, queueStorm } from './storm.ts';

const STORM_SECONDS = Number(process.env.STORM_SECONDS ?? 30);

test(`queue storm: 4 producers and 2 consumers, random SIGKILLs for ${STORM_SECONDS} s`, { timeout: (STORM_SECONDS + 120) * 1000 }, async () => {
  await queueStorm({ seconds: STORM_SECONDS, producers: 4, consumers: 2, perProducer: 2000 });
});

test('pool storm: imap over 10,000 tasks while workers are killed', { timeout: 300_000 }, async () => {
  await poolStorm({ tasks: 10_000, workers: 4 });
});
