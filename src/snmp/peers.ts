// The initiator's SNMP client: asks every peer's agent, in parallel, with timeout and retries, for
// what the decision needs, and validates every value (a peer may lie, be old, or be something else).
// An answer that is missing, of the wrong type or out of range makes the peer "unknown", never
// "stopped".

import * as snmp from 'net-snmp';
import type { Mib } from './mib';
import type { MemberFacts } from '../core/decide';
import { NODE_STATUSES, NodeStatus } from '../core/status';
import type { SeqnoSource } from '../core/seqno';
import { CLUSTER_STATUSES, ClusterStatus, PC_BOOTSTRAP_STATEMENTS } from '../core/wsrep-status';
import { parseSeqno, parseUuid } from '../core/gtid';
import type { ErrorKind } from '../errors';
import type { MemberView } from '../core/splitbrain';
import { parseSchemaList } from '../core/userdata';
import type { MarkFacts } from '../core/mark';
import { INIT_DECISIONS, InitDecision } from '../core/initstate';

export interface PeerTarget {
  /** As configured: host[:port]. Also the member's id in the decision. */
  id: string;
  host: string;
  port: number;
  version: '2c' | '3';
  community?: string;
  user?: string;
  authProtocol?: 'sha' | 'md5' | 'sha256';
  authKey?: string;
  privProtocol?: 'aes' | 'des';
  privKey?: string;
  timeoutMs: number;
  retries: number;
}

/** What the decision needs from every member; a member that cannot give all of it is unknown. */
const REQUIRED = ['galeraStatus', 'galeraSeqno', 'galeraStateUuid', 'galeraSafeToBootstrap', 'galeraNodeName'] as const;
/**
 * Asked in the same GET; an agent that predates them answers noSuchObject, and the member's facts
 * then say "unknown" for them (so it is not taken for Primary, nor for a node with readable state).
 */
const OPTIONAL = [
  'galeraSeqnoSource',
  'galeraClusterStatus',
  'galeraLockPid',
  'galeraServerPid',
  'galeraAgentDetectMs',
  'galeraAgentInstance',
  'galeraWsrepReachable',
  'galeraUserData',
  'galeraUserSchemas',
  // The high-water mark (galeraMark): the decision's guard against a datadir restored from an old copy.
  'galeraMarkState',
  'galeraMarkUuid',
  'galeraMarkTopSeqno',
  'galeraMarkTopNode',
  'galeraMarkTolerance',
  'galeraMarkRule',
  'galeraPcBootstrapStatement',
  'galeraMaintenance',
  'galeraMaintenanceReason',
  'galeraInitDecision',
  // An arbitrator (garbd) says so: galera-init does not wait for its seqno.
  'galeraRole',
  // Named in the other members' waits: prepared transactions stop this member's recovery.
  'galeraRecoveryPrepared',
] as const;
const OBJECTS = [...REQUIRED, ...OPTIONAL];

type RequiredName = (typeof REQUIRED)[number];

/**
 * Every REQUIRED varbind, present and not a varbind error; or why not, for the first one (in
 * REQUIRED's order) that is not.
 */
function requiredVarbinds(byName: ReadonlyMap<string, snmp.Varbind>): Record<RequiredName, snmp.Varbind> | string {
  for (const name of REQUIRED) {
    const vb = byName.get(name);
    if (!vb) return `no value for ${name}`;
    if (snmp.isVarbindError(vb)) return `${name}: ${snmp.varbindError(vb)} (is galera-agentx running there?)`;
  }
  const at = (name: RequiredName): snmp.Varbind => {
    const vb = byName.get(name);
    if (!vb) throw new Error(`${name} missing after its check`);
    return vb;
  };
  return {
    galeraStatus: at('galeraStatus'),
    galeraSeqno: at('galeraSeqno'),
    galeraStateUuid: at('galeraStateUuid'),
    galeraSafeToBootstrap: at('galeraSafeToBootstrap'),
    galeraNodeName: at('galeraNodeName'),
  };
}

/** What a member's agent said, beyond the decision's facts: galera-init checks its own agent with it. */
export interface AgentAnswer extends MemberFacts {
  serverPid?: number;
  detectMs?: number;
  /**
   * Why the agent gave no usable answer, for decisions (error holds the text for the operator):
   * timeout (nothing came back: agent or snmpd down, a firewall), refused (the host said no),
   * auth (community or SNMPv3 credentials do not match), other (a bad answer, a bad target).
   */
  errorKind?: ErrorKind;
  /** The member is in maintenance mode, for this reason ('' none given); undefined when it is not. */
  maintenance?: string;
  /** galeraInitDecision: its galera-init's current or last decision. */
  initDecision?: InitDecision;
}

