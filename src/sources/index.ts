// The list of sources. Its order is galeraSourceTable's index order: a new source goes at the end
// (one line here, one file beside this one) so existing indexes stay put.

import * as path from 'node:path';
import type { Logger } from 'pino';
import { Config, initStateFileOf } from '../config';
import type { SourceFacts, SourceHealth } from '../core/snapshot';
import { GRASTATE_FILE } from '../core/grastate';
import { GVWSTATE_FILE } from '../core/gvwstate';
import { parseInitState, parseMaintenance } from '../core/initstate';
import { ProcessSource } from './processes';
import { LockSource } from './lock';
import { DataFileSource } from './datafile';
import { MysqlSource } from './mysql';
import { Flag, RecoverySource } from './recover';
import { UserDataSource } from './userdata';
import { DiskSource } from './disk';
import type { DiskFacts } from '../core/disk';
import type { Source } from './source';

export interface SourceOptions {
  /**
   * One-shot tools: whether a recovery may run, and whether the caller holds the lock; a function
   * when it changes between reads (galera-init recovers only under its lock).
   */
  recover?: Flag;
  lockHeld?: Flag;
  /** A fixture /proc for tests. */
  procDir?: string;
  /** A fixture statfs for tests: a real filesystem's free space moves with everything else on it. */
  statDisk?: (datadir: string) => DiskFacts | Promise<DiskFacts>;
  /** The MySQL source's logger, when not log (galera-init expects a refused MySQL while its server starts). */
  mysqlLog?: Logger;
}

/** The sources, built from the config. */
export function createSources(cfg: Config, log: Logger, o: SourceOptions = {}): SourceSet {
  // The marks of a start or a stop: files created in the datadir, the lock's directory and the
  // run dirs (socket, pid file); see processes.ts.
  const watchDirs = [...new Set([cfg.datadir, path.dirname(cfg.lockFile), ...cfg.processes.watchDirs])];
  // An arbitrator's agent follows garbd as its server: galeraStatus is running while garbd runs.
  const arbitrator = cfg.role === 'arbitrator' ? { serverNames: cfg.processes.arbitratorNames, anyDatadir: true } : {};
  const processes = new ProcessSource({
    ...cfg.processes,
    ...arbitrator,
    datadir: cfg.datadir,
    log,
    procDir: o.procDir,
    watchDirs,
  });
  const lock = new LockSource(cfg.lockFile, cfg.processes.scanIntervalMs, log);
  const mysql = new MysqlSource({ ...cfg.mysql, log: o.mysqlLog ?? log });
  // The server's connection dropped: it stopped or died (a crash leaves no file behind).
  mysql.on('lost', () => processes.poke());
  const recovery = new RecoverySource({
    ...cfg.recovery,
    datadir: cfg.datadir,
    lockFile: cfg.lockFile,
    log,
    recover: o.recover,
    lockHeld: o.lockHeld,
    // A fresh listing by the same source: its cache makes it cheap (only new PIDs are read).
    busyNow: () => {
      const now = processes.scan();
      return now.servers.length > 0 || now.recoveries.length > 0;
    },
  });
  // A result galera-init or galera-check wrote beside the lock: the data may have changed with it.
  lock.on('recovery-cache', () => recovery.dataChanged());
  return new SourceSet(
    [
      processes,
      lock,
      new DataFileSource(cfg.datadir, GRASTATE_FILE, log),
      mysql,
      recovery,
      new DataFileSource(cfg.datadir, GVWSTATE_FILE, log),
      new UserDataSource(cfg.datadir, log),
      stateFileSource(initStateFileOf(cfg), 'init', parseInitState, log),
      stateFileSource(cfg.maintenanceFile, 'maintenance', parseMaintenance, log),
      new DiskSource(cfg.datadir, log, cfg.role === 'arbitrator', o.statDisk, cfg.disk.lowFreePercent),
    ],
    { backstopMs: cfg.processes.backstopMs },
  );
}

/** galera-init's state file, or the maintenance file: small files watched like grastate.dat. */
function stateFileSource<T extends { problems: string[] }>(
  file: string,
  sourceName: string,
  parse: (data: Buffer) => T,
  log: Logger,
): DataFileSource<T> {
  return new DataFileSource(path.dirname(file), { name: path.basename(file), sourceName, maxBytes: 65536, parse }, log);
}

/**
 * The sources as one: started, stopped, read once and synced together, and the one keeper of
 * their health. One freshness rule for all: a source under a live watch confirms its facts
 * continuously (age 0 while the watch lasts); the rest are confirmed by their own poll or by the
 * backstop, one timer that gives every source a look every backstopMs. Only a source whose reads
 * fail or hang (MySQL not answering, a file that cannot be read) grows old.
 */
