// The datadir's filesystem (core/disk.ts): one statfs per backstop period, off the request path.
// statfs is a single system call that reads no disk, so the backstop itself is the poll; 'change'
// only when what is published moves (whole MiB, whole percent, the verdict), not for every block.
// The verdict keeps its hysteresis here (the agent's memory); a one-shot read has none.

import * as fs from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { DiskFacts, UNKNOWN_DISK, freePercentOf, lowAfter } from '../core/disk';
import { Reads, Source } from './source';

const MIB = 1024n * 1024n;

/** statfs of the datadir now, sized as df does: never a throw. */
export function readDisk(datadir: string): DiskFacts {
  try {
    const st = fs.statfsSync(datadir, { bigint: true });
    // A filesystem that reports no blocks (some pseudo and network filesystems) has nothing to
    // measure: a fact, not a failure, or the agent's data age would grow for good and keep its
    // staleness alarm up.
    if (st.blocks === 0n)
      return { availBytes: null, totalBytes: null, error: '', note: `${datadir}: its filesystem reports no size` };
    // df's size for Use%: used (blocks - bfree) + what a user may still take (bavail).
    const user = st.blocks - st.bfree + st.bavail;
    return { availBytes: st.bavail * st.bsize, totalBytes: user * st.bsize, error: '' };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // No datadir yet (mariadb-server not installed, a reseed's rm -rf): a fact, not a failure.
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return { availBytes: null, totalBytes: null, error: '' };
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
    private readonly lowFreePercent = 0,
  ) {
    super();
  }

  /** Nothing to read: an arbitrator, or no datadir yet. */
  idle(): boolean {
    return this.noDatadir || (this.facts.availBytes === null && this.facts.error === '');
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
    const raw = this.stat(this.datadir);
    const next = { ...raw, low: lowAfter(this.facts.low, freePercentOf(raw), this.lowFreePercent) };
    const said = next.error || next.note || '';
    if (said !== this.lastLogged) {
      this.lastLogged = said;
      if (next.error) this.log.warn({ err: next.error }, 'datadir free space unknown');
      else if (next.note) this.log.info({ why: next.note }, 'datadir free space not measured');
    }
    const mib = (b: bigint | null): string => (b === null ? '' : String(b / MIB));
    const changed =
      next.error !== this.facts.error ||
      next.note !== this.facts.note ||
      next.low !== this.facts.low ||
      freePercentOf(next) !== freePercentOf(this.facts) ||
      mib(next.availBytes) !== mib(this.facts.availBytes) ||
      mib(next.totalBytes) !== mib(this.facts.totalBytes);
    // The facts follow every read; listeners only on a visible move.
    this.facts = next;
    if (changed) this.emit('change');
    return next.error || null;
  }
}
