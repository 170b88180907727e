// What the three CLIs share: flag parsing (node's util.parseArgs), with errors that name the flag,
// and the one way an error ends a CLI.

import { parseArgs, ParseArgsConfig } from 'node:util';
import { EXIT, errorText, exitCodeOf } from '../errors';

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  usage: string,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    process.exit(EXIT.USAGE);
  }
}

/** Ends a CLI on an error: one line on stderr, and the exit code by the error's kind (errors.ts). */
export function exitOnError(program: string, err: unknown): never {
  process.stderr.write(`${program}: ${errorText(err)}\n`);
  process.exit(exitCodeOf(err));
}
