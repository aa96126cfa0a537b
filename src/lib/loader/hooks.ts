// Node module hooks: run TypeScript with no build step, resolve the TypeScript spellings of
// imports, let programs import 'multiproc' without installing it, and register each ES module of
// the program so that a child can find a target by its export. Two forms of the same hooks:
// asynchronous for module.register (Node 20: they run on a thread of their own, which costs a
// process ~100 ms to start), synchronous for module.registerHooks (Node ≥ 22.15: in the thread
// that loads, at no start cost).
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile, compileSync } from './compile';
import { TS_FILE, isProgramFile, tsFormat } from './formats';

interface ResolveContext { conditions: string[]; importAttributes?: Record<string, string>; parentURL?: string }
interface ResolveResult { url: string; format?: string | null; shortCircuit?: boolean }
interface LoadContext { format?: string | null; conditions: string[]; importAttributes?: Record<string, string> }
interface LoadResult { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;
type NextLoad = (url: string, context?: LoadContext) => Promise<LoadResult>;
type NextResolveSync = (specifier: string, context?: ResolveContext) => ResolveResult;
type NextLoadSync = (url: string, context?: LoadContext) => LoadResult;

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT']);

function candidates(specifier: string): string[] {
  const js = /\.(js|mjs|cjs|jsx)$/.exec(specifier);
  if (js) {
    const stem = specifier.slice(0, -js[0].length);
    return [{ '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts', '.jsx': '.tsx' }[js[0]]!].map((ext) => stem + ext);
  }
  if (/\.[cm]?tsx?$/.test(specifier)) return [];
  return ['.ts', '.tsx', '.mts', '.cts', '.js', '/index.ts', '/index.js'].map((ext) => specifier.replace(/\/$/, '') + ext);
}

/**
 * What to try when `specifier` was not found: the library itself (a result), or other spellings
 * of the path; undefined when the error stands.
 */
function fallback(specifier: string, context: ResolveContext, error: unknown): ResolveResult | string[] | undefined {
  if (!NOT_FOUND.has((error as { code?: string }).code ?? '')) return undefined;
  const library = process.env.MULTIPROC_LIBRARY;
  if (library && (specifier === 'multiproc' || specifier === 'multiproc/')) {
    // An import gets the ESM face of the bundle (see scripts/build.mjs), as the package's exports map says.
    const esm = library.replace(/index\.js$/, 'index.mjs');
    return { url: pathToFileURL(context.conditions.includes('import') && existsSync(esm) ? esm : library).href, shortCircuit: true };
  }
  return /^(\.{1,2}\/|\/|file:)/.test(specifier) ? candidates(specifier) : undefined;
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const plan = fallback(specifier, context, error);
    if (!Array.isArray(plan)) {
      if (plan) return plan;
      throw error;
    }
    for (const candidate of plan) {
      try {
        return await next(candidate, context);
      } catch { /* try the next spelling */ }
    }
    throw error;
  }
}

export function resolveSync(specifier: string, context: ResolveContext, next: NextResolveSync): ResolveResult {
  try {
    return next(specifier, context);
  } catch (error) {
    const plan = fallback(specifier, context, error);
    if (!Array.isArray(plan)) {
      if (plan) return plan;
      throw error;
    }
    for (const candidate of plan) {
      try {
        return next(candidate, context);
      } catch { /* try the next spelling */ }
    }
    throw error;
  }
}

/** Makes the module put its own namespace in the registry before any of its code runs. */
function register(source: string, url: string): string {
  const u = JSON.stringify(url);
  const line = `import * as __multiproc_self from ${u};(globalThis[Symbol.for("multiproc.modules")] ??= new Map()).set(${u}, __multiproc_self);`;
  // Prepended on the first line (after a shebang) so that line numbers do not move.
  if (source.startsWith('#!')) {
    const eol = source.indexOf('\n');
    return eol < 0 ? source : source.slice(0, eol + 1) + line + source.slice(eol + 1);
  }
  return line + source;
}

/** CommonJS TypeScript is compiled by the require hook (register.ts), not here. */
const commonjsTs = (): LoadResult => ({ format: 'commonjs', shortCircuit: true });

/** A TypeScript ES module, compiled to `code`; the program's own register themselves. */
function tsModule(filename: string, url: string, code: string): LoadResult {
  return { format: 'module', source: isProgramFile(filename) ? register(code, url) : code, shortCircuit: true };
}

/** A JavaScript ES module of the program registers itself. */
function jsResult(result: LoadResult, filename: string, url: string): LoadResult {
  if (result.format === 'module' && result.source != null && isProgramFile(filename)) {
    return { ...result, source: register(Buffer.from(result.source as Uint8Array).toString('utf8'), url) };
  }
  return result;
}

export async function load(url: string, context: LoadContext, next: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:')) return next(url, context);
  const filename = fileURLToPath(url);
  if (TS_FILE.test(filename)) {
    if (tsFormat(filename) === 'commonjs') return commonjsTs();
    return tsModule(filename, url, await compile(await readFile(filename, 'utf8'), filename, 'esm'));
  }
  return jsResult(await next(url, context), filename, url);
}

export function loadSync(url: string, context: LoadContext, next: NextLoadSync): LoadResult {
  if (!url.startsWith('file:')) return next(url, context);
  const filename = fileURLToPath(url);
  if (TS_FILE.test(filename)) {
    if (tsFormat(filename) === 'commonjs') return commonjsTs();
    return tsModule(filename, url, compileSync(readFileSync(filename, 'utf8'), filename, 'esm'));
  }
  return jsResult(next(url, context), filename, url);
}
