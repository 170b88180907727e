// The datadir's filesystem (core/disk.ts): one statfs per backstop period, off the request path.
// statfs is a single system call that never reads the disk, so the backstop itself is the poll;
// 'change' only when what is published moves (whole MiB), not on every block written.

import * as fs from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { DiskFacts, UNKNOWN_DISK } from '../core/disk';
import { Reads, Source } from './source';

const MIB = 1024n * 1024n;

/** statfs of the datadir now: never a throw. */
export function readDisk(datadir: string): DiskFacts {
  try {
    const st = fs.statfsSync(datadir, { bigint: true });
    return { availBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize, error: '' };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { availBytes: null, totalBytes: null, error: `statfs ${datadir}: ${e.code ?? e.message}` };
  }
}

export class DiskSource extends EventEmitter implements Source<DiskFacts> {
  readonly name = 'disk';
  readonly reads = new Reads();
  facts: DiskFacts = UNKNOWN_DISK;
  private lastLogged = '';

  constructor(
    private readonly datadir: string,
    private readonly log: Logger,
    /** An arbitrator (garbd) has no datadir: nothing to read. */
    private readonly noDatadir = false,
    private readonly stat: (datadir: string) => DiskFacts = readDisk,
  ) {
    super();
  }

  idle(): boolean {
    return this.noDatadir;
  }

  problem(): string | null {
    return this.noDatadir ? null : this.facts.error || null;
  }

  async readOnce(): Promise<void> {
    if (!this.noDatadir) this.reads.run(() => this.read());
    return Promise.resolve();
  }

  async start(): Promise<void> {
    await this.readOnce();
  }

  async stop(): Promise<void> {
    return Promise.resolve();
  }

  backstop(): string | null {
    return this.noDatadir ? null : this.read();
  }

  private read(): string | null {
    const next = this.stat(this.datadir);
    if (next.error !== this.lastLogged) {
      this.lastLogged = next.error;
      if (next.error) this.log.warn({ err: next.error }, 'datadir free space unknown');
    }
    const mib = (b: bigint | null): string => (b === null ? '' : String(b / MIB));
    const changed =
      next.error !== this.facts.error ||
      mib(next.availBytes) !== mib(this.facts.availBytes) ||
      mib(next.totalBytes) !== mib(this.facts.totalBytes);
    // The facts follow every read (the percent is taken from them); listeners only on a visible move.
    this.facts = next;
    if (changed) this.emit('change');
    return next.error || null;
  }
}