const SEQNO_SOURCES: readonly SeqnoSource[] = ['live', 'grastate', 'recovered', 'unknown', 'unreadable'];

export function parseTarget(
  text: string,
  defaults: Omit<PeerTarget, 'id' | 'host' | 'port'> & { port: number },
): PeerTarget {
  const m = /^\[([^\]]+)\](?::(\d+))?$|^([^:]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`peer '${text}' is not host[:port]`);
  // Only one of the two alternatives matched: the other's groups are undefined.
  const groups: readonly (string | undefined)[] = m;
  const host = groups[1] ?? groups[3];
  if (host === undefined) throw new Error(`peer '${text}' is not host[:port]`);
  const port = Number(groups[2] ?? groups[4] ?? defaults.port);
  if (!(port > 0 && port < 65536)) throw new Error(`peer '${text}': port out of range`);
  return { ...defaults, id: text.trim(), host, port };
}

function session(t: PeerTarget): {
  get: (oids: string[], cb: (err: Error | null, vbs: { oid: string; type: number; value: unknown }[]) => void) => void;
  close: () => void;
} {
  const options = {
    port: t.port,
    timeout: t.timeoutMs,
    retries: t.retries,
    version: t.version === '3' ? snmp.Version3 : snmp.Version2c,
    idBitsSize: 32,
  };
  if (t.version === '3') {
    const user: Record<string, unknown> = { name: t.user, level: snmp.SecurityLevel.noAuthNoPriv };
    if (t.authKey) {
      user.level = t.privKey ? snmp.SecurityLevel.authPriv : snmp.SecurityLevel.authNoPriv;
      user.authProtocol = {
        sha: snmp.AuthProtocols.sha,
        md5: snmp.AuthProtocols.md5,
        sha256: snmp.AuthProtocols.sha256,
      }[t.authProtocol ?? 'sha'];
      user.authKey = t.authKey;
    }
    if (t.privKey) {
      user.privProtocol = { aes: snmp.PrivProtocols.aes, des: snmp.PrivProtocols.des }[t.privProtocol ?? 'aes'];
      user.privKey = t.privKey;
    }
    return snmp.createV3Session(t.host, user, options);
  }
  return snmp.createSession(t.host, t.community ?? 'public', options);
}

