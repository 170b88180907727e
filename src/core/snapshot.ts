// NodeSnapshot: every fact the outputs need, in one timestamped object built by a pure function.
// The SNMP view, galera-check and the notifications all read this and nothing else.

import type { MarkView } from './mark';
import type { Grastate } from './grastate';
import type { Gvwstate, SavedView } from './gvwstate';
import type { InitState, InitView, Maintenance } from './initstate';
import type { ProcessFacts } from './procclass';
import { RECOVERY_TIMED_OUT, RecoveredPosition } from './recoverlog';
import { SeqnoSource, grastateDamaged, seqnoOf } from './seqno';
import { LockState, NodeStatus, statusOf } from './status';
import { ClusterStatus, MemberInfo, WsrepStatus, parseWsrepStatus } from './wsrep-status';
import type { Window } from './window';
import type { KindedError } from '../errors';
import { UNKNOWN_USER_DATA, UserData } from './userdata';
import { DiskFacts, DiskView, UNKNOWN_DISK, diskView } from './disk';

export interface WindowEstimate {
  rateShort: number | null;
  rateLong: number | null;
  short: Window;
  long: Window;
  desiredSeconds: number;
  low: boolean;
}

export type SourceState = 'ok' | 'failing' | 'idle';

/** One galeraSourceTable row. The rows come in the sources' list order (src/sources/index.ts). */
export interface SourceHealth {
  name: string;
  state: SourceState;
  /**
   * When the source last confirmed its facts (ms since epoch); 0 never. Never the time of a read
   * that failed to learn anything (a hang, a timeout, a refused login); a server that refuses
   * connections while it starts or stops is a confirmed fact.
   */
  lastOkAt: number;
  error: string;
  /** A live watch confirms its facts as they change: its age is 0 while the watch lasts. */
  live?: boolean;
  /** How long its last read took (ms). */
  readMs?: number;
}

/** What the recovery source knows: a position recovered for the data now on disk, if any. */
export interface RecoveryFacts {
  /** Recovered (by this agent, or galera-init/galera-check) for the data as it is now; null none. */
  position: RecoveredPosition | null;
  /** The datadir holds InnoDB data: a node with data is never a fresh node. */
  hasData: boolean;
  running: boolean;
  /** Why the last run for this data failed; '' when it did not. */
  error: string;
  /** Prepared transactions a crash left that stopped the last run for this data (0 or absent: none). */
  prepared?: number;
  /** How long the source's own last run took (ms), whatever its outcome; absent: none ran. */
  ms?: number;
}

/** galeraRecoveryOutcome: how the last recovery for the data now on disk ended. */
export type RecoveryOutcome = 'none' | 'running' | 'found' | 'prepared' | 'timedOut' | 'failed';

/** The recovery as the MIB publishes it (galeraRecoveryGroup). */
export interface RecoveryView {
  outcome: RecoveryOutcome;
  prepared: number;
  ms: number;
}

export function recoveryView(r: RecoveryFacts): RecoveryView {
  const prepared = r.prepared ?? 0;
  const outcome: RecoveryOutcome = r.running
    ? 'running'
    : r.position
      ? 'found'
      : prepared > 0
        ? 'prepared'
        : r.error.startsWith(RECOVERY_TIMED_OUT)
          ? 'timedOut'
          : r.error
            ? 'failed'
            : 'none';
  return { outcome, prepared, ms: r.ms ?? 0 };
}

/** A state file's facts (grastate.dat, gvwstate.dat). */
export interface FileFacts<T> {
  /** null when the file is absent or unreadable. */
  value: T | null;
  /** Identifies this version of the file: a recovery result is valid for one version only. */
  version: string;
  error: string | null;
}

/** Every source's latest facts, by source name: the only input of assembleSnapshot. */
export interface SourceFacts {
  processes: ProcessFacts;
  lock: LockState;
  grastate: FileFacts<Grastate>;
  mysql: MysqlFacts;
  recovery: RecoveryFacts;
  gvwstate: FileFacts<Gvwstate>;
  /** Absent where no such source runs (a test's hand-made facts): unknown. */
  userdata?: UserData;
  /** galera-init's state file (core/initstate.ts). */
  init: FileFacts<{ state: InitState | null; problems: string[] }>;
  /** The maintenance file: present means on. */
  maintenance: FileFacts<{ maintenance: Maintenance; problems: string[] }>;
  /** The datadir's filesystem; absent where no such source runs: unknown. */
  disk?: DiskFacts;
}

