// The replication window (as in the Severalnines advisor): the gcache is a ring buffer, so a node
// away longer than gcache.size / write rate needs a full SST instead of an IST.
//   write rate = (Δ wsrep_received_bytes + Δ wsrep_replicated_bytes) / Δt
// Short term ~1 min, long term ~1 h. Counters restart at 0 with the server (or FLUSH STATUS):
// a sample lower than the last one starts a new history instead of making a negative rate.

export interface ByteSample {
  t: number;
  bytes: bigint;
}

export const SHORT_SPAN_MS = 60_000;
export const LONG_SPAN_MS = 3_600_000;
const MIN_SPAN_MS = 1_000;

/**
 * Appends a sample in place, dropping samples older than the long span (and the whole history on
 * a counter reset); returns the history to keep. In place: a copy per poll cost the agent an
 * allocation the size of the history (an hour of samples) at every SHOW STATUS.
 */
export function addSample(history: ByteSample[], s: ByteSample, keepMs = LONG_SPAN_MS): ByteSample[] {
  const last = history.at(-1);
  if (last && (s.bytes < last.bytes || s.t <= last.t)) {
    return s.bytes < last.bytes ? [s] : history; // reset: start again; same instant: ignore
  }
  history.push(s);
  let drop = 0;
  while (drop < history.length - 2 && history[drop + 1].t <= s.t - keepMs) drop++;
  if (drop) history.splice(0, drop);
  return history;
}

/** Bytes per second over (about) the last spanMs; null with less than a second of history. */
export function rateOver(history: ByteSample[], spanMs: number): number | null {
  if (history.length < 2) return null;
  const last = history[history.length - 1];
  let first = history[0];
  for (const s of history) {
    if (s.t >= last.t - spanMs) {
      first = s;
      break;
    }
  }
  if (first === last) first = history[history.length - 2];
  const dt = last.t - first.t;
  if (dt < MIN_SPAN_MS) return null;
  return Number(last.bytes - first.bytes) / (dt / 1000);
}

export type Window = { kind: 'unknown' } | { kind: 'unbounded' } | { kind: 'seconds'; seconds: number };

export function windowOf(gcacheBytes: number | null, rate: number | null): Window {
  if (gcacheBytes === null || gcacheBytes <= 0 || rate === null) return { kind: 'unknown' };
  if (rate <= 0) return { kind: 'unbounded' }; // no writes: the gcache never turns over
  return { kind: 'seconds', seconds: gcacheBytes / rate };
}

export function windowLow(w: Window, desiredSeconds: number): boolean {
  return w.kind === 'seconds' && w.seconds < desiredSeconds;
}

/** gcache.size from wsrep_provider_options ("...; gcache.size = 128M; ..."), in bytes. */
export function gcacheSizeOf(providerOptions: string | undefined): number | null {
  if (!providerOptions) return null;
  const m = /(?:^|;)\s*gcache\.size\s*=\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*(?:;|$)/i.exec(providerOptions);
  if (!m) return null;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[
    m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'
  ];
  const n = Number(m[1]) * mult;
  return Number.isFinite(n) && n > 0 ? Math.round(n) : null;
}