/** Validates one peer's varbinds into member facts, or an error naming what was wrong. */
export function factsFromVarbinds(
  mib: Mib,
  id: string,
  vbs: { oid: string; type: number; value: unknown }[],
): AgentAnswer {
  const bad = (why: string): AgentAnswer => ({
    id,
    self: false,
    answered: false,
    error: `bad answer: ${why}`,
    errorKind: 'other',
  });
  if (vbs.length !== OBJECTS.length && vbs.length !== REQUIRED.length)
    return bad(`${vbs.length} values for ${OBJECTS.length} objects`);
  // An agent that predates the OPTIONAL objects answers only the REQUIRED ones.
  const byName = new Map<string, snmp.Varbind>();
  OBJECTS.forEach((name, i) => {
    const vb = vbs.at(i);
    if (vb) byName.set(name, vb);
  });
  const req = requiredVarbinds(byName);
  if (typeof req === 'string') return bad(req);
  const enumLabel = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const vb = byName.get(name);
    if (!vb || snmp.isVarbindError(vb) || vb.type !== snmp.ObjectType.Integer) return undefined;
    const label = Object.entries(mib.object(name).enumValues ?? {}).find(([, v]) => v === vb.value)?.[0] as
      T | undefined;
    return label !== undefined && allowed.includes(label) ? label : undefined;
  };
  const gauge = (name: string): number | undefined => {
    const vb = byName.get(name);
    return vb && !snmp.isVarbindError(vb) && vb.type === snmp.ObjectType.Gauge && typeof vb.value === 'number'
      ? vb.value
      : undefined;
  };
  const st = req.galeraStatus;
  if (st.type !== snmp.ObjectType.Integer) return bad('galeraStatus is not an INTEGER');
  const status = enumLabel<NodeStatus>('galeraStatus', NODE_STATUSES);
  if (!status) return bad(`galeraStatus ${String(st.value)} is not a known status`);
  const sq = req.galeraSeqno;
  const seqText = Buffer.isBuffer(sq.value) ? sq.value.toString('latin1') : String(sq.value);
  if (sq.type !== snmp.ObjectType.OctetString || seqText.length > 20) return bad('galeraSeqno is not a decimal string');
  const seqno = parseSeqno(seqText);
  if (seqno === null) return bad(`galeraSeqno '${seqText.slice(0, 24)}' is not a 64-bit integer`);
  const uv = req.galeraStateUuid;
  const uuidText = Buffer.isBuffer(uv.value) ? uv.value.toString('latin1') : '';
  const uuid = uuidText === '' ? null : parseUuid(uuidText);
  if (uuidText !== '' && uuid === null) return bad('galeraStateUuid is not a UUID');
  const sf = req.galeraSafeToBootstrap;
  if (sf.type !== snmp.ObjectType.Integer || ![1, 2, 3].includes(sf.value as number))
    return bad('galeraSafeToBootstrap out of range');
  const iv = byName.get('galeraAgentInstance');
  const instance =
    iv && !snmp.isVarbindError(iv) && Buffer.isBuffer(iv.value) && iv.value.length > 0
      ? iv.value.toString('latin1')
      : undefined;
  const nv = req.galeraNodeName;
  const name = Buffer.isBuffer(nv.value) ? nv.value.toString('utf8').trim() : '';
  if (nv.type !== snmp.ObjectType.OctetString || name === '')
    return bad('galeraNodeName is empty: the agent needs a nodeName');
  const mv = byName.get('galeraMaintenance');
  const rv = byName.get('galeraMaintenanceReason');
  const maintenance =
    mv && !snmp.isVarbindError(mv) && mv.value === 1
      ? rv && !snmp.isVarbindError(rv) && Buffer.isBuffer(rv.value)
        ? rv.value.toString('utf8')
        : ''
      : undefined;
  // A running server whose agent cannot read it now serves its last status: stale, so unknown.
  const wr = byName.get('galeraWsrepReachable');
  const fresh = wr !== undefined && !snmp.isVarbindError(wr) && wr.value === 1;
  // An agent that predates galeraUserData, or cannot list its datadir, leaves it unknown.
  const ud = byName.get('galeraUserData');
  const udValue = ud && !snmp.isVarbindError(ud) && ud.type === snmp.ObjectType.Integer ? ud.value : undefined;
  const userData = udValue === 1 ? true : udValue === 2 ? false : undefined;
  const us = byName.get('galeraUserSchemas');
  const userSchemas =
    userData && us && !snmp.isVarbindError(us) && Buffer.isBuffer(us.value)
      ? parseSchemaList(us.value.toString('utf8'))
      : undefined;
  const mark = markOf(byName, enumLabel<'none' | 'valid' | 'damaged'>('galeraMarkState', ['none', 'valid', 'damaged']));
  // Printed in galera-init's advice for the operator to run: only a statement the agent could have
  // chosen, never a peer's free text.
  const pv = byName.get('galeraPcBootstrapStatement');
  const pcText = pv && !snmp.isVarbindError(pv) && Buffer.isBuffer(pv.value) ? pv.value.toString('latin1') : '';
  const pcBootstrap = PC_BOOTSTRAP_STATEMENTS.includes(pcText) ? pcText : undefined;
  return {
    id,
    name,
    instance,
    self: false,
    answered: true,
    ...(mark ? { mark } : {}),
    status,
    seqno,
    uuid,
    safeToBootstrap: sf.value === 1 ? true : sf.value === 2 ? false : null,
    seqnoSource: enumLabel<SeqnoSource>('galeraSeqnoSource', SEQNO_SOURCES) ?? 'unknown',
    clusterStatus: fresh ? (enumLabel<ClusterStatus>('galeraClusterStatus', CLUSTER_STATUSES) ?? 'unknown') : 'unknown',
    lockPid: gauge('galeraLockPid'),
    serverPid: gauge('galeraServerPid'),
    detectMs: gauge('galeraAgentDetectMs'),
    userData,
    userSchemas,
    ...(pcBootstrap ? { pcBootstrap } : {}),
    ...(gauge('galeraRecoveryPrepared') ? { prepared: gauge('galeraRecoveryPrepared') } : {}),
    initDecision: enumLabel<InitDecision>('galeraInitDecision', INIT_DECISIONS),
    role: enumLabel<'data' | 'arbitrator'>('galeraRole', ['data', 'arbitrator']),
    ...(maintenance === undefined ? {} : { maintenance }),
  };
}

/**
 * A member in maintenance, as the other members' decisions see it: a member that did not answer
 * (galera-init neither joins it nor bootstraps without it; the promoter does not promote past it).
 * What it said is kept as what was last seen of it, so the quorum policy never passes a member in
 * maintenance whose server runs or that is ahead.
 */
