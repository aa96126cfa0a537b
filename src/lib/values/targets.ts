// Finds a function or class again in another process, the way Python's pickle finds a function:
// by the module that exports it and its export name. The TypeScript/ESM loader registers every
// program module's namespace; CommonJS modules are found in require's cache.
import Module from 'node:module';
import { pathToFileURL } from 'node:url';

/** Where a value can be imported from in another process. */
export interface ExportRef {
  /** A file: URL (ESM) or an absolute filename (CommonJS). */
  module: string;
  kind: 'esm' | 'cjs';
  /** The export's name; null when the value is the CommonJS module's whole `module.exports`. */
  name: string | null;
}

export const MODULES_KEY = Symbol.for('multiproc.modules');

type Registry = Map<string, Record<string, unknown>>;

function esmRegistry(): Registry | undefined {
  return (globalThis as Record<symbol, Registry | undefined>)[MODULES_KEY];
}

export function loaderActive(): boolean {
  return esmRegistry() !== undefined;
}

function mainModuleURL(): string | undefined {
  const main = process.argv[1];
  return main ? pathToFileURL(main).href : undefined;
}

function findIn(namespace: Record<string, unknown>, value: unknown): string | undefined {
  for (const key of Object.keys(namespace)) {
    let candidate: unknown;
    try {
      candidate = namespace[key];
    } catch {
      continue; // a `let`/`const`/`class` export not initialised yet
    }
    if (candidate === value) return key;
  }
  return undefined;
}

/** The export through which `value` can be found again, preferring the program's main module. */
export function findExport(value: unknown): ExportRef | undefined {
  const registry = esmRegistry();
  if (registry) {
    const main = mainModuleURL();
    const ordered = [...registry.keys()].sort((a, b) => Number(b === main) - Number(a === main));
    for (const url of ordered) {
      const name = findIn(registry.get(url)!, value);
      if (name !== undefined) return { module: url, kind: 'esm', name };
    }
  }
  const cache = (Module as unknown as { _cache: Record<string, { exports: unknown } | undefined> })._cache;
  for (const [filename, mod] of Object.entries(cache)) {
    const exports = mod?.exports;
    if (exports === value) return { module: filename, kind: 'cjs', name: null };
    if (exports && (typeof exports === 'object' || typeof exports === 'function')) {
      const name = findIn(exports as Record<string, unknown>, value);
      if (name !== undefined) return { module: filename, kind: 'cjs', name };
    }
  }
  return undefined;
}

export async function loadExport(ref: ExportRef): Promise<unknown> {
  const exports: Record<string, unknown> = ref.kind === 'esm'
    ? await import(ref.module)
    : (Module.createRequire(ref.module)(ref.module) as Record<string, unknown>);
  if (ref.name === null) return exports;
  if (!(ref.name in exports)) throw new Error(`${ref.module} has no export named ${JSON.stringify(ref.name)}`);
  return exports[ref.name];
}

export function describeRef(ref: ExportRef): string {
  return `${ref.module}#${ref.name ?? 'module.exports'}`;
}
