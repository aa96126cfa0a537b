// The command line of `multiproc`: its own options are parsed by node:util's parseArgs; options
// before the program that are not ours are node's (`multiproc run --inspect prog.ts`) and go to
// the node that runs the program; everything after the program is the program's.
import { parseArgs } from 'node:util';

export const USAGE = `usage: multiproc run [options] [node options] <program.ts|.js|.mjs|.cjs> [--] [arguments…]
       multiproc --version | --help

Runs the program with multiproc's loader: TypeScript needs no build step, in the program and in
every process it starts. The same as: node --import multiproc/register <program> [arguments…]

options:
  --watch        show every process of the program and its queues as they change (redrawn on a
                 terminal, a plain log otherwise), a table of exit codes at the end, and exit
                 non-zero when any process failed. Also accepted right after the program; a
                 program that wants a literal --watch gets it as "run <program> -- --watch".
  -h, --help     this text
node options:    any other option before the program, e.g. --inspect, --enable-source-maps,
                 --max-old-space-size=4096, --conditions=dev; it applies to every process.

environment: NO_COLOR / FORCE_COLOR for --watch's colours. Exit status: the program's; 128+N
when signal N ended it (130 for Ctrl-C); 2 for a bad command line.`;

/** Node options that take their value as the next argument (the others use --name=value). */
const NODE_VALUE_FLAGS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--env-file', '--inspect-port', '--title', '--input-type', '--stack-size']);

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; program: string; programArgs: string[]; nodeArgs: string[]; watch: boolean }
  | { kind: 'error'; message: string };

export function parseCommand(argv: readonly string[]): Command {
  const command = parseRun(argv);
  // An empty argument (`multiproc run ""`, an unset variable in a script) names no program either.
  return command.kind === 'run' && command.program === '' ? { kind: 'error', message: 'run needs a program to run' } : command;
}

function parseRun(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') return { kind: 'version' };
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { kind: 'help' };
  if (command !== 'run') return { kind: 'error', message: `unknown command "${command}"` };
  // Up to the program only: what follows it is the program's, whatever it looks like.
  const { tokens } = parseArgs({
    args: rest, strict: false, allowPositionals: true, tokens: true,
    options: { watch: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  let watch = false;
  const nodeArgs: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'option-terminator') {
      const program = rest[t.index + 1];
      return program === undefined
        ? { kind: 'error', message: 'run needs a program to run' }
        : { kind: 'run', program, programArgs: rest.slice(t.index + 2), nodeArgs, watch };
    }
    if (t.kind === 'positional') {
      let programArgs = rest.slice(t.index + 1);
      if (programArgs[0] === '--watch') {
        watch = true;
        programArgs = programArgs.slice(1);
      } else if (programArgs[0] === '--') {
        programArgs = programArgs.slice(1);
      }
      return { kind: 'run', program: t.value, programArgs, nodeArgs, watch };
    }
    if (t.name === 'watch') watch = true;
    else if (t.name === 'help') return { kind: 'help' };
    else {
      nodeArgs.push(t.rawName + (t.inlineValue ? `=${t.value}` : ''));
      // parseArgs cannot know that a node option takes the next argument as its value
      const next = tokens[i + 1];
      if (!t.inlineValue && NODE_VALUE_FLAGS.has(t.rawName) && next?.kind === 'positional') {
        nodeArgs.push(next.value);
        i++;
      }
    }
  }
  return { kind: 'error', message: 'run needs a program to run' };
}
