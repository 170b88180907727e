// Flag parsing shared by the CLIs (node's util.parseArgs), with errors that name the flag.

import { parseArgs, ParseArgsConfig } from 'node:util';
import { EXIT } from '../errors';

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
