// galeraStatus by precedence: bootstrapping > running > initiating > locked > stopped.

import type { ProcessFacts } from './procclass';
import { CLUSTER_STATUS_TEXT, ClusterStatus, LOCAL_STATE } from './wsrep-status';

export type NodeStatus = 'bootstrapping' | 'running' | 'initiating' | 'locked' | 'stopped';
export const NODE_STATUSES: readonly NodeStatus[] = ['bootstrapping', 'running', 'initiating', 'locked', 'stopped'];

/** The lock as the agent sees it: held only when its owner is alive. */
export type LockState =
  | { state: 'free' }
  | { state: 'held'; pid: number; purpose: string | null }
  | { state: 'stale'; pid: number }
  | { state: 'unreadable'; error: string };

/**
 * What the server's own answers say about its start, all facts that survive an agent restart
 * (the agent reads them again from the running server), plus what this agent process saw.
 */
export interface Readiness {
  /** The server answered a connection (even one that failed to authenticate). */
  accepting: boolean;
  /** wsrep_cluster_status, parsed; 'unknown' when not read. */
  clusterStatus: ClusterStatus;
  /** wsrep_local_state (LOCAL_STATE: 4 Synced, 2 Donor/Desynced, ...); null when unknown. */
  localState: number | null;
  /**
   * This very server process was seen ready before by this agent. Bootstrapping is a phase of a
   * process's start, not of its life.
   */
  wasReady?: boolean;
}

export interface StatusInput {
  processes: ProcessFacts;
  lock: LockState;
  readiness: Readiness;
}
export interface StatusResult {
  status: NodeStatus;
  reason: string;
}

/**
 * Whether a server started to bootstrap is past its start. A bootstrap forms its Primary component
 * before the server accepts connections, so a server that answers and is non-Primary, Disconnected,
 * Synced or Donor has been Primary already: it is a running server (perhaps in trouble), not a
 * bootstrap in progress. Only Primary with Joining/Joined, or not answering yet, is still the start.
 * Without wsrep credentials, accepting connections is the best readiness the agent can see.
 */
export function isReady(r: Readiness): boolean {
  if (r.wasReady === true) return true;
  if (!r.accepting) return false;
  if (r.clusterStatus !== 'primary') return true;
  return r.localState === null || r.localState === LOCAL_STATE.synced || r.localState === LOCAL_STATE.donor;
}

export function statusOf(input: StatusInput): StatusResult {
  const { processes: p, lock, readiness } = input;
  const boot = p.servers.find((s) => s.bootstrap);
  if (boot && !isReady(readiness)) {
    const why = readiness.accepting ? 'Primary, not yet Synced' : 'not yet accepting connections';
    return { status: 'bootstrapping', reason: `server pid ${boot.pid} started to bootstrap a new cluster, ${why}` };
  }
  if (p.servers.length > 0) {
    const cs = readiness.clusterStatus;
    // In Galera's own words, as an operator reads them in SHOW STATUS.
    const left =
      boot && readiness.accepting && cs !== 'unknown' && cs !== 'primary'
        ? ` (started to bootstrap; ${CLUSTER_STATUS_TEXT[cs]} now)`
        : '';
    return { status: 'running', reason: `server pid ${p.servers.map((s) => s.pid).join(',')} is running${left}` };
  }
  const holder = lock.state === 'held' ? lock.pid : null;
  const waiting = p.initiators.filter((pid) => pid !== holder);
  if (waiting.length > 0) {
    return { status: 'initiating', reason: `galera-init pid ${waiting.join(',')} is running without the lock` };
  }
  if (lock.state === 'held') {
    return { status: 'locked', reason: `lock held by pid ${lock.pid}${lock.purpose ? ` (${lock.purpose})` : ''}` };
  }
  if (p.recoveries.length > 0) {
    return { status: 'locked', reason: `--wsrep-recover pid ${p.recoveries.join(',')} is looking up the seqno` };
  }
  const note =
    lock.state === 'stale'
      ? `; stale lock of dead pid ${lock.pid} ignored`
      : lock.state === 'unreadable'
        ? `; lock file unreadable: ${lock.error}`
        : '';
  return { status: 'stopped', reason: `no server, initiator or lock${note}` };
}
