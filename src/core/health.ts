// Whether the node should take client traffic: the one rule behind the keepalived track file,
// the HTTP health endpoint and `galera-check healthy`. ("Health" means this and nothing else, apart
// from a source's health(): its galeraSourceTable row.)

import { LOCAL_STATE, WsrepStatus, isSyncedPrimary } from './wsrep-status';
import type { Maintenance } from './initstate';

/** Whether the node should take client traffic, and why, in one line (HTTP body, galera-check healthy). */
export interface HealthVerdict {
  healthy: boolean;
  reason: string;
}

/**
 * The one rule behind the keepalived track file, the HTTP health endpoint and `galera-check
 * healthy`, as Percona's clustercheck defines a serving node: in the Primary component, Synced (or
 * Donor/Desynced when the donor may serve: clustercheck's available_when_donor), and ready.
 */
export function healthVerdict(
  h: WsrepStatus,
  serverRunning: boolean,
  donorIsHealthy: boolean,
  maintenance: Maintenance | null = null,
): HealthVerdict {
  const no = (why: string): HealthVerdict => ({ healthy: false, reason: `Galera node is ${why}.` });
  // Maintenance first: an operator took the node out of service, whatever its server does.
  if (maintenance) return no(`in maintenance${maintenance.reason ? ` (${maintenance.reason})` : ''}`);
  if (!serverRunning) return no('not running');
  if (!h.reachable) return no('not readable (no MySQL connection)');
  if (h.clusterStatus !== 'primary') return no(`not in the Primary component (${h.clusterStatus})`);
  if (h.ready !== true) return no('not ready (wsrep_ready OFF)');
  if (isSyncedPrimary(h)) return { healthy: true, reason: 'Galera node is synced.' };
  const state = h.localStateComment || (h.localState === null ? 'unknown state' : `state ${h.localState}`);
  if (h.localState === LOCAL_STATE.donor && donorIsHealthy)
    return { healthy: true, reason: `Galera node is ${state}, serving (donorIsHealthy).` };
  return no(`not synced (${state})`);
}

export function isHealthy(
  h: WsrepStatus,
  serverRunning: boolean,
  donorIsHealthy: boolean,
  maintenance: Maintenance | null = null,
): boolean {
  return healthVerdict(h, serverRunning, donorIsHealthy, maintenance).healthy;
}
