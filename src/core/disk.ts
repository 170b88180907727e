// The datadir's filesystem: how much the server may still write there. A full datadir stops every
// write and can leave MariaDB unable to roll back ("Out of disk space" in rollback aborts it), and
// the campaign's full-disk rounds showed the product said nothing of it. Pure: the source
// (src/sources/disk.ts) takes statfs, this decides what it means.

/** What statfs said of the datadir's filesystem. */
export interface DiskFacts {
  /** Bytes the server's (unprivileged) user may still write: available blocks × block size. */
  availBytes: bigint | null;
  /** The space a user can have, as df counts it: used + available (root's reserve left out). */
  totalBytes: bigint | null;
  /** Why the facts are null and the read failed; '' otherwise (no datadir yet is no failure). */
  error: string;
  /** Why nothing is measured although the read worked (a filesystem that reports no size). */
  note?: string;
  /** The verdict with its hysteresis, when the reader kept one (the agent); absent: from the share. */
  low?: boolean | null;
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
  /** When unknown: why (the read's error or note); absent: no datadir yet, or an arbitrator. */
  why?: string;
}

const MIB = 1024n * 1024n;
/** Gauge32's largest value is galeraDiskFree's "unknown": a real size stops one below it. */
const GAUGE_TOP = 0xfffffffe;

/** The free share in whole percent (df's Use% complement), or null. */
export function freePercentOf(f: DiskFacts): number | null {
  if (f.error || f.availBytes === null || f.totalBytes === null || f.totalBytes <= 0n) return null;
  const avail = f.availBytes < 0n ? 0n : f.availBytes > f.totalBytes ? f.totalBytes : f.availBytes;
  return Number((avail * 100n) / f.totalBytes);
}

/**
 * Low below the threshold; once low, cleared only a whole point above it, so a node that hovers
 * at the threshold does not send an alarm and a clear for every percent it crosses.
 */
export function lowAfter(
  wasLow: boolean | null | undefined,
  freePercent: number | null,
  lowFreePercent: number,
): boolean | null {
  if (freePercent === null) return null;
  if (lowFreePercent <= 0) return false;
  return wasLow === true ? freePercent < lowFreePercent + 1 : freePercent < lowFreePercent;
}

/** The view of the facts against disk.lowFreePercent (0: never low). */
export function diskView(f: DiskFacts, lowFreePercent: number): DiskView {
  const freePercent = freePercentOf(f);
  if (freePercent === null || f.availBytes === null) {
    const why = f.error || f.note;
    return why ? { freeMiB: null, freePercent: null, low: null, why } : { freeMiB: null, freePercent: null, low: null };
  }
  const avail = f.availBytes < 0n ? 0n : f.availBytes;
  const mib = avail / MIB;
  return {
    freeMiB: mib > BigInt(GAUGE_TOP) ? GAUGE_TOP : Number(mib),
    freePercent,
    low: f.low !== undefined ? f.low : lowAfter(null, freePercent, lowFreePercent),
  };
}

/** galera-check status --verbose's line: the free space, and whether it is below the threshold. */
export function diskLine(v: DiskView | undefined, lowFreePercent: number): string {
  if (!v || v.freeMiB === null || v.freePercent === null)
    return `disk: free space unknown (${v?.why ?? 'no datadir to read, or an arbitrator'})\n`;
  const below = v.low ? `: below disk.lowFreePercent (${lowFreePercent} %)` : '';
  return `disk: ${v.freePercent} % free (${v.freeMiB} MiB) on the datadir's filesystem${below}\n`;
}
