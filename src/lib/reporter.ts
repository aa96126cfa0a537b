// The program side of the observer channel. With no observer in the environment every call is a
// no-op, so programs run outside VS Code pay nothing. Reports never throw into the program: an
// observer that went away just stops receiving.
import { connect, type Socket } from 'node:net';
import { ENV_OBSERVER, ENV_OBSERVER_SECRET, WIRE_VERSION, encodeFrame, type Report } from '../wire/wire';

let socket: Socket | undefined;
let broken = false;

function channel(): Socket | undefined {
  if (socket || broken) return socket;
  const address = process.env[ENV_OBSERVER];
  if (!address) {
    broken = true;
    return undefined;
  }
  socket = connect(address);
  socket.on('error', () => {
    broken = true;
    socket?.destroy();
  });
  // Reporting must never keep a finished program alive.
  socket.unref();
  socket.write(encodeFrame({ t: 'hello', v: WIRE_VERSION, secret: process.env[ENV_OBSERVER_SECRET] ?? '', pid: process.pid }));
  return socket;
}

// Read once: process.env is a call into the OS environment, and queues ask on every item.
let watched: boolean | undefined;

export function observed(): boolean {
  return (watched ??= !!process.env[ENV_OBSERVER]);
}

export function report(frame: Report): void {
  const s = channel();
  if (s && !broken) s.write(encodeFrame(frame));
}

// State reports (queue depths, pools) are coalesced: the latest state of each object is sent at
// most ten times a second, and whatever is still waiting is sent before the process ends.
const soon = new Map<object, () => Report>();
let soonTimer: NodeJS.Timeout | undefined;

function sendSoon(): void {
  soonTimer = undefined;
  for (const make of soon.values()) report(make());
  soon.clear();
}

/** Reports the state `make` describes within 100 ms, once however often it is called meanwhile. */
export function reportSoon(key: object, make: () => Report): void {
  if (!observed()) return;
  soon.set(key, make);
  if (!soonTimer) {
    soonTimer = setTimeout(sendSoon, 100);
    soonTimer.unref();
  }
}

/** Resolves when everything reported so far has been handed to the OS (or the channel failed). */
export function flushReports(timeoutMs = 1000): Promise<void> {
  if (soonTimer) {
    clearTimeout(soonTimer);
    sendSoon();
  }
  const s = socket;
  if (!s || broken || s.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    s.end(() => {
      clearTimeout(timer);
      resolve();
    });
    socket = undefined;
    broken = true;
  });
}
