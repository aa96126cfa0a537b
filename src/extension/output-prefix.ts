// Preloaded (`node --import`) into every process of a run the extension starts when
// `multiproc.prefixOutput` is on: the processes of a program share one stdout, so only the
// writer itself knows who wrote a line. It prefixes each line with the writing process's name,
// which the library knows once it is loaded (children load it before running anything).
import { createRequire } from 'node:module';

interface Library { currentProcess(): { name: string } }

const requireHere = createRequire(__filename);
const libraryPath = process.env.MULTIPROC_LIBRARY;

function processName(): string {
  // Only ask a library that is already loaded: loading it here would run its start-up early.
  try {
    if (libraryPath && requireHere.cache[requireHere.resolve(libraryPath)]) {
      return (requireHere(libraryPath) as Library).currentProcess().name;
    }
  } catch {
    // fall through to the main process's name
  }
  return 'MainProcess';
}

function prefixLines(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  let atLineStart = true;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const encoding = typeof rest[0] === 'string' ? rest[0] : 'utf8';
    // text in another encoding (hex, base64) is not lines; leave it alone
    if ((typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) || !/^utf-?8$/i.test(encoding)) return write(chunk, ...rest);
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.length === 0) return write(chunk, ...rest);
    const prefix = `[${processName()}] `;
    // one write per call keeps a line of one process from being split by another's
    let out = atLineStart ? prefix : '';
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    out += body.replace(/\n/g, `\n${prefix}`);
    if (text.endsWith('\n')) out += '\n';
    atLineStart = text.endsWith('\n');
    return write(out, ...rest.filter((r) => typeof r === 'function'));
  }) as typeof stream.write;
}

prefixLines(process.stdout);
prefixLines(process.stderr);
