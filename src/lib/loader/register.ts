// `node --import multiproc/register prog.ts`: installs the loader in this process. Every
// process the library starts is started with it too, so children run TypeScript as well.
import Module, { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { userTempDir } from '../base/user-dirs';
import { native } from '../platform/native';
import { compileSync } from './compile';
import { loadSync, resolveSync } from './hooks';

const INSTALLED = Symbol.for('multiproc.loader');
const globals = globalThis as Record<symbol, unknown>;

if (!globals[INSTALLED]) {
  globals[INSTALLED] = true;
  // Started by `multiproc run`: the program ends with it, even when it is SIGKILLed (Linux).
  if (process.env.MULTIPROC_DIE_WITH_PARENT === String(process.ppid)) {
    delete process.env.MULTIPROC_DIE_WITH_PARENT;
    native()?.dieWithParent(constants.signals.SIGTERM, process.ppid);
  }
  globals[Symbol.for('multiproc.modules')] ??= new Map();
  // In the loading thread where Node has it (≥ 22.15), else on a thread of its own (~100 ms per
  // process start). MULTIPROC_LOADER_THREAD=1 asks for the thread.
  const { registerHooks } = Module as unknown as { registerHooks?: (hooks: { resolve: typeof resolveSync; load: typeof loadSync }) => unknown };
  if (registerHooks && process.env.MULTIPROC_LOADER_THREAD !== '1') {
    registerHooks({ resolve: resolveSync, load: loadSync });
    globals[INSTALLED] = 'in-thread';
  } else {
    // The hooks thread gets a copy of the environment: the cache directory is chosen here first,
    // so that a replacement for an unsafe one (user-dirs.ts) reaches this process's children too.
    userTempDir();
    register(pathToFileURL(path.join(__dirname, 'loader-hooks.mjs')));
    globals[INSTALLED] = 'thread';
  }
  type Compile = (this: unknown, code: string, filename: string) => void;
  const extensions = (Module as unknown as { _extensions: Record<string, (module: { _compile: Compile }, filename: string) => void> })._extensions;
  const compileTs = (module: { _compile: Compile }, filename: string) => {
    module._compile(compileSync(readFileSync(filename, 'utf8'), filename, 'cjs'), filename);
  };
  extensions['.ts'] = compileTs;
  extensions['.cts'] = compileTs;
  extensions['.tsx'] = compileTs;
  process.setSourceMapsEnabled(true);
}
