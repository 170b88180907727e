// Errors by kind, and the exit codes of the three CLIs. Decisions read an error's kind, never its
// text: the text is for the operator's log line and may be reworded without changing behaviour.

/** What kind of failure a MySQL or peer error is: the only thing a caller may decide on. */
export type ErrorKind = 'auth' | 'refused' | 'timeout' | 'limit' | 'nonPrimary' | 'other';

export interface KindedError {
  kind: ErrorKind;
  /** One line for the operator (no secrets). */
  text: string;
}

/**
 * The exit codes of galera-agentx, galera-init and galera-check, in one table (sysexits.h where one
 * fits): systemd units, keepalived scripts and the README all rely on these numbers.
 */
export const EXIT = {
  /** Done: started, already running, answered, healthy. */
  OK: 0,
  /** Failed or refused (galera-init), unhealthy (galera-check healthy), an unexpected error. */
  FAILED: 1,
  /** A flag or argument is wrong (EX_USAGE). */
  USAGE: 64,
  /** galera-init --once gave up waiting (EX_TEMPFAIL): run it again later. */
  TEMPFAIL: 75,
  /** The config is invalid (EX_CONFIG): systemd must not restart in a loop (RestartPreventExitStatus). */
  CONFIG: 78,
} as const;

/** An invalid config: the message names the file and the key, and what would be accepted. */
export class ConfigError extends Error {}

/**
 * The exit code of a CLI that ends on an error: a bad config is EX_CONFIG (systemd's
 * RestartPreventExitStatus keeps it from restarting in a loop), anything else FAILED.
 */
export function exitCodeOf(err: unknown): number {
  return err instanceof ConfigError ? EXIT.CONFIG : EXIT.FAILED;
}

/** The message of a caught value: an Error's message, anything else as text (a rejection may carry any value). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
