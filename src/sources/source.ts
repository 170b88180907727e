// The one contract every source of facts keeps (the shape of node_exporter's collectors and
// mysqld_exporter's scrapers): a name, start/stop for the daemon, readOnce() for one-shot tools, a
// 'change' event and the latest facts. A source does not keep its own health: every read it makes
// goes through its Reads, which times it and records the outcome (success, duration, last
// success, as node_exporter's execute() does for every collector), and SourceSet turns that into
// the galeraSourceTable row with one freshness rule (see SourceSet.health in index.ts).

import { EventEmitter } from 'node:events';
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
   * the facts, or reads them again when they changed. Returns the error, or null. A look that
   * touches the datadir awaits (the thread pool does the I/O): a hung filesystem must never hold
   * the event loop, and so the SNMP answers.
   */
  backstop?(): string | null | Promise<string | null>;
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

  /** When the look that has not come back yet started (performance.now()); 0 when none is out. */
  outSince = 0;

  /**
   * Runs a backstop look that may await. While one is out, the next is not started: a read hung on
   * the datadir's filesystem holds one thread-pool thread, never more, and since lastOkAt does not
   * move, the source grows old and the agent says its facts are stale. Returns the look when it
   * is out (tests await it), null when it ended at once or was skipped.
   */
  look(read: () => string | null | Promise<string | null>): Promise<void> | null {
    if (this.outSince) return null;
    const t0 = performance.now();
    let result: string | null | Promise<string | null>;
    try {
      result = read();
    } catch (err) {
      this.record(t0, errorText(err));
      return null;
    }
    if (!(result instanceof Promise)) {
      this.record(t0, result);
      return null;
    }
    this.outSince = t0;
    return result
      .then(
        (error) => this.record(t0, error),
        (err: unknown) => this.record(t0, errorText(err)),
      )
      .finally(() => (this.outSince = 0));
  }

  private record(t0: number, error: string | null): void {
    this.lastMs = performance.now() - t0;
    this.count++;
    this.error = error;
    if (error === null) this.lastOkAt = Date.now();
    else this.failures++;
  }
}

/**
 * How long a daemon's start waits for a source's first read of the datadir. Past it the agent
 * starts anyway (registers with snmpd, answers) and serves those facts as not read yet, their rows
 * growing old, rather than never registering when the datadir's filesystem does not answer at
 * boot. The read goes on and is recorded when it returns.
 */
export const FIRST_READ_MS = 5000;

/** Waits for a first read at most `ms`; the read itself is left running. */
export function firstRead(read: Promise<void>, ms = FIRST_READ_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}

/**
 * A source with no watch of its own (the datadir's filesystem, its schema directories): one read
 * at start, again at each backstop look, nothing left running. Its reads await, so a datadir on a
 * hung filesystem holds a thread-pool thread, never the event loop.
 */
export abstract class PolledSource<F> extends EventEmitter implements Source<F> {
  abstract readonly name: string;
  abstract facts: F;
  readonly reads = new Reads();
  /** How long start() waits for the first read (tests shorten it). */
  firstReadMs = FIRST_READ_MS;

  /** One read: the facts updated, 'change' emitted on a visible move; its error, or null. */
  protected abstract read(): Promise<string | null>;

  /** Nothing to read at all (an arbitrator has no datadir). */
  protected skipped(): boolean {
    return false;
  }

  async readOnce(): Promise<void> {
    if (!this.skipped()) await this.reads.runAsync(() => this.read());
  }

  start(): Promise<void> {
    return firstRead(this.readOnce(), this.firstReadMs);
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
