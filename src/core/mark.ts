// The high-water mark: what this node knows was committed in its cluster's history, kept outside
// the datadir (under the state directory) so that a datadir restored from an old backup, or a
// replaced disk, cannot make the node look merely "behind". Pure: parsing, the update rules, the
// tolerance, and the check galera-check and galera-init make against it. The file I/O is in
// sources/markfile.ts; the agent keeps it (daemon/mark.ts).
//
// Why a tolerance: with innodb_flush_log_at_trx_commit other than 1 (or a binary log that is not
// synced at every commit) a power cut loses the last second or so of commits on every node, so every
// recovered position sits a little below its mark. The mark must not block that recovery for ever:
// it keeps, with the mark, how many transactions the server's durability settings may lose.

import { parseSeqno, parseUuid } from './gtid';

/** The server's settings that decide how many commits a power cut may lose. null: not read. */
export interface Durability {
  /** innodb_flush_log_at_trx_commit: 1 flushes at every commit; 0 and 2 about once a second. */
  flushLogAtTrxCommit: number | null;
  /** innodb_flush_log_at_timeout (seconds): the period of that flush. */
  flushLogAtTimeout: number | null;
  /** log_bin: with a binary log, a commit is durable once the binlog is synced too. */
  logBin: boolean | null;
  /** sync_binlog: 1 syncs at every commit, N every N commit groups, 0 leaves it to the OS. */
  syncBinlog: number | null;
}

export interface Mark {
  /** The cluster state UUID the seqnos belong to. */
  uuid: string;
  /** This node's member name (galeraNodeName) when it wrote the mark. */
  node: string;
  /** The highest seqno this node committed while Synced in a Primary component; -1: none yet. */
  committed: bigint;
  /** The highest seqno it saw each member (by galeraNodeName) report while Primary. */
  seen: Record<string, bigint>;
  /** The last bootstrap this node took part in (its own server bootstrapped). */
  lastBootstrap: { uuid: string; seqno: bigint; at: number } | null;
  /** The settings the tolerance was derived from, as read from the server. */
  durability: Durability | null;
  /** How many transactions a power cut may have lost below `committed` (see lossWindow). */
  tolerance: bigint;
  /** When it was last written (ms since epoch). */
  at: number;
}

/** What a member's mark says to the decision: its highest seqno, who committed it, and the tolerance. */
export interface MarkFacts {
  uuid: string;
  seqno: bigint;
  /** The member that committed it (its galeraNodeName). */
  node: string;
  tolerance: bigint;
  /** The durability rule behind the tolerance, in words. */
  rule: string;
}

export const MARK_FILE = 'high-water-mark.json';
/** The agent writes the mark at most this often: the tolerance covers that much more. */
export const MARK_WRITE_MS = 1000;
/**
 * How long the OS may keep a written but unsynced file in its cache: Linux's
 * vm.dirty_expire_centisecs (30 s) plus one writeback period (vm.dirty_writeback_centisecs, 5 s).
 */
const OS_WRITEBACK_S = 35;

/** The span of commits a power cut may lose under these settings, and the rule in words. */
export function lossWindow(d: Durability | null): { seconds: number; commits: number; rule: string } {
  if (!d || d.flushLogAtTrxCommit === null)
    return {
      seconds: 3,
      commits: 0,
      rule: 'durability settings not read: assumed the last 3 s of commits may be lost',
    };
  const parts: string[] = [];
  let seconds = 0;
  let commits = 0;
  if (d.flushLogAtTrxCommit !== 1) {
    const timeout = d.flushLogAtTimeout ?? 1;
    // The redo log is flushed every `timeout` seconds; the mark may be one write period ahead of
    // the last flush, and a second covers a late flush on a loaded host.
    seconds = timeout + MARK_WRITE_MS / 1000 + 1;
    parts.push(`innodb_flush_log_at_trx_commit=${d.flushLogAtTrxCommit} (flushed every ${timeout} s)`);
  }
  if (d.logBin === true && d.syncBinlog !== 1) {
    if (d.syncBinlog === 0 || d.syncBinlog === null) {
      seconds = Math.max(seconds, OS_WRITEBACK_S);
      parts.push('sync_binlog=0 (the OS writes the binary log back within about 35 s)');
    } else {
      commits = d.syncBinlog;
      seconds = Math.max(seconds, MARK_WRITE_MS / 1000 + 1);
      parts.push(`sync_binlog=${d.syncBinlog} (synced every ${d.syncBinlog} commit groups)`);
    }
  }
  if (!parts.length)
    return {
      seconds: 0,
      commits: 0,
      rule: `innodb_flush_log_at_trx_commit=1${d.logBin ? ', sync_binlog=1' : ''}: every commit is on disk, no tolerance`,
    };
  return {
    seconds,
    commits,
    rule: `${parts.join(', ')}: a power cut may lose the commits of the last ${seconds} s`,
  };
}

