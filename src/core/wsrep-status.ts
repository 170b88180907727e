// The server's SHOW STATUS LIKE 'wsrep_%' text, parsed once into typed values (the core never sees
// raw strings). Anything malformed becomes null ("unknown"), never an exception.

import { parseSeqno, parseUuid } from './gtid';
import { gcacheSizeOf } from './window';

/**
 * wsrep_local_state: Galera's numbers for where a node is in the cluster (wsrep_local_state_comment
 * says the same in words). 2 is also Desynced, a node paused on purpose.
 */
export const LOCAL_STATE = { joining: 1, donor: 2, joined: 3, synced: 4 } as const;

/** wsrep_cluster_status as Galera spells it, by the name the agent (and GALERA-MIB's enum) uses. */
export const CLUSTER_STATUS_TEXT = {
  primary: 'Primary',
  nonPrimary: 'non-Primary',
  disconnected: 'Disconnected',
} as const;

/**
 * The statement that makes a non-Primary server bootstrap a Primary component. MariaDB 11 can load
 * the wsrep provider as a plugin (Debian 13's 11.8 does): each provider option is then a variable
 * of its own and wsrep_provider_options is read-only ("cannot be changed while the wsrep-provider
 * plugin is loaded", ER_WRONG_ARGUMENTS). Chosen from what the server offers, never its version.
 */
export const PC_BOOTSTRAP_OPTIONS = "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'";
export const PC_BOOTSTRAP_VARIABLE = 'SET GLOBAL wsrep_provider_pc_bootstrap=ON';
export const PC_BOOTSTRAP_STATEMENTS: readonly string[] = [PC_BOOTSTRAP_OPTIONS, PC_BOOTSTRAP_VARIABLE];

/** What this server offers (its variables as read), or '' when they were not read. */
export function pcBootstrapStatementOf(variables: Record<string, string> | null): string {
  if (!variables) return '';
  return Object.hasOwn(variables, 'wsrep_provider_pc_bootstrap') ? PC_BOOTSTRAP_VARIABLE : PC_BOOTSTRAP_OPTIONS;
}

/** wsrep_evs_state: the group communication protocol's states (galera gcomm evs::Proto). */
export const EVS_STATES = ['operational', 'gather', 'install', 'joining', 'leaving', 'closed'] as const;
export type EvsState = (typeof EVS_STATES)[number];

export type ClusterStatus = keyof typeof CLUSTER_STATUS_TEXT | 'unknown';
export const CLUSTER_STATUSES: readonly ClusterStatus[] = ['primary', 'nonPrimary', 'disconnected', 'unknown'];

export interface MemberInfo {
  name: string;
  address: string;
  uuid: string | null;
}

export interface WsrepStatus {
  reachable: boolean;
  /** When the values were read (ms since epoch); 0 never. */
  at: number;
  clusterStatus: ClusterStatus;
  clusterSize: number | null;
  confId: bigint | null;
  clusterUuid: string | null;
  /** wsrep_local_state_uuid: the state this node holds (the live seqno's UUID). */
  localUuid: string | null;
  localState: number | null;
  localStateComment: string;
  ready: boolean | null;
  connected: boolean | null;
  localIndex: number | null;
  nodeName: string;
  incomingAddresses: string;
  lastCommitted: bigint | null;
  fcPaused: number | null;
  fcSent: bigint | null;
  fcRecv: bigint | null;
  recvQueue: number | null;
  recvQueueAvg: number | null;
  sendQueue: number | null;
  sendQueueAvg: number | null;
  certDepsDistance: number | null;
  receivedBytes: bigint | null;
  replicatedBytes: bigint | null;
  gcacheBytes: number | null;
  desyncCount: number | null;
  members: MemberInfo[];
  /** wsrep_local_cert_failures, wsrep_local_bf_aborts: local transactions lost to write conflicts. */
  certFailures: bigint | null;
  bfAborts: bigint | null;
  /** wsrep_evs_state, by GALERA-MIB's name (operational, gather, ...); null when not reported. */
  evsState: EvsState | null;
  /** wsrep_evs_delayed and wsrep_evs_evict_list as the server gives them (comma-separated). */
  evsDelayed: string;
  evsEvictList: string;
  /** The pc.bootstrap statement this server takes (PC_BOOTSTRAP_*); '' when its variables are unread. */
  pcBootstrap: string;
  /** read_only: any value but OFF (ON, and MariaDB 12's NO_LOCK variants) refuses clients' writes. */
  readOnly: boolean | null;
  /** wsrep_reject_queries: NONE, ALL or ALL_KILL (ALL* refuse every client query but SHOW and SET). */
  rejectQueries: string | null;
  /** wsrep_sst_donor_rejects_queries: a Donor refuses client queries. */
  donorRejectsQueries: boolean | null;
}

const uint = (v: string | undefined): number | null =>
  v !== undefined && /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : null;
const int = (v: string | undefined): number | null =>
  v !== undefined && /^-?\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : null;
const u64 = (v: string | undefined): bigint | null => {
  if (v === undefined || !/^\d{1,20}$/.test(v.trim())) return null;
  const n = BigInt(v.trim());
  return n < 2n ** 64n ? n : null;
};
const float = (v: string | undefined): number | null => {
  if (v === undefined || !/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v.trim())) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};
