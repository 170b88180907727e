// The one contract every source of facts keeps (the shape of node_exporter's collectors and
// mysqld_exporter's scrapers): a name, start/stop for the daemon, readOnce() for one-shot tools, a
// 'change' event and the latest facts. A source does not keep its own health: every read it makes
// goes through its Reads, which times it and records the outcome (success, duration, last
// success, as node_exporter's execute() does for every collector), and SourceSet turns that into
// the galeraSourceTable row with one freshness rule (see SourceSet.health in index.ts).

import { errorText } from '../errors';

export type { SourceHealth, SourceState } from '../core/snapshot';

export interface Source<F = unknown, All = unknown> {
  /** Its galeraSourceName; its place in the list (index.ts) is its galeraSourceIndex. */
  readonly name: string;
  /** The latest facts; always there (empty before the first read), never a throw. */
  readonly facts: F;
  /** Every read this source makes, timed, with its outcome. */
  readonly reads: Reads;
  /** Watches or polls until stop(); emits 'change' when the facts change (or a watch is lost). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One read for a one-shot tool (galera-check, galera-init): no timer or watch is left behind. */
  readOnce(): Promise<void>;
  /**
   * The backstop's look, run by SourceSet every backstop period (timed through `reads`): confirms
   * the facts, or reads them again when they changed. Returns the error, or null.
   */
  backstop?(): string | null;
  /** Nothing to read now (MySQL with no server or polling off, a recovery with nothing to run). */
  idle?(): boolean;
  /** A live watch (inotify, a running child) confirms the facts as they change: fresh while it lasts. */
  watching?(): boolean;
  /** The source's present problem, when it knows better than its last read (a failed recovery stays failed). */
  problem?(): string | null;
  /**
   * Sees every source's latest facts before each snapshot, for a source that depends on others
   * (MySQL is polled only while a server runs; recovery needs grastate.dat and the process table).
   */
  sync?(all: All): void;
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

/**
 * One source's reads: each one timed, its outcome recorded. The only keeper of "last success":
 * a failed or hung read never moves lastOkAt, so only a source that really fails grows old.
 */
export class Reads {
  /** When a read last succeeded (ms since epoch); 0 never. */
  lastOkAt = 0;
  /** How long the last read took (ms). */
  lastMs = 0;
  /** The last read's error; null after a success. */
  error: string | null = null;
  count = 0;
  failures = 0;

  /** Runs one read; it returns its error or null (a throw is an error too, and is rethrown). */
  run(read: () => string | null): string | null {
    const t0 = performance.now();
    let error: string | null;
    try {
      error = read();
    } catch (err) {
      this.record(t0, errorText(err));
      throw err;
    }
    this.record(t0, error);
    return error;
  }

  /** The same for a read that awaits. */
  async runAsync(read: () => Promise<string | null>): Promise<string | null> {
    const t0 = performance.now();
    let error: string | null;
    try {
      error = await read();
    } catch (err) {
      this.record(t0, errorText(err));
      throw err;
    }
    this.record(t0, error);
    return error;
  }

  private record(t0: number, error: string | null): void {
    this.lastMs = performance.now() - t0;
    this.count++;
    this.error = error;
    if (error === null) this.lastOkAt = Date.now();
    else this.failures++;
  }
}