/** A sample of this node's committed seqno, for the tolerance: the commits within the loss window. */
export interface CommitSample {
  t: number;
  seqno: bigint;
}

/**
 * The tolerance of a mark written at `now`: the commits this node made within the loss window
 * before it (they may be lost together by a power cut), plus the binlog's commit group.
 */
export function toleranceOf(samples: readonly CommitSample[], now: number, d: Durability | null): bigint {
  const w = lossWindow(d);
  if (w.seconds === 0 || !samples.length) return BigInt(w.commits);
  const latest = samples[samples.length - 1].seqno;
  const from = now - w.seconds * 1000;
  // The last sample at or before the window's start; the oldest one when the history is shorter.
  let base = samples[0].seqno;
  for (const s of samples) if (s.t <= from) base = s.seqno;
  const span = latest > base ? latest - base : 0n;
  return span + BigInt(w.commits);
}

/** The highest seqno in a mark, and who committed it. */
export function markTop(m: Mark): { seqno: bigint; node: string } {
  let top = { seqno: m.committed, node: m.node };
  for (const [node, seqno] of Object.entries(m.seen)) if (seqno > top.seqno) top = { seqno, node };
  return top;
}

export function markFacts(m: Mark): MarkFacts {
  const top = markTop(m);
  return {
    uuid: m.uuid,
    seqno: top.seqno,
    node: top.node,
    tolerance: m.tolerance,
    rule: lossWindow(m.durability).rule,
  };
}

export type MarkChange =
  | { kind: 'same' }
  | { kind: 'advanced'; mark: Mark }
  /** A new history (another state UUID), or a history rewound below the mark: said in the log. */
  | { kind: 'reset'; mark: Mark; why: string };

/**
 * This node's own commit, seen while its server is Synced in a Primary component. The mark never
 * goes down, with two exceptions the log names: another state UUID (this node now holds another
 * history), and its own live position below its mark while Synced in a Primary component (the
 * cluster was bootstrapped below the mark, by --force or by hand, and this node joined it: the
 * transactions above are gone from the history it is part of).
 */
export function observeCommit(
  m: Mark | null,
  o: { uuid: string; seqno: bigint; node: string; at: number; durability: Durability | null; tolerance: bigint },
): MarkChange {
  const fresh: Mark = {
    uuid: o.uuid,
    node: o.node,
    committed: o.seqno,
    seen: {},
    lastBootstrap: m?.uuid === o.uuid ? m.lastBootstrap : null,
    durability: o.durability,
    tolerance: o.tolerance,
    at: o.at,
  };
  if (!m) return { kind: 'advanced', mark: fresh };
  if (m.uuid !== o.uuid)
    return {
      kind: 'reset',
      mark: fresh,
      why: `this node now holds state ${o.uuid}: the mark of ${m.uuid} (seqno ${markTop(m).seqno}) no longer applies`,
    };
  if (o.seqno < m.committed) {
    const n = m.committed - o.seqno;
    return {
      kind: 'reset',
      mark: fresh,
      why: `this node is Synced in a Primary component at seqno ${o.seqno}, below its mark ${m.committed}: the cluster was bootstrapped below the mark, and the ${n} transaction${n === 1n ? '' : 's'} above it are no longer in its history`,
    };
  }
  const same =
    o.seqno === m.committed &&
    o.tolerance <= m.tolerance &&
    o.node === m.node &&
    JSON.stringify(durabilityJson(o.durability)) === JSON.stringify(durabilityJson(m.durability));
  if (same) return { kind: 'same' };
  // The tolerance belongs to the newest commits: it may shrink once the burst that set it is old.
  return {
    kind: 'advanced',
    mark: { ...m, node: o.node, committed: o.seqno, durability: o.durability, tolerance: o.tolerance, at: o.at },
  };
}