const onOff = (v: string | undefined): boolean | null => (v === 'ON' ? true : v === 'OFF' ? false : null);

function evsStateOf(v: string | undefined): EvsState | null {
  const name = (v ?? '').trim().toLowerCase();
  return (EVS_STATES as readonly string[]).includes(name) ? (name as EvsState) : null;
}

/** How many entries a comma-separated status list holds (wsrep_evs_delayed, wsrep_evs_evict_list). */
export function listCount(list: string): number {
  return list.split(',').filter((e) => e.trim() !== '').length;
}

/** An enum variable's value (NONE, ALL_KILL), upper-cased; anything else is unknown. */
const enumWord = (v: string | undefined): string | null =>
  v !== undefined && /^[A-Z_]{1,16}$/i.test(v.trim()) ? v.trim().toUpperCase() : null;

export function clusterStatusOf(v: string | undefined): ClusterStatus {
  for (const [name, text] of Object.entries(CLUSTER_STATUS_TEXT)) if (v === text) return name as ClusterStatus;
  return 'unknown';
}

/**
 * "Synced in the Primary component": what galera-init waits for after it starts a server, and the
 * core of the health rule (core/health.ts). One definition, so they cannot drift apart.
 */
export function isSyncedPrimary(w: Pick<WsrepStatus, 'clusterStatus' | 'localState'>): boolean {
  return w.clusterStatus === 'primary' && w.localState === LOCAL_STATE.synced;
}

/** Members from mysql.wsrep_cluster_members when read, else one per wsrep_incoming_addresses entry. */
export function membersOf(table: MemberInfo[] | null, incoming: string): MemberInfo[] {
  if (table && table.length) return table;
  return incoming
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a && a !== 'AUTO')
    .map((address) => ({ name: '', address, uuid: null }));
}

export function parseWsrepStatus(
  status: Record<string, string> | null,
  variables: Record<string, string> | null,
  members: MemberInfo[] | null,
  reachable: boolean,
  at: number,
): WsrepStatus {
  // From the server: any key may be missing.
  const s: Record<string, string | undefined> = status ?? {};
  const v: Record<string, string | undefined> = variables ?? {};
  const ls = uint(s.wsrep_local_state);
  const conf = u64(s.wsrep_cluster_conf_id);
  const incoming = (s.wsrep_incoming_addresses ?? '').slice(0, 4096);
  return {
    reachable,
    at,
    clusterStatus: status ? clusterStatusOf(s.wsrep_cluster_status) : 'unknown',
    clusterSize: uint(s.wsrep_cluster_size),
    // 2^64-1 when non-Primary: it is -1 as Galera's signed conf id.
    confId: conf === null ? null : BigInt.asIntN(64, conf),
    clusterUuid: s.wsrep_cluster_state_uuid ? parseUuid(s.wsrep_cluster_state_uuid) : null,
    localUuid: s.wsrep_local_state_uuid ? parseUuid(s.wsrep_local_state_uuid) : null,
    localState: ls !== null && ls <= 5 ? ls : null,
    localStateComment: (s.wsrep_local_state_comment ?? '').slice(0, 255),
    ready: onOff(s.wsrep_ready),
    connected: onOff(s.wsrep_connected),
    localIndex: int(s.wsrep_local_index),
    nodeName: (v.wsrep_node_name ?? '').slice(0, 255),
    incomingAddresses: incoming,
    lastCommitted: s.wsrep_last_committed !== undefined ? parseSeqno(s.wsrep_last_committed) : null,
    fcPaused: float(s.wsrep_flow_control_paused),
    fcSent: u64(s.wsrep_flow_control_sent),
    fcRecv: u64(s.wsrep_flow_control_recv),
    recvQueue: uint(s.wsrep_local_recv_queue),
    recvQueueAvg: float(s.wsrep_local_recv_queue_avg),
    sendQueue: uint(s.wsrep_local_send_queue),
    sendQueueAvg: float(s.wsrep_local_send_queue_avg),
    certDepsDistance: float(s.wsrep_cert_deps_distance),
    receivedBytes: u64(s.wsrep_received_bytes),
    replicatedBytes: u64(s.wsrep_replicated_bytes),
    gcacheBytes: gcacheSizeOf(v.wsrep_provider_options),
    desyncCount: uint(s.wsrep_desync_count),
    members: status ? membersOf(members, incoming) : [],
    certFailures: u64(s.wsrep_local_cert_failures),
    bfAborts: u64(s.wsrep_local_bf_aborts),
    evsState: evsStateOf(s.wsrep_evs_state),
    evsDelayed: (s.wsrep_evs_delayed ?? '').trim().slice(0, 4096),
    evsEvictList: (s.wsrep_evs_evict_list ?? '').trim().slice(0, 4096),
    pcBootstrap: pcBootstrapStatementOf(variables),
    readOnly: v.read_only === undefined ? null : !/^(OFF|0)$/i.test(v.read_only.trim()),
    rejectQueries: enumWord(v.wsrep_reject_queries),
    donorRejectsQueries: onOff(v.wsrep_sst_donor_rejects_queries),
  };
}
