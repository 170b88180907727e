// galeraStatus by precedence: bootstrapping > running > initiating > locked > stopped.

import type { ProcessFacts } from './procclass';

export type NodeStatus = 'bootstrapping' | 'running' | 'initiating' | 'locked' | 'stopped';
export const NODE_STATUSES: readonly NodeStatus[] = ['bootstrapping', 'running', 'initiating', 'locked', 'stopped'];

/** The lock as the agent sees it: held only when its owner is alive. */
export type LockState =
  | { state: 'free' }
  | { state: 'held'; pid: number; purpose: string | null }
  | { state: 'stale'; pid: number }
  | { state: 'unreadable'; error: string };

/** Whether the server is ready to serve: what turns "bootstrapping" into "running". */
export interface Readiness {
  /** The server answered a connection (even one that failed to authenticate). */
  accepting: boolean;
  /** wsrep_local_state = 4 (Synced), wsrep_cluster_status = Primary and wsrep_ready = ON; null when unknown. */
  syncedPrimary: boolean | null;
  /**
   * This very server process has been ready before. Bootstrapping is a phase of a process's start,
   * not of its life: a bootstrapped server that later stops answering (shutting down, at
   * max_connections) is a running server with a MySQL problem, not a bootstrap again.
   */
  wasReady?: boolean;
}

export interface StatusInput { processes: ProcessFacts; lock: LockState; readiness: Readiness }
export interface StatusResult { status: NodeStatus; reason: string }

export function isReady(r: Readiness): boolean {
  // With credentials the agent knows wsrep state; without them a server that accepts connections
  // is the best readiness it can see (the original scripts knew less).
  return r.wasReady === true || (r.syncedPrimary ?? r.accepting);
}

export function statusOf(input: StatusInput): StatusResult {
  const { processes: p, lock, readiness } = input;
  const boot = p.servers.find((s) => s.bootstrap);
  if (boot && !isReady(readiness)) {
    const why = readiness.accepting ? 'not yet Synced in a Primary component' : 'not yet accepting connections';
    return { status: 'bootstrapping', reason: `server pid ${boot.pid} started to bootstrap a new cluster, ${why}` };
  }
  if (p.servers.length > 0) {
    return { status: 'running', reason: `server pid ${p.servers.map((s) => s.pid).join(',')} is running` };
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
  const note = lock.state === 'stale' ? `; stale lock of dead pid ${lock.pid} ignored` : lock.state === 'unreadable' ? `; lock file unreadable: ${lock.error}` : '';
  return { status: 'stopped', reason: `no server, initiator or lock${note}` };
}