/**
 * The mysql source's facts (sources/mysql.ts): the raw SHOW STATUS text, parsed once, by
 * parseWsrepStatus in assembleSnapshot.
 */
export interface MysqlFacts {
  /** The last query succeeded. */
  reachable: boolean;
  /** The server answered a connection (a failed login still proves it accepts connections). */
  accepting: boolean;
  /**
   * The last failure was the server closing its doors (connection reset or refused, socket gone,
   * "shutdown in progress"): what a server that is stopping or starting does, unlike one that
   * hangs, is full, or refuses our login.
   */
  closed: boolean;
  /** The last successful status, by lower-case variable name; null before the first success. */
  status: Record<string, string> | null;
  /** When `status` was read (ms since epoch), 0 never. */
  at: number;
  /** The last failure, by kind (decisions read the kind, never the text); null after a success. */
  error: KindedError | null;
  /**
   * wsrep_provider_options, wsrep_node_name, wsrep_cluster_address: read at connect and every
   * ~minute; read_only, wsrep_reject_queries, wsrep_sst_donor_rejects_queries: at every poll.
   */
  variables: Record<string, string> | null;
  /** mysql.wsrep_cluster_members, read when the membership changes; null when not readable. */
  members: MemberInfo[] | null;
}

/** What the agent itself is, for the snapshot: not a source's fact. */
export interface NodeIdentity {
  nodeName: string;
  /** galeraAgentDetectMs. */
  detectMs: number;
  /** galeraAgentInstance ('' for galera-check, which is no agent). */
  instance: string;
  /** MySQL polling is on (mysql.enabled). */
  mysqlPolled: boolean;
  /** What the node is (the agent's role): a data node, or an arbitrator (garbd). Absent: data. */
  role?: NodeRole;
  /** disk.lowFreePercent; absent: 0 (never low). */
  lowFreePercent?: number;
}

/** galeraRole: a data node runs the server; an arbitrator runs garbd and holds no data. */
export type NodeRole = 'data' | 'arbitrator';

export interface WsrepInput {
  reachable: boolean;
  accepting: boolean;
  lastCommitted: bigint | null;
  uuid: string | null;
  localState: number | null;
  clusterStatus: ClusterStatus;
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
  /** The datadir's user schemas (src/sources/userdata.ts); absent: not read. */
  userData?: UserData;
  /** galera-init's last round, from its state file; null when there is none. */
  initState?: InitState | null;
  /** Maintenance mode; null when off. */
  maintenance?: Maintenance | null;
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
  /** The parsed wsrep status: set by assembleSnapshot (the agent and the one-shot tools alike). */
  wsrep?: WsrepStatus;
  /** The replication window: only the daemon keeps the write-rate history it needs. */
  window?: WindowEstimate;
  /** User schemas that hold tables: held null when the datadir could not be read (absent: unknown). */
  userData?: UserData;
  /** The high-water mark (galeraMark), as the agent keeps it or galera-check reads it. */
  mark?: MarkView;
  /** galera-init's current or last round (galeraInit); null when none was written. */
  init?: InitView | null;
  /** Maintenance mode; null when off. */
  maintenance?: Maintenance | null;
  /** galeraRole; absent: data. */
  role?: NodeRole;
  /** The last recovery run's outcome (galeraRecoveryGroup); absent: none known. */
  recovery?: RecoveryView;
  /** The datadir's filesystem (galeraDiskGroup); absent: unknown. */
  disk?: DiskView;
}

/** A snapshot assembled from the sources (assembleSnapshot): its parsed wsrep status is always there. */
export type AssembledSnapshot = NodeSnapshot & { wsrep: WsrepStatus };