export function maintenanceAsSilent(a: AgentAnswer): AgentAnswer {
  if (!a.answered || a.maintenance === undefined) return a;
  const known = a.seqnoSource !== undefined && a.seqnoSource !== 'unknown' && a.seqnoSource !== 'unreadable';
  return {
    ...a,
    answered: false,
    error: `in maintenance${a.maintenance ? `: ${a.maintenance}` : ''}`,
    errorKind: 'other',
    lastSeenStatus: a.status,
    lastSeenSeqno: known ? a.seqno : a.lastSeenSeqno,
  };
}

/**
 * A member's high-water mark, when its agent publishes a valid one. Anything malformed is no mark:
 * the decision then goes without it, as with an agent that predates galeraMark.
 */
function markOf(byName: ReadonlyMap<string, snmp.Varbind>, state: string | undefined): MarkFacts | undefined {
  if (state !== 'valid') return undefined;
  const text = (name: string): string | undefined => {
    const vb = byName.get(name);
    return vb && !snmp.isVarbindError(vb) && Buffer.isBuffer(vb.value) ? vb.value.toString('utf8') : undefined;
  };
  const uuid = parseUuid(text('galeraMarkUuid') ?? '');
  const seqno = parseSeqno(text('galeraMarkTopSeqno') ?? '');
  const node = text('galeraMarkTopNode')?.trim();
  const tv = byName.get('galeraMarkTolerance');
  const tolerance =
    tv && !snmp.isVarbindError(tv) && tv.type === snmp.ObjectType.Gauge && typeof tv.value === 'number'
      ? BigInt(tv.value)
      : null;
  if (!uuid || seqno === null || seqno < 0n || !node || tolerance === null) return undefined;
  return { uuid, seqno, node, tolerance, rule: text('galeraMarkRule') ?? '' };
}

/** Socket errors that mean the host (or a router on the way) said no: nothing listens there. */
const REFUSED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The kind of a client error, from its class and code, never its text: net-snmp says
 * RequestTimedOutError when every retry went unanswered, and ResponseInvalidError with
 * EAuthFailure (a USM report or a wrong digest) or ECommunityNoMatch when the credentials differ.
 */
export function peerErrorKind(err: Error): ErrorKind {
  if (err instanceof snmp.RequestTimedOutError) return 'timeout';
  const code = (err as { code?: unknown }).code;
  if (err instanceof snmp.ResponseInvalidError) {
    return code === snmp.ResponseInvalidCode.EAuthFailure || code === snmp.ResponseInvalidCode.ECommunityNoMatch
      ? 'auth'
      : 'other';
  }
  return typeof code === 'string' && REFUSED_CODES.has(code) ? 'refused' : 'other';
}

/** An unanswered member, with the text for the operator and the kind for decisions. */
export function failedAnswer(id: string, err: Error): AgentAnswer {
  const kind = peerErrorKind(err);
  return {
    id,
    self: false,
    answered: false,
    error: kind === 'timeout' ? 'no answer (timeout)' : err.message,
    errorKind: kind,
  };
}

/**
 * One GET to one peer, parsed. Never throws: a failure is parsed by `failed` (with its kind). A
 * guard ends the wait in case the library never calls back (a dead socket).
 */
function getFrom<T>(
  t: PeerTarget,
  oids: string[],
  parse: (vbs: { oid: string; type: number; value: unknown }[]) => T,
  failed: (err: Error) => T,
): Promise<T> {
  return new Promise((resolve) => {
    let s: ReturnType<typeof session>;
    try {
      s = session(t);
    } catch (err) {
      resolve(failed(err as Error));
      return;
    }
    let settled = false;
    const finish = (f: T): void => {
      if (!settled) {
        settled = true;
        try {
          s.close();
        } catch {
          /* closed */
        }
        resolve(f);
      }
    };
    // timeout x (retries + 1) + slack.
    const guard = setTimeout(
      () => finish(failed(new snmp.RequestTimedOutError('no answer'))),
      t.timeoutMs * (t.retries + 1) + 1000,
    );
    (s as unknown as { on?: (ev: string, cb: (e: Error) => void) => void }).on?.('error', (e: Error) => {
      clearTimeout(guard);
      finish(failed(e));
    });
    s.get(oids, (err, vbs) => {
      clearTimeout(guard);
      if (err) finish(failed(err));
      else finish(parse(vbs));
    });
  });
}

