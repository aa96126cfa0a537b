// What runs in a child process: receive what to run from the parent, find the target again
// in the program's own modules, run it, and exit as Python's Process._bootstrap does.
import { constants } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { context } from './context';
import { finishChildren } from './exit';
import { flushLinks } from '../channel/link';
import { native } from '../platform/native';
import { flushReports } from '../reporter';
import { parentGone } from './parent';
import { SPARE_MARK } from './spare';
import { Process, adoptAsCurrent, type Bootstrap, type Target } from './process';
import { decodeAsync, loads } from '../values/reduction';
import { loadExport } from '../values/targets';

function receiveBootstrap(): Promise<Bootstrap> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('multiproc: the child entry was started without an IPC channel; it is started by Process.start()'));
      return;
    }
    process.once('message', (message: unknown) => resolve(loads(message as Uint8Array) as Bootstrap));
  });
}

function printFailure(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : `Uncaught ${String(error)}`;
  process.stderr.write(`Process ${context.name}:\n${text}\n`);
}

async function exit(code: number): Promise<never> {
  await finishChildren();
  await flushLinks();
  await flushReports();
  process.exit(code);
}

export async function bootstrapChild(): Promise<void> {
  // A child busy in a loop never reads its IPC channel, so it would not notice its parent's death
  // (below): where the OS can, it is ended then with SIGTERM, as its parent's terminate() would.
  native()?.dieWithParent(constants.signals.SIGTERM, process.ppid);
  if (process.argv[2] === SPARE_MARK) process.argv.splice(2, 1);
  context.isChild = true;
  context.bootstrapping = true;
  // The target's module will import the library as an ES module: have it ready (in a warm spare,
  // while it waits for work).
  void import(pathToFileURL(path.join(__dirname, 'index.mjs')).href).catch(() => {});
  const boot = await receiveBootstrap();
  Object.assign(context, {
    name: boot.name,
    identity: boot.identity,
    daemon: boot.daemon,
    authkey: Buffer.from(boot.authkey),
    parent: boot.parent,
    nextChildNumber: 1,
  });
  // The channel stays open only to learn that the parent died; it must not keep us alive.
  process.channel?.unref();
  process.on('disconnect', () => {
    parentGone();
    // A child never outlives its parent, even a SIGKILLed one (Python leaves it running).
    process.exit(1);
  });

  let self: Process;
  try {
    const target = boot.target ? (await loadExport(boot.target)) as Target : null;
    const decodeAll = async (values: Record<string, Buffer>) =>
      Object.fromEntries(await Promise.all(Object.entries(values).map(async ([k, v]) => [k, await decodeAsync(Buffer.from(v))])));
    const args = await Promise.all(boot.args.map((a) => decodeAsync(Buffer.from(a))));
    const kwargs = boot.kwargs && await decodeAll(boot.kwargs);
    if (boot.subclass) {
      const cls = (await loadExport(boot.subclass.ref)) as { prototype: Process };
      self = Object.assign(Object.create(cls.prototype) as Process, await decodeAll(boot.subclass.fields));
    } else {
      self = Object.create(Process.prototype) as Process;
    }
    adoptAsCurrent(self, { target, args, kwargs, parentPid: boot.parent.pid });
  } catch (error) {
    printFailure(error);
    return exit(1);
  } finally {
    context.bootstrapping = false;
  }

  let running = true;
  const fail = (error: unknown) => {
    printFailure(error);
    void exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('beforeExit', () => {
    if (!running) return;
    running = false;
    process.stderr.write(`Process ${context.name}:\nWarning: run() returned a promise that never settled, and nothing is left that could settle it.\n`);
    void exit(13);
  });

  let code = 0;
  try {
    await self.run();
  } catch (error) {
    printFailure(error);
    code = 1;
  }
  running = false;
  return exit(code);
}
