// Raw Node baseline for Pipe producer → consumer: child_process.fork IPC ('json'), child → parent.
import { add, params, report } from '../lib/side.mjs';
import { transfer } from './queue.mjs';

const { n, reps } = params();
const m = {};
for (let r = 0; r < reps; r++) add(m, 'json.smallCM', (n / (await transfer('json', n, 0))) * 1000);
report(m);