export class SourceSet {
  private readonly rows: SourceHealth[];
  private timer: NodeJS.Timeout | null = null;
  readonly backstopMs: number;

  constructor(
    readonly list: Source<unknown, SourceFacts>[],
    opts: { backstopMs?: number } = {},
  ) {
    this.backstopMs = opts.backstopMs ?? 1000;
    this.rows = list.map((s) => rowOf(s, this.backstopMs));
  }

  get(name: string): Source<unknown, SourceFacts> {
    const s = this.list.find((x) => x.name === name);
    if (!s) throw new Error(`no source named ${name}`);
    return s;
  }

  /**
   * The process table read again in full, past its cache: for galera-init after a start command
   * succeeded and the cached look shows no server (a PID caught mid-exec is not re-read at once).
   */
  rescanProcesses(): SourceFacts['processes'] {
    const p = this.get('processes');
    if (!(p instanceof ProcessSource)) throw new Error('the processes source is not a process table');
    return p.scan(true);
  }

  /** The datadir changed under the recovery source (galera-init's heuristic rollback): look again. */
  recoveryDataChanged(): void {
    const r = this.get('recovery');
    if (r instanceof RecoverySource) r.dataChanged();
  }

  /** Every source's facts by name. */
  facts(): SourceFacts {
    return Object.fromEntries(this.list.map((s) => [s.name, s.facts])) as unknown as SourceFacts;
  }

  /**
   * The galeraSourceTable rows, state and error as of now. The rows are the same objects from call
   * to call and their age fields read the sources' reads when asked: a view built from an older
   * snapshot still publishes the ages of now, with no recompute per confirmation.
   */
  health(): SourceHealth[] {
    for (const [i, s] of this.list.entries()) {
      const row = this.rows[i];
      const error = errorOf(s);
      row.state = s.idle?.() ? 'idle' : error !== null ? 'failing' : 'ok';
      row.error = error ?? '';
    }
    return this.rows;
  }

  /** Lets each source see the others' facts. */
  sync(): void {
    // One record for all (this runs on every recompute): a source's sync changes only its own facts.
    const all = this.facts();
    for (const s of this.list) s.sync?.(all);
  }

  async start(onChange: () => void): Promise<void> {
    for (const s of this.list) {
      s.on('change', onChange);
      await s.start();
    }
    this.timer = setInterval(() => this.backstop(), this.backstopMs);
  }

  /**
   * One look of every source that has a backstop, each timed and recorded through its reads (a
   * throw is the source's failure: its row turns failing, the next period tries again). Returns
   * the looks still out, for tests; the timer does not wait for them.
   */
  backstop(): Promise<void>[] {
    const out: Promise<void>[] = [];
    for (const s of this.list) {
      const look = s.backstop?.bind(s);
      const p = look ? s.reads.look(look) : null;
      if (p) out.push(p);
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const s of this.list) await s.stop();
  }

  /** One read of each, in list order, each synced with what the ones before it found. */
  async readOnce(): Promise<void> {
    for (const s of this.list) {
      s.sync?.(this.facts());
      await s.readOnce();
    }
  }

  /**
   * One source read afresh, the others left as they are: galera-init asks "is a server up?" many
   * times a second while one starts or stops, which is the process table's question alone (no
   * SHOW STATUS, no file reads).
   */
  async readOne<K extends keyof SourceFacts>(name: K): Promise<SourceFacts[K]> {
    const s = this.get(name);
    await s.readOnce();
    return s.facts as SourceFacts[K];
  }
}

const errorOf = (s: Source<unknown, SourceFacts>): string | null => (s.problem ? s.problem() : s.reads.error);

/**
 * A source's live row: lastOkAt, live and readMs are read from the source when asked. A watch is
 * no proof of freshness while a look has been out for a whole period: inotify stays up on a
 * filesystem whose reads hang.
 */
function rowOf(s: Source<unknown, SourceFacts>, periodMs: number): SourceHealth {
  return {
    name: s.name,
    state: 'idle',
    error: '',
    get lastOkAt(): number {
      return s.reads.lastOkAt;
    },
    get live(): boolean {
      const hung = s.reads.outSince > 0 && performance.now() - s.reads.outSince > periodMs;
      return s.watching?.() === true && errorOf(s) === null && !hung;
    },
    get readMs(): number {
      return Math.round(s.reads.lastMs * 1000) / 1000;
    },
  };
}