/** A member seen reporting a live seqno while Primary, in this mark's history. */
export function observeSeen(m: Mark | null, o: { uuid: string; node: string; seqno: bigint; at: number }): MarkChange {
  if (!m || m.uuid !== o.uuid || o.node === m.node) return { kind: 'same' };
  if ((m.seen[o.node] ?? -1n) >= o.seqno) return { kind: 'same' };
  return { kind: 'advanced', mark: { ...m, seen: { ...m.seen, [o.node]: o.seqno }, at: o.at } };
}

/** This node's server bootstrapped a cluster at this position. */
export function observeBootstrap(m: Mark | null, o: { uuid: string; seqno: bigint; at: number }): MarkChange {
  if (!m || m.uuid !== o.uuid) return { kind: 'same' };
  const b = m.lastBootstrap;
  if (b && b.uuid === o.uuid && b.seqno === o.seqno) return { kind: 'same' };
  return { kind: 'advanced', mark: { ...m, lastBootstrap: { uuid: o.uuid, seqno: o.seqno, at: o.at } } };
}

/**
 * Whether this node's own position (from its datadir: grastate.dat or a recovery) is below its own
 * mark by more than the tolerance: its datadir was restored from an older copy or replaced. null
 * when it cannot tell (no mark, another history, no position).
 */
export function datadirBelowMark(
  m: Mark | null,
  position: { uuid: string | null; seqno: bigint; known: boolean },
): { lost: bigint; text: string } | null {
  if (!m || !position.known || m.committed < 0n) return null;
  const same = position.uuid === m.uuid;
  const empty = position.uuid === null || position.seqno < 0n;
  if (!same && !empty) return null;
  const seqno = same ? position.seqno : -1n;
  if (seqno >= m.committed - m.tolerance) return null;
  const lost = m.committed - seqno;
  return {
    lost,
    text: `restored or replaced datadir: its position ${empty ? '(none)' : seqno} is ${lost} transaction${lost === 1n ? '' : 's'} below this node's mark ${m.committed} (tolerance ${m.tolerance})`,
  };
}

const durabilityJson = (d: Durability | null): Record<string, unknown> | null =>
  d && {
    innodb_flush_log_at_trx_commit: d.flushLogAtTrxCommit,
    innodb_flush_log_at_timeout: d.flushLogAtTimeout,
    log_bin: d.logBin,
    sync_binlog: d.syncBinlog,
  };

/** The file's text: JSON, seqnos as decimal strings (64-bit), one key per fact. */
export function serializeMark(m: Mark): string {
  return `${JSON.stringify(
    {
      version: 1,
      uuid: m.uuid,
      node: m.node,
      committed: m.committed.toString(),
      seen: Object.fromEntries(Object.entries(m.seen).map(([k, v]) => [k, v.toString()])),
      lastBootstrap: m.lastBootstrap && {
        uuid: m.lastBootstrap.uuid,
        seqno: m.lastBootstrap.seqno.toString(),
        at: new Date(m.lastBootstrap.at).toISOString(),
      },
      durability: durabilityJson(m.durability),
      tolerance: m.tolerance.toString(),
      at: new Date(m.at).toISOString(),
    },
    null,
    2,
  )}\n`;
}

