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

/** The operator's choices in the rule: the keepalived.*IsHealthy keys. */
export interface HealthPolicy {
  /** A Donor/Desynced node serves (clustercheck's available_when_donor). */
  donorIsHealthy: boolean;
  /** A read-only node serves (clustercheck's available_when_readonly, on by default there too). */
  readOnlyIsHealthy: boolean;
  /** A node with wsrep_reject_queries ALL or ALL_KILL serves (it answers every query with an error). */
  rejectQueriesIsHealthy: boolean;
  /** A Donor with wsrep_sst_donor_rejects_queries ON serves (when donorIsHealthy lets a Donor serve). */
  donorRejectsQueriesIsHealthy: boolean;
}

/** clustercheck's defaults (donors out, read-only nodes in); a node that refuses queries is out. */
export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  donorIsHealthy: false,
  readOnlyIsHealthy: true,
  rejectQueriesIsHealthy: false,
  donorRejectsQueriesIsHealthy: false,
};

/**
 * The one rule behind the keepalived track file, the HTTP endpoint and `galera-check
 * healthy`, as Percona's clustercheck defines a serving node: in the Primary component, Synced (or
 * Donor/Desynced when the donor may serve: clustercheck's available_when_donor), and ready; not
 * read-only when read-only nodes may not serve (available_when_readonly). Like MaxScale's
 * galeramon, a node that the server itself makes refuse client queries (wsrep_reject_queries, or
 * wsrep_sst_donor_rejects_queries on a Donor) is not serving, whatever its state says.
 */
export function healthVerdict(
  h: WsrepStatus,
  serverRunning: boolean,
  policy: HealthPolicy,
  maintenance: Maintenance | null = null,
): HealthVerdict {
  const no = (why: string): HealthVerdict => ({ healthy: false, reason: `Galera node ${why}.` });
  // Maintenance first: an operator took the node out of service, whatever its server does.
  if (maintenance) return no(`is in maintenance${maintenance.reason ? ` (${maintenance.reason})` : ''}`);
  if (!serverRunning) return no('is not running');
  if (!h.reachable) return no('is not readable (no MySQL connection)');
  // Galera took the node out after a write-set failed to apply here (a full disk, a table that
  // differs): the server stays up, Disconnected, and never rejoins by itself, and the automatic
  // recovery leaves an inconsistency to a person. The reason is where the NMS and HAProxy look.
  if (/^inconsistent$/i.test(h.localStateComment.trim()))
    return no(
      'is Inconsistent: Galera took it out after a write-set failed to apply here (a full disk? a table that differs? see the error log); fix the cause, then systemctl restart mariadb (it rejoins by a full state transfer)',
    );
  if (h.clusterStatus !== 'primary') return no(`is not in the Primary component (${h.clusterStatus})`);
  if (h.ready !== true) return no('is not ready (wsrep_ready OFF)');
  // ALL and ALL_KILL answer every client query (but SHOW and SET) with ER_UNKNOWN_COM_ERROR: an
  // operator's drain switch, to be obeyed before the state says anything.
  if (h.rejectQueries !== null && h.rejectQueries !== 'NONE' && !policy.rejectQueriesIsHealthy)
    return no(`rejects client queries (wsrep_reject_queries=${h.rejectQueries})`);
  let serving: HealthVerdict;
  if (isSyncedPrimary(h)) serving = { healthy: true, reason: 'Galera node is synced.' };
  else {
    const state = h.localStateComment || (h.localState === null ? 'unknown state' : `state ${h.localState}`);
    if (h.localState !== LOCAL_STATE.donor || !policy.donorIsHealthy) return no(`is not synced (${state})`);
    // Galera shows a desynced node as state 2 too: the server rejects only as an SST donor, but
    // the variable is the operator's word that a donor should not take clients.
    if (h.donorRejectsQueries === true && !policy.donorRejectsQueriesIsHealthy)
      return no(`is ${state} and rejects client queries (wsrep_sst_donor_rejects_queries=ON)`);
    serving = { healthy: true, reason: `Galera node is ${state}, serving (donorIsHealthy).` };
  }
  if (h.readOnly === true && !policy.readOnlyIsHealthy) return no('is read-only (read_only=ON, readOnlyIsHealthy off)');
  return serving;
}

export function isHealthy(
  h: WsrepStatus,
  serverRunning: boolean,
  policy: HealthPolicy,
  maintenance: Maintenance | null = null,
): boolean {
  return healthVerdict(h, serverRunning, policy, maintenance).healthy;
}
