/** Ends the CLI with status 2 (a usage or start-up error), saying why on stderr. */
export function fail(message: string): never {
  process.stderr.write(`multiproc: ${message}\n`);
  process.exit(2);
}
