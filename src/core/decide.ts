// galera-init's decision, as a pure function of (this node, the peers' answers, the policy), with a
// reason for every outcome. Its one promise: never bootstrap from a node that may be behind.
//
// The original galera_init compared seqnos as strings ("9" > "10"), let tied nodes both bootstrap,
// and skipped peers it could not reach, which is how a stale node came to bootstrap and the
// advanced nodes threw their data away by SST. Here: 64-bit comparison, a deterministic tie-break,
// and an unreachable peer is unknown, never stopped.

import type { NodeStatus } from './status';

export interface MemberFacts {
  /** The member's name as configured (its SNMP target); the tie-break orders by it. */
  id: string;
  self: boolean;
  answered: boolean;
  /** Why there is no answer (timeout, bad value, ...). */
  error?: string;
  status?: NodeStatus;
  seqno?: bigint;
  uuid?: string | null;
  safeToBootstrap?: boolean | null;
}

export interface Policy {
  /** Bootstrap even without every member's answer (operator's explicit choice, logged loudly). */
  force: boolean;
  /** With a quorum of answers (> half the members), proceed once this long has passed; 0: never. */
  quorumAfterMs: number;
}

export type Decision =
  | { action: 'done'; reason: string }
  | { action: 'join'; target: string; reason: string }
  | { action: 'bootstrap'; reason: string; forced: boolean }
  | { action: 'wait'; reason: string; waitingFor: string[] }
  | { action: 'refuse'; reason: string };

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** A member with no Galera state at all (fresh datadir): comparable, and the least advanced. */
const fresh = (m: MemberFacts): boolean => (m.uuid === null || m.uuid === undefined || m.uuid === ZERO_UUID || m.uuid === '') && (m.seqno ?? -1n) < 0n;

/** Orders candidates: highest seqno, then safe_to_bootstrap, then the member id. Deterministic. */
export function rank(a: MemberFacts, b: MemberFacts): number {
  const sa = a.seqno ?? -1n;
  const sb = b.seqno ?? -1n;
  if (sa !== sb) return sa > sb ? -1 : 1;
  const ta = a.safeToBootstrap === true ? 1 : 0;
  const tb = b.safeToBootstrap === true ? 1 : 0;
  if (ta !== tb) return tb - ta;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function decide(members: MemberFacts[], policy: Policy, waitedMs = 0): Decision {
  const self = members.find((m) => m.self);
  if (!self) return { action: 'refuse', reason: 'this node is not among the members: set init.self or fix the member list' };
  if (self.status === 'running' || self.status === 'bootstrapping') return { action: 'done', reason: `the local server is already ${self.status}` };
  const peers = members.filter((m) => !m.self);

  const running = peers.filter((m) => m.answered && m.status === 'running');
  if (running.length) return { action: 'join', target: running[0].id, reason: `${running.map((m) => m.id).join(', ')} running: joining the cluster` };

  const booting = peers.filter((m) => m.answered && m.status === 'bootstrapping');
  if (booting.length) {
    return { action: 'wait', waitingFor: booting.map((m) => m.id), reason: `${booting.map((m) => m.id).join(', ')} bootstrapping: will join once it runs` };
  }

  let considered = members;
  let forcedNote = '';
  const silent = members.filter((m) => !m.answered);
  if (silent.length) {
    const list = silent.map((m) => `${m.id} (${m.error ?? 'no answer'})`).join(', ');
    const quorum = members.length - silent.length > members.length / 2;
    if (policy.force) {
      forcedNote = `FORCED without ${list}`;
    } else if (policy.quorumAfterMs > 0 && quorum && waitedMs >= policy.quorumAfterMs) {
      forcedNote = `quorum policy after ${Math.round(waitedMs / 1000)} s without ${list}`;
    } else {
      return { action: 'wait', waitingFor: silent.map((m) => m.id), reason: `no bootstrap on incomplete information: waiting for ${list}` };
    }
    considered = members.filter((m) => m.answered);
  }

  const locked = considered.filter((m) => !m.self && m.status === 'locked');
  if (locked.length) return { action: 'wait', waitingFor: locked.map((m) => m.id), reason: `${locked.map((m) => m.id).join(', ')} locked (looking up its seqno): waiting` };

  // A node that has state but no seqno yet (a crash whose recovery is pending or failed) may be
  // the most advanced one: nobody may bootstrap past it.
  const unknownSeqno = considered.filter((m) => !fresh(m) && (m.seqno ?? -1n) < 0n);
  if (unknownSeqno.length && !policy.force) {
    return { action: 'wait', waitingFor: unknownSeqno.map((m) => m.id), reason: `seqno unknown on ${unknownSeqno.map((m) => m.id).join(', ')} (recovery pending or failed): waiting` };
  }

  const uuids = new Set(considered.filter((m) => !fresh(m)).map((m) => m.uuid));
  if (uuids.size > 1) {
    const detail = considered.filter((m) => !fresh(m)).map((m) => `${m.id}=${m.uuid}`).join(', ');
    return { action: 'refuse', reason: `members belong to different cluster states (${detail}): their seqnos are not comparable; choose the node to bootstrap by hand` };
  }

  const winner = [...considered].sort(rank)[0];
  const why = `most advanced: seqno ${winner.seqno ?? -1n}${winner.safeToBootstrap ? ', safe_to_bootstrap=1' : ''} (${considered.map((m) => `${m.id}:${m.seqno ?? -1n}`).join(' ')})`;
  if (winner.self) {
    return { action: 'bootstrap', forced: forcedNote !== '', reason: `${forcedNote ? `${forcedNote}; ` : ''}bootstrapping: this node is the ${why}` };
  }
  return { action: 'wait', waitingFor: [winner.id], reason: `${winner.id} is the ${why}: waiting for it to bootstrap, then joining` };
}
