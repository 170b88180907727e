// The two halves of a Galera position (a GTID, uuid:seqno), parsed once: the seqno into a signed
// 64-bit bigint (never compared as strings or floats), the state UUID into its canonical text.

export const SEQNO_MIN = -(2n ** 63n);
export const SEQNO_MAX = 2n ** 63n - 1n;
export const UNKNOWN_SEQNO = -1n;

/** The seqno in `text`, or null when it is not a decimal signed 64-bit integer. */
export function parseSeqno(text: string): bigint | null {
  const t = text.trim();
  if (!/^-?\d{1,20}$/.test(t)) return null;
  const n = BigInt(t);
  return n < SEQNO_MIN || n > SEQNO_MAX ? null : n;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A canonical lower-case state UUID, or null. */
export function parseUuid(text: string): string | null {
  const t = text.trim().toLowerCase();
  return UUID_RE.test(t) ? t : null;
}
