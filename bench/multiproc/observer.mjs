// The observer channel's cost: the Queue workload (n small items, both children; see queue.ts)
// run as a program with an observer and without, alternately (on, off, off, on, …), from here.
// "On" starts a Unix socket server that accepts connections and discards what it reads, and sets
// MULTIPROC_OBSERVER / MULTIPROC_OBSERVER_SECRET in the program's environment, as the VS Code
// extension does; every process of the program then reports to it. "Off" leaves both unset.
// This file is the multiproc side of bench/workloads/observer.mjs; it runs the program with the
// same command the driver uses for multiproc sides.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { add, params, report } from '../lib/side.mjs';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PROGRAM = path.join(ROOT, 'bench/multiproc/queue.ts');
const REGISTER = pathToFileURL(path.join(ROOT, 'dist/lib/register.js')).href;

const { n, pairs, tmp } = params();
const address = path.join(tmp, 'observer.sock');
let bytes = 0;
let connections = 0;
const server = createServer((socket) => {
  connections++;
  socket.on('data', (d) => { bytes += d.length; });
  socket.on('error', () => {});
});
await new Promise((resolve) => server.listen(address, resolve));

function run(on, k) {
  const out = path.join(tmp, `run-${k}.json`);
  const env = { ...process.env };
  delete env.MULTIPROC_OBSERVER;
  delete env.MULTIPROC_OBSERVER_SECRET;
  if (on) Object.assign(env, { MULTIPROC_OBSERVER: address, MULTIPROC_OBSERVER_SECRET: randomBytes(16).toString('hex') });
  const args = JSON.stringify({ n, reps: 1, only: 'smallCC', tmp, out });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', REGISTER, PROGRAM, args], { env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`queue.ts (observer ${on ? 'on' : 'off'}) exited with ${code}`));
      resolve(JSON.parse(readFileSync(out, 'utf8')).smallCCms[0]);
    });
  });
}

const m = {};
let k = 0;
for (let i = 0; i < pairs; i++) {
  for (const on of i % 2 ? [false, true] : [true, false]) {
    const before = { bytes, connections };
    add(m, on ? 'on' : 'off', await run(on, k++));
    if (on) {
      add(m, 'connections', connections - before.connections);
      add(m, 'kib', (bytes - before.bytes) / 1024);
    } else if (connections !== before.connections) {
      throw new Error('the observer got a connection while it was off');
    }
  }
}
server.close();
report(m);
