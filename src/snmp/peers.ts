// The initiator's SNMP client: asks every peer's agent, in parallel, with timeout and retries, for
// what the decision needs, and validates every value (a peer may lie, be old, or be something else).
// An answer that is missing, of the wrong type or out of range makes the peer "unknown", never
// "stopped".

import * as snmp from 'net-snmp';
import type { Mib } from './mib';
import type { MemberFacts } from '../core/decide';
import { NODE_STATUSES, NodeStatus } from '../core/status';
import type { SeqnoSource } from '../core/seqno';
import { CLUSTER_STATUSES, ClusterStatus } from '../core/wsrep-status';
import { parseSeqno, parseUuid } from '../core/gtid';
import type { ErrorKind } from '../errors';
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
  'galeraMaintenance',
  'galeraMaintenanceReason',
  'galeraInitDecision',
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
  return {
    id,
    name,
    instance,
    self: false,
    answered: true,
    status,
    seqno,
    uuid,
    safeToBootstrap: sf.value === 1 ? true : sf.value === 2 ? false : null,
    seqnoSource: enumLabel<SeqnoSource>('galeraSeqnoSource', SEQNO_SOURCES) ?? 'unknown',
    clusterStatus: fresh ? (enumLabel<ClusterStatus>('galeraClusterStatus', CLUSTER_STATUSES) ?? 'unknown') : 'unknown',
    lockPid: gauge('galeraLockPid'),
    serverPid: gauge('galeraServerPid'),
    detectMs: gauge('galeraAgentDetectMs'),
    initDecision: enumLabel<InitDecision>('galeraInitDecision', INIT_DECISIONS),
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

/** Asks one peer. Never throws; a failure is an unanswered member with the reason and its kind. */
export function askPeer(mib: Mib, t: PeerTarget): Promise<AgentAnswer> {
  const oids = OBJECTS.map((n) => `${mib.object(n).oid.join('.')}.0`);
  return new Promise((resolve) => {
    let s: ReturnType<typeof session>;
    try {
      s = session(t);
    } catch (err) {
      resolve(failedAnswer(t.id, err as Error));
      return;
    }
    let settled = false;
    const finish = (f: AgentAnswer): void => {
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
    // A guard in case the library never calls back (a dead socket): timeout x (retries + 1) + slack.
    const guard = setTimeout(
      () => finish({ id: t.id, self: false, answered: false, error: 'no answer', errorKind: 'timeout' }),
      t.timeoutMs * (t.retries + 1) + 1000,
    );
    (s as unknown as { on?: (ev: string, cb: (e: Error) => void) => void }).on?.('error', (e: Error) => {
      clearTimeout(guard);
      finish(failedAnswer(t.id, e));
    });
    s.get(oids, (err, vbs) => {
      clearTimeout(guard);
      if (err) finish(failedAnswer(t.id, err));
      else finish(factsFromVarbinds(mib, t.id, vbs));
    });
  });
}

export const askPeers = (mib: Mib, targets: PeerTarget[]): Promise<AgentAnswer[]> =>
  Promise.all(targets.map((t) => askPeer(mib, t)));
