// Which module system a file belongs to, by Node's rules, extended to TypeScript: .mts is ESM,
// .cts is CommonJS, and .ts follows the nearest package.json's "type" — ESM when it says
// nothing, since TypeScript programs are written with import/export.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const TS_FILE = /\.(ts|mts|cts|tsx)$/;

const typeCache = new Map<string, string | undefined>();

function packageType(dir: string): string | undefined {
  if (typeCache.has(dir)) return typeCache.get(dir);
  let type: string | undefined;
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: unknown };
    type = typeof pkg.type === 'string' ? pkg.type : 'none';
  } catch {
    const up = path.dirname(dir);
    type = up === dir ? undefined : packageType(up);
  }
  typeCache.set(dir, type);
  return type;
}

export function tsFormat(filename: string): 'module' | 'commonjs' {
  if (filename.endsWith('.mts')) return 'module';
  if (filename.endsWith('.cts')) return 'commonjs';
  return packageType(path.dirname(filename)) === 'commonjs' ? 'commonjs' : 'module';
}

/** Program files, as opposed to installed packages: only they are registered for target lookup. */
export function isProgramFile(filename: string): boolean {
  return !filename.split(path.sep).includes('node_modules');
}
