// The one contract every source of facts keeps (the shape of node_exporter's collectors and
// mysqld_exporter's scrapers): a name, start/stop for the daemon, readOnce() for one-shot tools, a
// 'change' event, the latest facts, and health() with lastOkAt always meaning the last success.
// The agent and galera-check loop over the same list (see index.ts), so a source is written once.

import type { SourceHealth } from '../core/snapshot';

export type { SourceHealth, SourceState } from '../core/snapshot';

export interface Source<F = unknown, All = unknown> {
  /** Its galeraSourceName; its place in the list (index.ts) is its galeraSourceIndex. */
  readonly name: string;
  /** The latest facts; always there (empty before the first read), never a throw. */
  readonly facts: F;
  /** Watches or polls until stop(); emits 'change' when the facts change. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One read for a one-shot tool (galera-check, galera-init): no timer or watch is left behind. */
  readOnce(): Promise<void>;
  /** ok, failing (with the error) or idle (nothing to read now), and when it last succeeded. */
  health(): SourceHealth;
  /**
   * Sees every source's latest facts before each snapshot, for a source that depends on others
   * (MySQL is polled only while a server runs; recovery needs grastate.dat and the process table).
   */
  sync?(all: All): void;
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

/** The health row of a source, from its state. */
export function healthRow(
  name: string,
  state: SourceHealth['state'],
  lastOkAt: number,
  error: string | null | undefined,
): SourceHealth {
  return { name, state, lastOkAt, error: error ?? '' };
}
