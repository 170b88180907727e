// NodeSnapshot: every fact the outputs need, in one timestamped object built by a pure function.
// The SNMP view, galera-check and the notifications all read this and nothing else.

import type { Grastate } from './grastate';
import type { Gvwstate, SavedView } from './gvwstate';
import type { ProcessFacts } from './procclass';
import type { RecoveredPosition } from './recoverlog';
import { SeqnoSource, seqnoOf } from './seqno';
import { LockState, NodeStatus, statusOf } from './status';
import type { WsrepHealth } from './health';
import type { Window } from './window';

export interface WindowEstimate {
  rateShort: number | null;
  rateLong: number | null;
  short: Window;
  long: Window;
  desiredSeconds: number;
  low: boolean;
}

export type SourceName = 'processes' | 'lock' | 'grastate' | 'mysql' | 'recovery' | 'gvwstate';
/** In galeraSourceTable's index order: new sources go at the end so indexes stay put. */
export const SOURCE_NAMES: readonly SourceName[] = ['processes', 'lock', 'grastate', 'mysql', 'recovery', 'gvwstate'];

export interface SourceHealth {
  name: SourceName;
  state: 'ok' | 'failing' | 'idle';
  /** When the source last delivered a fact (ms since epoch); 0 never. */
  lastOkAt: number;
  error: string;
}

export interface WsrepInput {
  reachable: boolean;
  accepting: boolean;
  lastCommitted: bigint | null;
  uuid: string | null;
  localState: number | null;
  clusterStatus: string | null;
  ready: boolean | null;
}

export interface SnapshotInput {
  at: number;
  nodeName: string;
  processes: ProcessFacts;
  lock: LockState;
  grastate: Grastate | null;
  gvwstate: Gvwstate | null;
  wsrep: WsrepInput;
  recovered: RecoveredPosition | null;
  /** grastate.dat is there but unusable (see grastateDamaged in seqno.ts). */
  grastateDamaged?: boolean;
  /** The datadir holds InnoDB data. */
  hasData?: boolean;
  sources: SourceHealth[];
  /** The PID of a bootstrap server already seen ready (the daemon remembers it; 0: none). */
  readyBootstrapPid?: number;
  /** The agent's published detection latency (galeraAgentDetectMs). */
  detectMs?: number;
  /** The agent's random identifier, drawn at its start (galeraAgentInstance). */
  instance?: string;
  /** MySQL polling is on (mysql.enabled); off, the agent cannot see readiness at all. */
  mysqlPolled?: boolean;
}

export interface NodeSnapshot {
  at: number;
  nodeName: string;
  status: NodeStatus;
  reason: string;
  seqno: bigint;
  seqnoSource: SeqnoSource;
  uuid: string | null;
  safeToBootstrap: boolean | null;
  /** The last primary component saved in gvwstate.dat; null without a (valid) file. */
  savedView: SavedView | null;
  serverPid: number;
  lockPid: number;
  /** How long the agent may take to show a change of the process table or the lock (ms). */
  detectMs: number;
  instance: string;
  sources: SourceHealth[];
  /** Present in the daemon; galera-check leaves them out. */
  wsrep?: WsrepHealth;
  window?: WindowEstimate;
}

export function buildSnapshot(i: SnapshotInput): NodeSnapshot {
  const w = i.wsrep;
  const wasReady = !!i.readyBootstrapPid && i.processes.servers.some((p) => p.bootstrap && p.pid === i.readyBootstrapPid);
  // With MySQL polling off nothing will ever show the start is over: a bootstrap server is taken as
  // running at once rather than "bootstrapping" for its whole life (peers would wait on it for ever).
  const accepting = i.mysqlPolled === false ? true : w.accepting;
  const readiness = { accepting, clusterStatus: w.reachable ? w.clusterStatus : null, localState: w.reachable ? w.localState : null, wasReady };
  const { status, reason } = statusOf({ processes: i.processes, lock: i.lock, readiness });
  const serverRunning = i.processes.servers.length > 0;
  const live = serverRunning && w.lastCommitted !== null ? { seqno: w.lastCommitted, uuid: w.uuid } : null;
  const seq = seqnoOf({ serverRunning, live, grastate: i.grastate, recovered: i.recovered, grastateDamaged: i.grastateDamaged, hasData: i.hasData });
  return {
    at: i.at,
    nodeName: i.nodeName,
    status,
    reason,
    seqno: seq.seqno,
    seqnoSource: seq.source,
    uuid: seq.uuid,
    safeToBootstrap: i.grastate?.safeToBootstrap ?? null,
    savedView: i.gvwstate?.view ?? null,
    serverPid: i.processes.servers[0]?.pid ?? 0,
    lockPid: i.lock.state === 'held' ? i.lock.pid : 0,
    detectMs: i.detectMs ?? 0,
    instance: i.instance ?? '',
    sources: i.sources,
  };
}

/** The age of the oldest fact in use (ms), for galeraAgentDataAge. Idle sources do not count. */
export function dataAge(s: NodeSnapshot, now: number): number {
  let oldest = now;
  for (const src of s.sources) {
    if (src.state === 'idle') continue;
    oldest = Math.min(oldest, src.lastOkAt || 0);
  }
  return Math.max(0, now - oldest);
}

/** The snapshot as JSON-friendly data (every bigint as a decimal string), for galera-check --json. */
export function snapshotToJson(s: NodeSnapshot): Record<string, unknown> {
  return JSON.parse(JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}
