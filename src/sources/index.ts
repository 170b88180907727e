// The list of sources. Its order is galeraSourceTable's index order: a new source goes at the end
// (one line here, one file beside this one) so existing indexes stay put.

import type { Logger } from 'pino';
import type { Config } from '../config';
import type { SourceFacts, SourceHealth } from '../core/snapshot';
import { GRASTATE_FILE } from '../core/grastate';
import { GVWSTATE_FILE } from '../core/gvwstate';
import { ProcessSource } from './processes';
import { LockSource } from './lock';
import { DataFileSource } from './datafile';
import { MysqlSource } from './mysql';
import { Flag, RecoverySource } from './recover';
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
  /** The MySQL source's logger, when not log (galera-init expects a refused MySQL while its server starts). */
  mysqlLog?: Logger;
}

/** The sources, built from the config. */
export function createSources(cfg: Config, log: Logger, o: SourceOptions = {}): SourceSet {
  const processes = new ProcessSource({ ...cfg.processes, datadir: cfg.datadir, log, procDir: o.procDir });
  const lock = new LockSource(cfg.lockFile, cfg.processes.scanIntervalMs, log);
  // One lstat per file per backstop period; a read only when it changed (see DataFileSource).
  const backstopMs = 2000;
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
  return new SourceSet([
    processes,
    lock,
    new DataFileSource(cfg.datadir, GRASTATE_FILE, backstopMs, log),
    new MysqlSource({ ...cfg.mysql, log: o.mysqlLog ?? log }),
    recovery,
    new DataFileSource(cfg.datadir, GVWSTATE_FILE, backstopMs, log),
  ]);
}

/** The sources as one: started, stopped, read once, synced and asked for health together. */
export class SourceSet {
  constructor(readonly list: Source<unknown, SourceFacts>[]) {}

  get(name: string): Source<unknown, SourceFacts> {
    const s = this.list.find((x) => x.name === name);
    if (!s) throw new Error(`no source named ${name}`);
    return s;
  }

  /** Every source's facts by name. */
  facts(): SourceFacts {
    return Object.fromEntries(this.list.map((s) => [s.name, s.facts])) as unknown as SourceFacts;
  }

  health(): SourceHealth[] {
    return this.list.map((s) => s.health());
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
  }

  async stop(): Promise<void> {
    for (const s of this.list) await s.stop();
  }

  /** One read of each, in list order, each synced with what the ones before it found. */
  async readOnce(): Promise<void> {
    for (const s of this.list) {
      s.sync?.(this.facts());
      await s.readOnce();
    }
  }
}
