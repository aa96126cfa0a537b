// TypeScript → JavaScript for the loader, with esbuild, through an on-disk cache keyed by the
// source's hash. Only the first process that loads a file pays for esbuild; every child that
// loads it again (as spawn-style children do) reads the cache.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TransformOptions } from 'esbuild';
import { userTempDir } from '../base/user-dirs';

export type Format = 'esm' | 'cjs';

/** Bump when the compiled output would change for the same source. */
const OUTPUT_VERSION = '1';

let cacheDir: string | undefined;

function cachePath(source: string, filename: string, format: Format): string {
  if (!cacheDir) {
    // Inside this user's private directory (see user-dirs.ts): only this user can put code there.
    cacheDir = process.env.MULTIPROC_CACHE_DIR || path.join(userTempDir(), 'compiled');
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  }
  const key = createHash('sha256').update(`${OUTPUT_VERSION}\0${format}\0${filename}\0`).update(source).digest('hex').slice(0, 40);
  return path.join(cacheDir, `${key}.js`);
}

export function esbuildOptions(filename: string, format: Format): TransformOptions {
  return {
    loader: filename.endsWith('x') ? 'tsx' : 'ts',
    format,
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: filename,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false, preserveValueImports: false, useDefineForClassFields: true } },
  };
}

function readCache(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writeCache(file: string, code: string): void {
  try {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, code, { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // A cache we cannot write only costs speed.
  }
}

/**
 * esbuild's message for top-level await in CommonJS does not say why the file is CommonJS; the
 * usual reason is `npm init`, which writes "type": "commonjs" into package.json.
 */
function explained(error: unknown, filename: string, format: Format): unknown {
  if (format !== 'cjs' || !/Top-level await is currently not supported with the "cjs" output format/.test(String((error as Error).message))) return error;
  return new SyntaxError(
    `${filename} uses top-level await, which CommonJS cannot run, and it is loaded as CommonJS because the nearest ` +
    'package.json says "type": "commonjs" (npm init writes that). Set "type": "module" there, or name the file .mts.',
  );
}

export function compileSync(source: string, filename: string, format: Format): string {
  const file = cachePath(source, filename, format);
  const hit = readCache(file);
  if (hit !== undefined) return hit;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  let code: string;
  try {
    ({ code } = esbuild.transformSync(source, esbuildOptions(filename, format)));
  } catch (error) {
    throw explained(error, filename, format);
  }
  writeCache(file, code);
  return code;
}

export async function compile(source: string, filename: string, format: Format): Promise<string> {
  const file = cachePath(source, filename, format);
  const hit = readCache(file);
  if (hit !== undefined) return hit;
  const esbuild = await import('esbuild');
  let code: string;
  try {
    ({ code } = await esbuild.transform(source, esbuildOptions(filename, format)));
  } catch (error) {
    throw explained(error, filename, format);
  }
  writeCache(file, code);
  return code;
}
