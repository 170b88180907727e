// The datadir's filesystem (core/disk.ts): one statfs per backstop period, off the request path
// and off the event loop (a statfs of a hung network filesystem never returns). statfs reads no
// disk, so the backstop itself is the poll; 'change' only when what is published moves (whole
// MiB, whole percent, the verdict), not for every block.
// The verdict keeps its hysteresis here (the agent's memory); a one-shot read has none.

import * as fs from 'node:fs';
import type { Logger } from 'pino';
import { DiskFacts, UNKNOWN_DISK, freePercentOf, lowAfter } from '../core/disk';
import { PolledSource } from './source';

const MIB = 1024n * 1024n;

/** statfs of the datadir now, sized as df does: never a throw. */
export async function readDisk(datadir: string): Promise<DiskFacts> {
  try {
    const st = await fs.promises.statfs(datadir, { bigint: true });
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

export class DiskSource extends PolledSource<DiskFacts> {
  readonly name = 'disk';
  facts: DiskFacts = UNKNOWN_DISK;
  private lastLogged = '';

  constructor(
    private readonly datadir: string,
    private readonly log: Logger,
    /** An arbitrator (garbd) has no datadir: nothing to read. */
    private readonly noDatadir = false,
    private readonly stat: (datadir: string) => DiskFacts | Promise<DiskFacts> = readDisk,
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

  protected override skipped(): boolean {
    return this.noDatadir;
  }

  backstop(): Promise<string | null> | null {
    return this.noDatadir ? null : this.read();
  }

  protected async read(): Promise<string | null> {
    const raw = await this.stat(this.datadir);
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
