// Another program (it could be on another machine) that connects to a manager served over TCP.
import { SyncManager, type QueueProxy } from 'multiproc';

const [host, port, authkey] = process.argv.slice(2);
try {
  const m = await SyncManager.connect({ address: { host, port: Number(port) }, authkey });
  const q = await m.get<QueueProxy<string>>('jobs');
  console.log(`got ${await q.get({ timeout: 5 })}`);
  await q.put('done');
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
  process.exitCode = 3;
}
