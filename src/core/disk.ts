// The datadir's filesystem: how much the server may still write there. A full datadir stops every
// write and can leave MariaDB unable to roll back ("Out of disk space" in rollback aborts it), and
// the campaign's full-disk rounds showed the product said nothing of it. Pure: the source
// (src/sources/disk.ts) takes statfs, this decides what it means.

/** What statfs said of the datadir's filesystem. */
export interface DiskFacts {
  /** Bytes the server's (unprivileged) user may still write: available blocks × block size. */
  availBytes: bigint | null;
  /** The filesystem's size in bytes. */
  totalBytes: bigint | null;
  /** Why the facts are null; '' otherwise. */
  error: string;
}

export const UNKNOWN_DISK: DiskFacts = { availBytes: null, totalBytes: null, error: 'not read yet' };

/** galeraDiskFree, galeraDiskFreePercent and galeraDiskSpaceLow, as published. */
export interface DiskView {
  /** MiB, rounded down; null: unknown. */
  freeMiB: number | null;
  /** Percent of the size, rounded down; null: unknown. */
  freePercent: number | null;
  /** Below the threshold; null: unknown. */
  low: boolean | null;
}

const MIB = 1024n * 1024n;

/** The view of the facts against disk.lowFreePercent (0: never low). */
export function diskView(f: DiskFacts, lowFreePercent: number): DiskView {
  if (f.error || f.availBytes === null || f.totalBytes === null || f.totalBytes <= 0n)
    return { freeMiB: null, freePercent: null, low: null };
  const avail = f.availBytes < 0n ? 0n : f.availBytes;
  const freePercent = Number((avail * 100n) / f.totalBytes);
  return {
    freeMiB: Number(avail / MIB),
    freePercent: Math.min(100, freePercent),
    low: lowFreePercent > 0 && freePercent < lowFreePercent,
  };
}

/** galera-check status --verbose's line: the free space, and whether it is below the threshold. */
export function diskLine(v: DiskView | undefined, lowFreePercent: number): string {
  if (!v || v.freeMiB === null || v.freePercent === null)
    return 'disk: free space unknown (the datadir cannot be read)\n';
  const below = v.low ? `: below disk.lowFreePercent (${lowFreePercent} %)` : '';
  return `disk: ${v.freePercent} % free (${v.freeMiB} MiB) on the datadir's filesystem${below}\n`;
}
