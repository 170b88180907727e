// pino, JSON lines to stderr (journald keeps them; `journalctl -o cat | jq` reads them).
// Anything that looks like a credential is redacted as a last line of defence: the MySQL password
// is never put in a log call on purpose, and this makes sure an error object cannot carry it out.

import pino, { Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      redact: { paths: ['password', '*.password', '*.*.password', 'config.mysql.password'], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream,
  );
}

/** A logger that discards everything (unit tests, one-shot CLIs that print their own answer). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