export function buildSnapshot(i: SnapshotInput): NodeSnapshot {
  const w = i.wsrep;
  const wasReady =
    !!i.readyBootstrapPid && i.processes.servers.some((p) => p.bootstrap && p.pid === i.readyBootstrapPid);
  // With MySQL polling off nothing will ever show the start is over: a bootstrap server is taken as
  // running at once rather than "bootstrapping" for its whole life (peers would wait on it for ever).
  const accepting = i.mysqlPolled === false ? true : w.accepting;
  const readiness = {
    accepting,
    clusterStatus: w.reachable ? w.clusterStatus : 'unknown',
    localState: w.reachable ? w.localState : null,
    wasReady,
  };
  const { status, reason } = statusOf({ processes: i.processes, lock: i.lock, readiness });
  const serverRunning = i.processes.servers.length > 0;
  const live = serverRunning && w.lastCommitted !== null ? { seqno: w.lastCommitted, uuid: w.uuid } : null;
  const seq = seqnoOf({
    serverRunning,
    live,
    grastate: i.grastate,
    recovered: i.recovered,
    grastateDamaged: i.grastateDamaged,
    hasData: i.hasData,
  });
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
    userData: i.userData ?? UNKNOWN_USER_DATA,
    // The run that wrote the state runs while its PID is among the initiators (as galeraStatus's initiating).
    init: i.initState ? { ...i.initState, running: i.processes.initiators.includes(i.initState.pid) } : null,
    maintenance: i.maintenance ?? null,
  };
}

/**
 * The snapshot from every source's facts and health rows: the one path shared by the agent and
 * galera-check. SHOW STATUS is parsed once (parseWsrepStatus); readiness and the live seqno read that parse.
 * readyBootstrapPid is the agent's memory of a bootstrap server seen ready (0 in one-shot tools).
 */
export function assembleSnapshot(
  facts: SourceFacts,
  sources: SourceHealth[],
  now: number,
  node: NodeIdentity,
  readyBootstrapPid = 0,
): AssembledSnapshot {
  const m = facts.mysql;
  const wsrep = parseWsrepStatus(m.status, m.variables, m.members, m.reachable, m.at);
  const snap = buildSnapshot({
    at: now,
    nodeName: node.nodeName,
    processes: facts.processes,
    lock: facts.lock,
    grastate: facts.grastate.value,
    gvwstate: facts.gvwstate.value,
    wsrep: wsrepInput(wsrep, m.accepting),
    recovered: facts.recovery.position,
    grastateDamaged: grastateDamaged(facts.grastate),
    hasData: facts.recovery.hasData,
    sources,
    readyBootstrapPid,
    detectMs: node.detectMs,
    instance: node.instance,
    mysqlPolled: node.mysqlPolled,
    userData: facts.userdata,
    initState: facts.init.value?.state ?? null,
    maintenance: facts.maintenance.value?.maintenance ?? null,
  });
  return {
    ...snap,
    ...(node.role === 'arbitrator' ? { role: node.role } : {}),
    wsrep,
    recovery: recoveryView(facts.recovery),
    disk: diskView(facts.disk ?? UNKNOWN_DISK, node.lowFreePercent ?? 0),
  };
}

/** The readiness facts of the parsed status. */
export function wsrepInput(h: WsrepStatus, accepting: boolean): WsrepInput {
  return {
    reachable: h.reachable,
    accepting,
    lastCommitted: h.lastCommitted,
    uuid: h.localUuid,
    localState: h.localState,
    clusterStatus: h.clusterStatus,
    ready: h.ready,
  };
}

/**
 * How old a source's facts are (ms): 0 under a live watch, else the time since its last successful
 * read (the backstop or its own poll confirms them every period); null when it never succeeded.
 */
export function sourceAge(src: SourceHealth, now: number): number | null {
  if (src.live) return 0;
  return src.lastOkAt ? Math.max(0, now - src.lastOkAt) : null;
}

/** The age of the oldest fact in use (ms), for galeraAgentDataAge. Idle sources do not count. */
export function dataAge(s: NodeSnapshot, now: number): number {
  let age = 0;
  for (const src of s.sources) {
    if (src.state === 'idle') continue;
    age = Math.max(age, sourceAge(src, now) ?? now);
  }
  return age;
}

/** The snapshot as JSON-friendly data (every bigint as a decimal string), for galera-check --json. */
export function snapshotToJson(s: NodeSnapshot): Record<string, unknown> {
  return JSON.parse(JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<
    string,
    unknown
  >;
}