/** Parses the file's text; a string says what is wrong (the file is then "no mark"). */
export function parseMark(text: string): Mark | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'not a JSON object';
  const o = doc as Record<string, unknown>;
  if (o.version !== 1) return `version ${JSON.stringify(o.version)} is not 1`;
  const uuid = typeof o.uuid === 'string' ? parseUuid(o.uuid) : null;
  if (!uuid) return 'uuid is not a state UUID';
  if (typeof o.node !== 'string' || !o.node) return 'node is not a name';
  const seqnoOf = (v: unknown, what: string): bigint | string => {
    const s = typeof v === 'string' ? parseSeqno(v) : null;
    return s === null || s < -1n ? `${what} is not a seqno` : s;
  };
  const committed = seqnoOf(o.committed, 'committed');
  if (typeof committed === 'string') return committed;
  const tolerance = seqnoOf(o.tolerance, 'tolerance');
  if (typeof tolerance === 'string') return tolerance;
  if (tolerance < 0n) return 'tolerance is negative';
  if (!o.seen || typeof o.seen !== 'object' || Array.isArray(o.seen)) return 'seen is not a mapping';
  const seen: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(o.seen as Record<string, unknown>)) {
    const s = seqnoOf(v, `seen.${k}`);
    if (typeof s === 'string') return s;
    seen[k] = s;
  }
  const time = (v: unknown, what: string): number | string => {
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isFinite(t) ? t : `${what} is not a time`;
  };
  const at = time(o.at, 'at');
  if (typeof at === 'string') return at;
  let lastBootstrap: Mark['lastBootstrap'] = null;
  if (o.lastBootstrap !== null && o.lastBootstrap !== undefined) {
    const b = o.lastBootstrap as Record<string, unknown>;
    const bu = typeof b.uuid === 'string' ? parseUuid(b.uuid) : null;
    const bs = seqnoOf(b.seqno, 'lastBootstrap.seqno');
    const bt = time(b.at, 'lastBootstrap.at');
    if (!bu) return 'lastBootstrap.uuid is not a state UUID';
    if (typeof bs === 'string') return bs;
    if (typeof bt === 'string') return bt;
    lastBootstrap = { uuid: bu, seqno: bs, at: bt };
  }
  let durability: Durability | null = null;
  if (o.durability !== null && o.durability !== undefined) {
    const d = o.durability as Record<string, unknown>;
    const num = (v: unknown): number | null => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : null);
    durability = {
      flushLogAtTrxCommit: num(d.innodb_flush_log_at_trx_commit),
      flushLogAtTimeout: num(d.innodb_flush_log_at_timeout),
      logBin: typeof d.log_bin === 'boolean' ? d.log_bin : null,
      syncBinlog: num(d.sync_binlog),
    };
  }
  return { uuid, node: o.node, committed, seen, lastBootstrap, durability, tolerance, at };
}

/** The server's variables as SHOW GLOBAL VARIABLES gives them, read into durability settings. */
export function durabilityOf(vars: Record<string, string | undefined>): Durability | null {
  const int = (v: string | undefined): number | null => (v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : null);
  const flush = int(vars.innodb_flush_log_at_trx_commit);
  if (flush === null) return null;
  const lb = vars.log_bin;
  return {
    flushLogAtTrxCommit: flush,
    flushLogAtTimeout: int(vars.innodb_flush_log_at_timeout),
    logBin: lb === 'ON' ? true : lb === 'OFF' ? false : null,
    syncBinlog: int(vars.sync_binlog),
  };
}

/** What the agent publishes about its mark (galeraMark), and galera-check prints. */
export interface MarkView {
  state: 'none' | 'valid' | 'damaged';
  mark: Mark | null;
  /** The datadir is below this node's own mark by more than the tolerance. */
  datadirBelow: boolean;
  /** Why the datadir is below the mark, or why the file is damaged (or cannot be written). */
  reason: string;
}

/**
 * The mark as published for a node in this state. The datadir is judged only with the server
 * stopped, from grastate.dat or a recovery: a running server's position is the cluster's.
 */
export function markView(
  state: MarkView['state'],
  mark: Mark | null,
  error: string,
  s: { seqno: bigint; uuid: string | null; seqnoSource: string; serverPid: number },
): MarkView {
  const known = s.serverPid === 0 && (s.seqnoSource === 'grastate' || s.seqnoSource === 'recovered');
  const below = state === 'valid' ? datadirBelowMark(mark, { uuid: s.uuid, seqno: s.seqno, known }) : null;
  return {
    state,
    mark: state === 'valid' ? mark : null,
    datadirBelow: below !== null,
    reason: below?.text ?? (state === 'damaged' ? error : error || ''),
  };
}

/** The mark for `galera-check --json` and the logs: seqnos as strings. */
export function markToJson(v: MarkView): Record<string, unknown> {
  const m = v.mark;
  const top = m ? markTop(m) : null;
  return {
    state: v.state,
    datadirBelow: v.datadirBelow,
    reason: v.reason,
    ...(m && top
      ? {
          uuid: m.uuid,
          committed: m.committed.toString(),
          top: top.seqno.toString(),
          topNode: top.node,
          seen: Object.fromEntries(Object.entries(m.seen).map(([k, x]) => [k, x.toString()])),
          tolerance: m.tolerance.toString(),
          rule: lossWindow(m.durability).rule,
          lastBootstrap: m.lastBootstrap && {
            uuid: m.lastBootstrap.uuid,
            seqno: m.lastBootstrap.seqno.toString(),
            at: new Date(m.lastBootstrap.at).toISOString(),
          },
        }
      : {}),
  };
}