/** Asks one peer. Never throws; a failure is an unanswered member with the reason and its kind. */
export function askPeer(mib: Mib, t: PeerTarget): Promise<AgentAnswer> {
  const oids = OBJECTS.map((n) => `${mib.object(n).oid.join('.')}.0`);
  return getFrom(
    t,
    oids,
    (vbs) => factsFromVarbinds(mib, t.id, vbs),
    (err) => failedAnswer(t.id, err),
  );
}

/** What the split-brain watch asks every member: its component, in one GET. */
const COMPONENT = [
  'galeraNodeName',
  'galeraWsrepReachable',
  'galeraServerPid',
  'galeraClusterStatus',
  'galeraClusterStateUuid',
  'galeraClusterConfId',
  'galeraClusterSize',
  'galeraLastCommitted',
  // Optional (an older agent answers noSuchObject): an arbitrator is never a side of its own.
  'galeraRole',
] as const;

/**
 * A member's component from its varbinds. Anything missing, mistyped or out of range makes the
 * member unknown (never a side); a server its agent cannot read is unknown too (its last status is
 * stale), while no server at all is simply not Primary.
 */
export function componentFromVarbinds(
  mib: Mib,
  id: string,
  vbs: { oid: string; type: number; value: unknown }[],
): MemberView {
  const unknown = (why: string): MemberView => ({ id, kind: 'unknown', why: `bad answer: ${why}` });
  if (vbs.length !== COMPONENT.length && vbs.length !== COMPONENT.length - 1)
    return unknown(`${vbs.length} values for ${COMPONENT.length} objects`);
  const by = new Map<string, snmp.Varbind>(COMPONENT.flatMap((n, i) => (vbs[i] ? [[n, vbs[i]] as const] : [])));
  const role = by.get('galeraRole');
  by.delete('galeraRole');
  for (const [n, vb] of by)
    if (snmp.isVarbindError(vb)) return unknown(`${n}: ${snmp.varbindError(vb)} (is galera-agentx running there?)`);
  const text = (n: string): string => {
    const v = by.get(n)?.value;
    return Buffer.isBuffer(v) ? v.toString('latin1') : '';
  };
  const num = (n: string): number | null => {
    const v = by.get(n)?.value;
    return typeof v === 'number' && Number.isInteger(v) ? v : null;
  };
  const name = Buffer.isBuffer(by.get('galeraNodeName')?.value)
    ? (by.get('galeraNodeName')?.value as Buffer).toString('utf8').trim()
    : '';
  if (name === '') return unknown('galeraNodeName is empty');
  // garbd is in a component only with data nodes, whose agents show it: it is never a side, and
  // an agent that reads no server must not leave the verdict incomplete for ever (no fencing).
  const arbitrator = mib.object('galeraRole').enumValues?.arbitrator;
  if (role && !snmp.isVarbindError(role) && arbitrator !== undefined && role.value === arbitrator)
    return { id, kind: 'notPrimary', name };
  if (num('galeraWsrepReachable') !== 1) {
    return (num('galeraServerPid') ?? 0) > 0
      ? { id, kind: 'unknown', why: `${name}'s agent cannot read its server` }
      : { id, kind: 'notPrimary', name };
  }
  const primary = mib.object('galeraClusterStatus').enumValues?.primary;
  if (primary === undefined || num('galeraClusterStatus') !== primary) return { id, kind: 'notPrimary', name };
  const uuid = parseUuid(text('galeraClusterStateUuid'));
  const confId = parseSeqno(text('galeraClusterConfId'));
  const size = num('galeraClusterSize');
  const lastCommitted = parseSeqno(text('galeraLastCommitted'));
  if (uuid === null) return unknown('galeraClusterStateUuid is not a UUID');
  if (confId === null || confId < 0n) return unknown('galeraClusterConfId is not a conf id');
  if (size === null || size < 1) return unknown('galeraClusterSize is 0 in a Primary component');
  if (lastCommitted === null || lastCommitted < -1n) return unknown('galeraLastCommitted is not a seqno');
  return { id, kind: 'primary', name, uuid, confId, size, lastCommitted };
}

/** Asks one member for its component (the split-brain watch). Never throws. */
export function askComponent(mib: Mib, t: PeerTarget): Promise<MemberView> {
  const oids = COMPONENT.map((n) => `${mib.object(n).oid.join('.')}.0`);
  return getFrom(
    t,
    oids,
    (vbs) => componentFromVarbinds(mib, t.id, vbs),
    (err) => ({ id: t.id, kind: 'unknown', why: failedAnswer(t.id, err).error ?? err.message }),
  );
}

export const askPeers = (mib: Mib, targets: PeerTarget[]): Promise<AgentAnswer[]> =>
  Promise.all(targets.map((t) => askPeer(mib, t)));
