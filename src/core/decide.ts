// galera-init's decision, as a pure function of (this node, the peers' answers, the policy), with a
// reason for every outcome and, where an operator can resolve a wait, the one command that does.
// Its promises:
//   - never bootstrap from a node that may be behind, nor on incomplete or contradictory facts
//     (unless the operator forces it, and then the reason says so);
//   - every node orders the members the same way: by the identity each member's own agent
//     publishes (galeraNodeName), never by how this node happens to spell its member list;
//   - join only a Primary component of the same history, and never when that throws away
//     transactions this node has and the cluster does not.
//
// The original galera_init compared seqnos as strings ("9" > "10"), let tied nodes both bootstrap,
// skipped peers it could not reach and joined whatever ran. Here: 64-bit comparison, a total order
// on identities, an unreachable peer is unknown (never stopped), and a running peer is joined only
// when it is Primary.

import { type ClusterStatus, PC_BOOTSTRAP_OPTIONS } from './wsrep-status';
import type { SeqnoSource } from './seqno';
import type { NodeStatus } from './status';
import type { MarkFacts } from './mark';

export interface MemberFacts {
  /** The member as configured on this node (its SNMP target): shown to the operator, never compared. */
  id: string;
  /** The member's identity from its own agent (galeraNodeName): what members are compared and ordered by. */
  name?: string;
  self: boolean;
  answered: boolean;
  /** Why there is no answer (timeout, bad value, ...). */
  error?: string;
  status?: NodeStatus;
  seqno?: bigint;
  seqnoSource?: SeqnoSource;
  uuid?: string | null;
  safeToBootstrap?: boolean | null;
  /** The running server's wsrep_cluster_status, as its agent reads it now ('unknown' when stale). */
  clusterStatus?: ClusterStatus;
  /** The initiator lock's holder on that node (0: free): held is held, whatever else its status says. */
  lockPid?: number;
  /** galeraAgentInstance: the same name and instance is one agent reached under two names. */
  instance?: string;
  /** A silent member's seqno when it last answered (this run): the quorum policy never passes it. */
  lastSeenSeqno?: bigint;
  /**
   * A silent member's status when it last answered (this run): one seen deciding or running may
   * have gone on to start a cluster, so the quorum policy does not pass it.
   */
  lastSeenStatus?: NodeStatus;
  /**
   * The member's datadir holds user data: a schema with tables outside the system schemas
   * (galeraUserData). undefined: unknown (an agent that cannot list its datadir, or predates it).
   */
  userData?: boolean;
  /** Those schemas (galeraUserSchemas; may be clipped): for the operator, never compared. */
  userSchemas?: string[];
  /**
   * The member's high-water mark (galeraMark): the highest seqno it committed, or saw a member
   * commit, while Primary. Kept outside the datadir, so a restored datadir does not lower it.
   */
  mark?: MarkFacts;
  /** galeraPcBootstrapStatement: the pc.bootstrap statement its server takes; unknown: undefined. */
  pcBootstrap?: string;
  /**
   * An arbitrator (garbd): named in init.arbitrators, or its agent says so (galeraRole). It votes
   * in the cluster's quorum but holds no data: never a bootstrap candidate, never waited for.
   */
  role?: 'data' | 'arbitrator';
  /** Named in this node's init.arbitrators: an arbitrator unless its own agent says otherwise. */
  namedArbitrator?: boolean;
  /**
   * Transactions a crash left prepared, which stopped the member's recovery (its position is
   * unknown until they are resolved); 0 or absent: none, or not known.
   */
  prepared?: number;
}

export interface Policy {
  /** The operator's explicit override (--force / init.force): logged and named in every reason it changes. */
  force: boolean;
  /** With a quorum of answers (> half the members), proceed once this long has passed; 0: never. */
  quorumAfterMs: number;
  /**
   * The acknowledgement given on this node (galera-init --discard-data=SCHEMAS): the user schemas
   * this node holds outside any Galera history, which it may lose to a state transfer. It must
   * name exactly what the node holds. Never a config key: it is given for one run, on this node.
   */
  discardData?: string[];
  /**
   * recovery.heuristicRollback on this node: its prepared transactions may be rolled back before
   * it joins a running cluster (never before a bootstrap: --force only).
   */
  heuristicRollback?: boolean;
}

export type Decision =
  | { action: 'done'; reason: string }
  /**
   * discardState: Galera refuses to join with a seqno ahead of the group's; set aside grastate.dat so it
   * transfers the state.
   */
  | {
      action: 'join';
      target: string;
      reason: string;
      forced: boolean;
      discardState?: boolean;
      /**
       * This many prepared transactions stop this node's recovery: galera-init rolls them back
       * (--tc-heuristic-recover=rollback) and decides again with the position that run finds.
       */
      rollbackFirst?: number;
    }
  | { action: 'bootstrap'; reason: string; forced: boolean }
  /** retry: another initiator holds its lock; back off with jitter. advice: the command that ends the wait. */
  | { action: 'wait'; reason: string; waitingFor: string[]; advice?: string; retry?: boolean }
  | { action: 'refuse'; reason: string; advice?: string };

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** An arbitrator (garbd): counts for Primary and quorum, never as a data holder. */
export const arbitrator = (m: MemberFacts): boolean =>
  m.role === 'arbitrator' || (m.namedArbitrator === true && m.role !== 'data');

/** How a member is named in reasons: by its identity once it answered, else as configured. */
export const who = (m: MemberFacts): string => m.name ?? m.id;
const names = (ms: MemberFacts[]): string => ms.map(who).join(', ');
const seq = (m: MemberFacts): bigint => m.seqno ?? -1n;
/**
 * A member with state whose position is not known. A recovery or a grastate.dat that says -1 for a
 * history with no transaction yet is a known position, not an unknown one.
 */
const positionUnknown = (m: MemberFacts): boolean =>
  !fresh(m) &&
  seq(m) < 0n &&
  (m.seqnoSource === undefined || m.seqnoSource === 'unknown' || m.seqnoSource === 'unreadable');
const isLocked = (m: MemberFacts): boolean =>
  m.status === 'locked' || (m.status !== 'running' && m.status !== 'bootstrapping' && (m.lockPid ?? 0) > 0);

/**
 * A member with no Galera state at all: no UUID (or the zero one) and no seqno. A member whose
 * datadir holds data it cannot place (grastate.dat damaged or missing, recovery failed) is never
 * fresh: it may be the most advanced one.
 */
export const fresh = (m: MemberFacts): boolean =>
  m.seqnoSource !== 'unreadable' &&
  (m.uuid === null || m.uuid === undefined || m.uuid === ZERO_UUID || m.uuid === '') &&
  seq(m) < 0n;

/**
 * A member with no Galera state whose datadir holds user data: a state transfer would replace it,
 * so it is a bootstrap candidate of its own (a conversion of standalone servers).
 */
const holdsOwnData = (m: MemberFacts): boolean => fresh(m) && m.userData === true;
/** A member with no Galera state whose user data is not known: it may hold some. */
const dataUnknown = (m: MemberFacts): boolean => fresh(m) && m.userData !== true && m.userData !== false;
/** No Galera state and no user data: nothing is lost whoever bootstraps. */
export const empty = (m: MemberFacts): boolean => fresh(m) && m.userData === false;
const schemasOf = (m: MemberFacts): string => (m.userSchemas?.length ? m.userSchemas.join(',') : '?');
const heldBy = (m: MemberFacts): string => `${who(m)} (${schemasOf(m)})`;

/**
 * This node's acknowledgement (--discard-data) names exactly the schemas it holds outside any
 * Galera history: it may then lose them to a state transfer.
 */
function acknowledged(self: MemberFacts, policy: Policy): boolean {
  const ack = policy.discardData;
  if (!ack || !holdsOwnData(self) || !self.userSchemas) return false;
  const a = [...new Set(ack)].sort();
  const b = [...new Set(self.userSchemas)].sort();
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** An acknowledgement that does not match what this node holds is refused before anything else. */
function badAcknowledgement(self: MemberFacts, policy: Policy): Decision | null {
  const ack = policy.discardData;
  if (!ack || acknowledged(self, policy)) return null;
  const given = ack.join(',');
  if (!fresh(self))
    return {
      action: 'refuse',
      reason: `--discard-data=${given} was given, but this node has Galera state (${self.uuid ?? '?'}:${seq(self)}): its data is part of a cluster history, which --discard-data does not discard`,
      advice: 'run galera-init without --discard-data; --force is the override for a node with Galera state',
    };
  if (self.userData !== true)
    return {
      action: 'refuse',
      reason: `--discard-data=${given} was given, but this node holds ${self.userData === false ? 'no user data' : 'user data that could not be read'}`,
      advice:
        self.userData === false
          ? 'run galera-init without --discard-data'
          : "galera-check status says why the datadir's schemas cannot be read",
    };
  return {
    action: 'refuse',
    reason: `--discard-data=${given} does not name what this node holds: ${schemasOf(self)}`,
    advice: `to discard exactly that: galera-init --discard-data=${schemasOf(self)}`,
  };
}

/** Orders candidates: highest seqno, then safe_to_bootstrap, then the identity. The same on every node. */
export function rank(a: MemberFacts, b: MemberFacts): number {
  const sa = seq(a);
  const sb = seq(b);
  if (sa !== sb) return sa > sb ? -1 : 1;
  const ta = a.safeToBootstrap === true ? 1 : 0;
  const tb = b.safeToBootstrap === true ? 1 : 0;
  if (ta !== tb) return tb - ta;
  const ka = who(a);
  const kb = who(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The classic statement, for a member whose agent does not say which one its server takes. */
export const PC_BOOTSTRAP = PC_BOOTSTRAP_OPTIONS;

/** The statement to advise on a member: the one its server takes, as its agent publishes it. */
export const pcBootstrapOf = (m: MemberFacts): string => m.pcBootstrap || PC_BOOTSTRAP;

/**
 * Members that answer as one node. The same name and the same agent instance is one agent reached
 * under two names (an FQDN and an address, say): it is asked once, as the first entry (this node's
 * own when it is one of them). The same name from different agents is two nodes sharing a
 * nodeName: refused, the ranking would not be total.
 */
function sameNode(members: MemberFacts[]): { members: MemberFacts[]; refusal: Decision | null } {
  const byName = new Map<string, MemberFacts[]>();
  for (const m of members) {
    if (!m.answered || m.name === undefined) continue;
    byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  }
  let kept = members;
  for (const [name, ms] of byName) {
    if (ms.length < 2) continue;
    const ids = ms.map((m) => m.id).join(' and ');
    const oneAgent = ms.every((m) => m.instance !== undefined && m.instance === ms[0].instance);
    if (oneAgent) {
      const keep = ms.find((m) => m.self) ?? ms[0];
      kept = kept.filter((m) => !ms.includes(m) || m === keep);
      continue;
    }
    if (ms.every((m) => m.instance !== undefined)) {
      return {
        members,
        refusal: {
          action: 'refuse',
          reason: `${ids} answer as '${name}' from different agents: two nodes share one nodeName, so the members cannot be ordered`,
          advice: "give every node its own nodeName in the agent's config (the default is the host name)",
        },
      };
    }
    // An agent that does not say its instance: one node twice, or two nodes with one name.
    if (ms.some((m) => m.self)) {
      return {
        members,
        refusal: {
          action: 'refuse',
          reason: `${ids} both answer as this node ('${name}'): this node is listed twice under different names, or another node has its nodeName`,
          advice:
            "list each node once in init.members (or in wsrep_cluster_address), set init.self to this node's entry, and give every node its own nodeName",
        },
      };
    }
    return {
      members,
      refusal: {
        action: 'refuse',
        reason: `${ids} both answer as '${name}': the same node is listed twice, or two nodes share one nodeName`,
        advice: "list each node once, and give every node its own nodeName in the agent's config",
      },
    };
  }
  return { members: kept, refusal: null };
}

/** A refusal that --force turns into the action, saying so. */
function refuseUnlessForced(policy: Policy, reason: string, advice: string, forced: Decision): Decision {
  if (!policy.force) return { action: 'refuse', reason, advice };
  return { ...forced, forced: true, reason: `FORCED (--force): ${reason}; ${forced.reason}` } as Decision;
}

/** No Primary component, but servers run non-Primary: wait, and say who could be made Primary. */
function nonPrimaryWait(members: MemberFacts[], survivors: MemberFacts[]): Decision {
  const waitingFor = survivors.map(who);
  const list = survivors
    .map((m) => `${who(m)} (seqno ${seq(m)}${m.clusterStatus === 'disconnected' ? ', Disconnected' : ''})`)
    .join(', ');
  const head = `no Primary component: ${list} ${survivors.length > 1 ? 'run' : 'runs'} non-Primary; joining would only add to a component that refuses writes`;
  const candidates = survivors.filter((m) => m.clusterStatus === 'nonPrimary');
  const down = members.filter((m) => !m.self && !survivors.includes(m));
  const gone = down.length
    ? `if ${names(down)} ${down.length > 1 ? 'are' : 'is'} gone for good`
    : 'to go on with the members that run';
  if (!candidates.length) {
    return {
      action: 'wait',
      waitingFor,
      reason: `${head}; a Disconnected server cannot be made Primary`,
      advice: `restart the server on ${names(survivors)} (systemctl restart mariadb), then galera-init decides again`,
    };
  }
  const unknown = members.filter((m) => !m.answered || positionUnknown(m));
  const best = [...candidates].sort(rank)[0];
  const ahead = [...members.filter((m) => !unknown.includes(m))].sort(rank).at(0);
  if (ahead && seq(ahead) > seq(best) && (ahead.uuid ?? best.uuid) === best.uuid) {
    if (ahead.self) {
      return {
        action: 'wait',
        waitingFor,
        reason: `${head}; this node is ahead of them (seqno ${seq(ahead)} > ${seq(best)})`,
        advice: `stop the server on ${names(survivors)} (systemctl stop mariadb); galera-init then bootstraps here`,
      };
    }
    return {
      action: 'wait',
      waitingFor: [...waitingFor, who(ahead)],
      reason: `${head}; ${who(ahead)} is ahead of them (seqno ${seq(ahead)})`,
      advice: `start galera-init on ${who(ahead)}; if it is gone for good, run on ${who(best)}: mysql -e "${pcBootstrapOf(best)}"`,
    };
  }
  const pc = `run on ${who(best)}: mysql -e "${pcBootstrapOf(best)}"`;
  if (unknown.length) {
    return {
      action: 'wait',
      waitingFor: [...waitingFor, ...unknown.map(who)],
      reason: `${head}; ${who(best)} is the most advanced of the known members, but ${names(unknown)} ${unknown.length > 1 ? 'are' : 'is'} unknown and may be ahead`,
      advice: `bring back ${names(unknown)} (or ${unknown.length > 1 ? 'their agents' : 'its agent'}); only if ${unknown.length > 1 ? 'they are' : 'it is'} gone for good and ${who(best)} is the last writer: ${pc}`,
    };
  }
  return {
    action: 'wait',
    waitingFor,
    reason: `${head}; ${who(best)} is the most advanced member`,
    advice: `${gone}: ${pc}`,
  };
}

/**
 * A node without Galera state loses its datadir to the state transfer: nothing the operator did
 * not name on this node (--discard-data) may go that way.
 */
function ownDataBeforeJoin(
  self: MemberFacts,
  primary: MemberFacts[],
  policy: Policy,
  join: Decision & { action: 'join' },
): Decision | null {
  if (holdsOwnData(self)) {
    if (!acknowledged(self, policy)) {
      return {
        action: 'refuse',
        reason: `this node holds user data (${schemasOf(self)}) and no Galera state: joining ${names(primary)} replaces it by a full state transfer`,
        advice: `to keep it, it must be the cluster's origin: stop the servers of ${names(primary)} and bootstrap here; to discard it and join: galera-init --discard-data=${schemasOf(self)}`,
      };
    }
    return {
      ...join,
      reason: `${join.reason}; this node's user data (${schemasOf(self)}) is discarded by the state transfer, as acknowledged (--discard-data)`,
    };
  }
  if (dataUnknown(self)) {
    return {
      action: 'refuse',
      reason: `this node has no Galera state and its user data cannot be read: joining ${names(primary)} would replace whatever it holds by a full state transfer`,
      advice: "galera-check status says why the datadir's schemas cannot be read (the userdata source)",
    };
  }
  return null;
}

/** The join case: a Primary component runs. Joins it unless that would lose or mix data. */
function joinPrimary(self: MemberFacts, primary: MemberFacts[], policy: Policy): Decision {
  const placed = primary.filter((m) => m.uuid);
  const clusters = new Set(placed.map((m) => m.uuid));
  if (clusters.size > 1) {
    const detail = placed.map((m) => `${who(m)}=${m.uuid ?? '?'}`).join(', ');
    return {
      action: 'refuse',
      reason: `running members are Primary in different clusters (${detail}): a split brain`,
      advice: 'keep one cluster: stop the servers of the other, then run galera-init there',
    };
  }
  // A Primary member whose agent gives no state UUID yet (it reads MySQL after the server starts)
  // may be in another cluster: a refusal would be final for what is most often a second's lag.
  const blindUuid = primary.filter((m) => !m.uuid);
  if (placed.length && blindUuid.length) {
    return {
      action: 'wait',
      waitingFor: blindUuid.map(who),
      reason: `${names(blindUuid)} ${blindUuid.length > 1 ? 'are' : 'is'} Primary but ${blindUuid.length > 1 ? 'their' : 'its'} state UUID is unknown: cannot tell whether ${blindUuid.length > 1 ? 'they are' : 'it is'} in the cluster of ${names(placed)}`,
      advice: `check that the agent on ${names(blindUuid)} reads its MySQL server: run there: galera-check --json`,
    };
  }
  const target = [...primary].sort(rank)[0];
  const uuid = target.uuid ?? null;
  const top = seq(target);
  const unplaced = positionUnknown(self)
    ? "; this node's own position is unknown, so its data is replaced by a state transfer"
    : '';
  const join: Decision = {
    action: 'join',
    target: target.id,
    forced: false,
    reason: `${names(primary)} Primary (seqno ${top}): joining the cluster${unplaced}`,
  };
  const lost = ownDataBeforeJoin(self, primary, policy, join);
  if (lost) return lost;
  if (!fresh(self) && self.uuid && uuid && self.uuid !== ZERO_UUID && self.uuid !== uuid) {
    return refuseUnlessForced(
      policy,
      `this node's state ${self.uuid} is not the running cluster's ${uuid}: joining replaces this node's data by a full state transfer`,
      "if this node's data is to be discarded: galera-init --force",
      join,
    );
  }
  // A node with a position of its own cannot tell whether it is ahead of a cluster whose state
  // UUID its agent did not give: joining might discard transactions by a full state transfer.
  if (self.uuid && self.uuid !== ZERO_UUID && seq(self) >= 0n && !uuid) {
    return {
      action: 'wait',
      waitingFor: [who(target)],
      reason: `${who(target)} is Primary but its state UUID is unknown: cannot tell whether this node (seqno ${seq(self)}) is ahead of it`,
      advice: `check that ${who(target)}'s agent reads its MySQL server: run on ${who(target)}: galera-check --json`,
    };
  }
  const prepared = positionUnknown(self) ? (self.prepared ?? 0) : 0;
  if (prepared > 0) {
    // The server refuses to start on them as it refuses to recover (MariaDB's tc recovery), so the
    // join needs them resolved; rolled back, they come back with the join's state transfer as far
    // as the cluster committed them.
    const txs = `${prepared} prepared transaction${prepared > 1 ? 's' : ''}`;
    if (policy.heuristicRollback || policy.force)
      return {
        ...join,
        forced: !policy.heuristicRollback,
        rollbackFirst: prepared,
        reason: `${join.reason}; first rolling back the ${txs} the crash left here (${policy.heuristicRollback ? 'recovery.heuristicRollback' : 'FORCED (--force)'}), then deciding again from the position found`,
      };
    return {
      action: 'wait',
      waitingFor: [who(self)],
      reason: `${names(primary)} Primary (seqno ${top}), but the crash left ${txs} on this node: neither its recovery nor its server starts until they are resolved`,
      advice: `set recovery.heuristicRollback: true in galera-init's config on this node (it rolls them back, then joins; the state transfer brings back what the cluster committed of them), or run galera-init --force`,
    };
  }
  if (self.uuid === uuid && seq(self) >= 0n && seq(self) > top) {
    const n = seq(self) - top;
    return refuseUnlessForced(
      policy,
      `this node is ahead of the running cluster by ${n} transaction${n === 1n ? '' : 's'} (seqno ${seq(self)} > ${top} on ${who(target)}): joining would discard them by a full state transfer`,
      "the cluster was bootstrapped from a node behind this one, so the two histories may have diverged: compare them before choosing which to keep; to discard this node's: galera-init --force",
      { ...join, discardState: true },
    );
  }
  return join;
}

/**
 * Arbitrators, as this node's config and their own agents say: galera-init never runs on one, and
 * a member the config calls an arbitrator while its agent says it holds data is refused (its
 * position would be ignored, and a bootstrap could lose what only it has).
 */
function arbitratorRoles(members: MemberFacts[], self: MemberFacts): Decision | null {
  if (arbitrator(self))
    return {
      action: 'refuse',
      reason: 'this node is an arbitrator (garbd): it holds no data, and galera-init starts a data node',
      advice: 'start garbd by its own unit (systemctl start garb); galera-init belongs on the data nodes',
    };
  const wrong = members.filter((m) => m.answered && m.namedArbitrator === true && m.role === 'data');
  if (!wrong.length) return null;
  return {
    action: 'refuse',
    reason: `${names(wrong)} ${wrong.length > 1 ? 'are' : 'is'} named in init.arbitrators, but ${wrong.length > 1 ? 'their agents say they are data nodes' : 'its agent says it is a data node'}: ${wrong.length > 1 ? 'their positions' : 'its position'} would be ignored`,
    advice: `remove ${names(wrong)} from init.arbitrators, or set role: arbitrator in the agent's config on a garbd host`,
  };
}

/** A Primary component seen only through an arbitrator: join it, unless this node's own data would go. */
function joinThroughArbitrator(self: MemberFacts, via: MemberFacts[], policy: Policy): Decision {
  const join: Decision = {
    action: 'join',
    target: via[0].id,
    forced: false,
    reason: `${names(via)} (arbitrator) in a Primary component: joining the cluster; an arbitrator holds no data, so the state comes from a data node of that component`,
  };
  return ownDataBeforeJoin(self, via, policy, join) ?? join;
}

export function decide(members: MemberFacts[], policy: Policy, waitedMs = 0): Decision {
  const self = members.find((m) => m.self);
  if (!self)
    return {
      action: 'refuse',
      reason: 'this node is not among the members',
      advice: 'set init.self, or fix the member list',
    };
  const same = sameNode(members);
  if (same.refusal) return same.refusal;
  members = same.members;
  const roles = arbitratorRoles(members, self);
  if (roles) return roles;
  if (self.status === 'running' || self.status === 'bootstrapping')
    return { action: 'done', reason: `the local server is already ${self.status}` };
  const badAck = badAcknowledgement(self, policy);
  if (badAck) return badAck;
  // Arbitrators vote in the quorum and may show a Primary component, but hold no data: from here
  // on `members` are the data nodes, the only ones whose positions, locks and data count.
  const voters = members;
  const arbitrators = members.filter((m) => !m.self && arbitrator(m));
  members = members.filter((m) => !arbitrator(m));
  const peers = members.filter((m) => !m.self);
  const up = peers.filter((m) => m.answered && (m.status === 'running' || m.status === 'bootstrapping'));

  const booting = up.filter((m) => m.status === 'bootstrapping');
  const primary = up.filter((m) => m.status === 'running' && m.clusterStatus === 'primary');
  if (booting.length > 1) {
    return {
      action: 'refuse',
      reason: `${names(booting)} are all bootstrapping a new cluster: that makes two clusters (split brain)`,
      advice: `keep the most advanced of ${names(booting)}; stop the others' servers (systemctl stop mariadb)`,
    };
  }
  // A member that joined the new cluster can be seen Primary before the bootstrapping one's own
  // agent shows it Primary (agents lag each other by up to their detection latency): with one
  // history on both sides, wait for the bootstrap to finish instead of refusing for good.
  const sameHistory = primary.filter((m) => !m.uuid || !booting[0]?.uuid || m.uuid === booting[0].uuid);
  if (booting.length === 1 && primary.length > 0 && sameHistory.length === primary.length) {
    return {
      action: 'wait',
      waitingFor: [who(booting[0])],
      reason: `${who(booting[0])} bootstrapping a new cluster while ${names(primary)} ${primary.length > 1 ? 'run' : 'runs'} Primary in the same history: ${primary.length > 1 ? 'they' : 'it'} joined it, or a second cluster started; waiting for the bootstrap to finish`,
      advice: `if it lasts, galera-check cluster on ${who(booting[0])} and ${names(primary)} shows whether they are one cluster (wsrep_cluster_size)`,
    };
  }
  if (booting.length === 1 && primary.length > 0) {
    return {
      action: 'refuse',
      reason: `${who(booting[0])} bootstraps a new cluster while ${names(primary)} run a Primary component: two clusters (split brain)`,
      advice: `stop the server on ${who(booting[0])} (systemctl stop mariadb), then run galera-init there`,
    };
  }
  if (primary.length) return joinPrimary(self, primary, policy);
  if (booting.length === 1) {
    return {
      action: 'wait',
      waitingFor: [who(booting[0])],
      reason: `${who(booting[0])} bootstrapping a new cluster: will join once it is Primary`,
      advice: `if ${who(booting[0])} has been up for long, its agent cannot see it accept connections: check mysql.optionFile there (galera-check status)`,
    };
  }
  // garbd in a Primary component is in it with a data node (an arbitrator alone is never
  // Primary after a crash, and a cluster it stayed Primary in after clean stops already has the
  // newest position): joining reaches that component, a bootstrap would make a second one.
  const primaryArbitrators = arbitrators.filter(
    (m) => m.answered && m.status === 'running' && m.clusterStatus === 'primary',
  );
  if (primaryArbitrators.length) return joinThroughArbitrator(self, primaryArbitrators, policy);
  const blind = up.filter((m) => m.clusterStatus === undefined || m.clusterStatus === 'unknown');
  if (blind.length) {
    return {
      action: 'wait',
      waitingFor: blind.map(who),
      reason: `${names(blind)} ${blind.length > 1 ? 'run' : 'runs'} but ${blind.length > 1 ? 'their agents cannot' : 'its agent cannot'} read the cluster status, so it is not known to be Primary`,
      advice: `give the agent on ${names(blind)} MySQL credentials (mysql.optionFile); galera-check status there says why it cannot read them`,
    };
  }
  if (up.length) return nonPrimaryWait(members, up);

  let considered = members;
  let overridden = '';
  const silent = members.filter((m) => !m.answered);
  if (silent.length) {
    const list = silent.map((m) => `${who(m)} (${m.error ?? 'no answer'})`).join(', ');
    // Arbitrators exist to make this majority: garbd that answers is a vote, one that does not is not.
    const quorum = voters.filter((m) => m.answered).length > voters.length / 2;
    considered = members.filter((m) => m.answered);
    // A clean shutdown leaves safe_to_bootstrap: 1 on the last node to leave only. When every
    // member that answers left cleanly with 0, the last one is among the silent: it ran after them.
    const cleanZero = considered.filter(
      (m) =>
        !fresh(m) &&
        m.safeToBootstrap === false &&
        (m.seqnoSource === undefined ? seq(m) >= 0n : m.seqnoSource === 'grastate'),
    );
    const lastIsSilent = cleanZero.length > 0 && considered.every((m) => fresh(m) || cleanZero.includes(m));
    // The would-be winner left cleanly with safe_to_bootstrap: 0, so a member ran after it; when no
    // answering member that crashed is as far, that member is among the silent ones.
    const top = [...considered].sort(rank).at(0);
    const topLeftEarly =
      top &&
      !fresh(top) &&
      top.safeToBootstrap === false &&
      top.seqnoSource === 'grastate' &&
      !considered.some((m) => m !== top && m.seqnoSource === 'recovered' && seq(m) >= seq(top));
    const seenAhead = top ? silent.filter((m) => m.lastSeenSeqno !== undefined && m.lastSeenSeqno > seq(top)) : [];
    // Stopped is the only status from which a member that then falls silent cannot have started a
    // cluster behind this node's back: its initiator would have had to be seen first.
    const seenActive = silent.filter((m) => m.lastSeenStatus !== undefined && m.lastSeenStatus !== 'stopped');
    if (policy.force) {
      overridden = `FORCED (--force) without ${list}`;
    } else if (seenActive.length && policy.quorumAfterMs > 0) {
      const one = seenActive.length === 1;
      return {
        action: 'wait',
        waitingFor: silent.map(who),
        reason: `no bootstrap on incomplete information: waiting for ${list}; ${seenActive.map((m) => `${who(m)} was seen ${m.lastSeenStatus ?? '?'}`).join(', ')} and fell silent: ${one ? 'it' : 'they'} may have started a cluster since, so the quorum policy does not pass ${one ? 'it' : 'them'}`,
        advice: `bring back ${names(seenActive)} (or ${one ? 'its agent' : 'their agents'}); only if ${one ? 'it is' : 'they are'} down for good: galera-init --force on the most advanced node`,
      };
    } else if (seenAhead.length && policy.quorumAfterMs > 0) {
      return {
        action: 'wait',
        waitingFor: silent.map(who),
        reason: `no bootstrap on incomplete information: waiting for ${list}; ${seenAhead.map((m) => `${who(m)} was seen at seqno ${m.lastSeenSeqno}`).join(', ')}, ahead of every member that answers, so the quorum policy does not pass it`,
        advice: `bring back ${names(seenAhead)}; galera-init --force on the most advanced node accepts the loss`,
      };
    } else if (policy.quorumAfterMs > 0 && considered.every((m) => fresh(m) && m.userData !== true)) {
      return {
        action: 'wait',
        waitingFor: silent.map(who),
        reason: `no bootstrap on incomplete information: waiting for ${list}; no member that answers has Galera state or user data, and ${names(silent)} may hold some, so the quorum policy does not pass ${silent.length > 1 ? 'them' : 'it'}`,
        advice: `start the agent (or the host) of ${names(silent)}; to bootstrap without ${silent.length > 1 ? 'them' : 'it'}, accepting the loss of what only ${silent.length > 1 ? 'they have' : 'it has'}: galera-init --force on the node to keep`,
      };
    } else if (
      policy.quorumAfterMs > 0 &&
      quorum &&
      waitedMs >= policy.quorumAfterMs &&
      !lastIsSilent &&
      !topLeftEarly
    ) {
      overridden = `quorum policy after ${Math.round(waitedMs / 1000)} s of silence from ${list}`;
    } else {
      const why =
        lastIsSilent || topLeftEarly
          ? `; ${lastIsSilent || top === undefined ? 'every member that answers' : who(top)} left cleanly with safe_to_bootstrap: 0, so the last to leave is among ${names(silent)}`
          : policy.quorumAfterMs > 0 && !quorum
            ? ' (the quorum policy needs a majority of answers)'
            : '';
      return {
        action: 'wait',
        waitingFor: silent.map(who),
        reason: `no bootstrap on incomplete information: waiting for ${list}${why}`,
        advice: `start the agent (or the host) of ${names(silent)}; to bootstrap without ${silent.length > 1 ? 'them' : 'it'}, accepting the loss of what only ${silent.length > 1 ? 'they have' : 'it has'}: galera-init --force on the most advanced node`,
      };
    }
  }

  const locked = considered.filter((m) => !m.self && isLocked(m));
  if (locked.length) {
    const holders = locked.map((m) => `${who(m)}${m.lockPid ? ` (pid ${m.lockPid})` : ''}`).join(', ');
    return {
      action: 'wait',
      retry: true,
      waitingFor: locked.map(who),
      reason: `${holders} locked (another initiator is deciding, or a recovery runs): retrying`,
      advice: `if it lasts, galera-check status on ${names(locked)} says who holds the lock`,
    };
  }

  // A node that has state but no seqno yet (a crash whose recovery is pending or failed, or a
  // damaged grastate.dat) may be the most advanced one: nobody may bootstrap past it.
  const unknownSeqno = considered.filter(positionUnknown);
  if (unknownSeqno.length && !policy.force) {
    const unreadable = unknownSeqno.filter((m) => m.seqnoSource === 'unreadable');
    const stuck = unknownSeqno.filter((m) => (m.prepared ?? 0) > 0);
    const detail = unreadable.length
      ? `; on ${names(unreadable)} grastate.dat is missing or damaged and recovery found no position`
      : stuck.length
        ? `; the crash left prepared transactions on ${stuck.map((m) => `${who(m)} (${m.prepared})`).join(', ')}, which stop the recovery`
        : ' (recovery pending or failed)';
    // A rollback here could discard what only this node has, were it the one to bootstrap: the
    // operator decides which node that is.
    const fix = stuck.length
      ? ` (on ${names(stuck)} it first rolls the prepared transactions back; a node that is not the most advanced does that by itself once a cluster runs, with recovery.heuristicRollback)`
      : '';
    return {
      action: 'wait',
      waitingFor: unknownSeqno.map(who),
      reason: `seqno unknown on ${names(unknownSeqno)}${detail}: it may be the most advanced node`,
      advice: `galera-check seqno on ${names(unknownSeqno)} says why; once you know which node is the most advanced: galera-init --force there${fix}`,
    };
  }
  if (unknownSeqno.length)
    overridden = overridden || `FORCED (--force) past the unknown seqno of ${names(unknownSeqno)}`;

  const states = considered.filter((m) => !fresh(m) && seq(m) >= 0n);
  const uuids = new Set(states.map((m) => m.uuid));
  if (uuids.size > 1) {
    const detail = states.map((m) => `${who(m)}=${m.uuid}`).join(', ');
    return {
      action: 'refuse',
      reason: `members belong to different cluster states (${detail}): their seqnos are not comparable`,
      advice: 'choose the node to keep by hand and bootstrap it (galera_new_cluster); the others then join',
    };
  }

  const own = ownData(self, considered, policy, overridden);
  if (own.decision) return own.decision;
  considered = own.considered;
  overridden = own.overridden;

  const winner = [...considered].sort(rank)[0];
  const marked = belowHighWaterMark(considered, winner, policy, overridden);
  if (marked) return marked;
  const why = `most advanced: seqno ${seq(winner)}${winner.safeToBootstrap ? ', safe_to_bootstrap=1' : ''} (${considered.map((m) => `${who(m)}:${seq(m)}`).join(' ')})`;
  if (winner.self) {
    const note = overridden || (policy.force ? 'FORCED (--force), though every member answered' : '');
    return {
      action: 'bootstrap',
      forced: note !== '',
      reason: `${note ? `${note}; ` : ''}bootstrapping: this node is the ${why}`,
    };
  }
  return {
    action: 'wait',
    waitingFor: [who(winner)],
    reason: `${who(winner)} is the ${why}: waiting for it to bootstrap, then joining`,
    advice: `run galera-init on ${who(winner)}`,
  };
}

/**
 * User data outside any Galera history (a conversion of standalone servers): its holder is the
 * only bootstrap candidate; two claims (two holders, or a holder and a Galera history) are the
 * operator's choice. Returns a decision, or the members the seqno ranking goes on with.
 */
function ownData(
  self: MemberFacts,
  considered: MemberFacts[],
  policy: Policy,
  overridden: string,
): { decision?: Decision; considered: MemberFacts[]; overridden: string } {
  const unknown = considered.filter(dataUnknown);
  if (unknown.length && !policy.force) {
    const one = unknown.length === 1;
    return {
      considered,
      overridden,
      decision: {
        action: 'wait',
        waitingFor: unknown.map(who),
        reason: `${names(unknown)} ${one ? 'has' : 'have'} no Galera state and ${one ? 'its' : 'their'} user data is unknown (galeraUserData): ${one ? 'it' : 'they'} may hold data that a bootstrap elsewhere would replace`,
        advice: `galera-check status on ${names(unknown)} says why the datadir's schemas cannot be read (the userdata source), or upgrade ${one ? 'its' : 'their'} galera-agentx; to go on without knowing: galera-init --force on the node to keep`,
      },
    };
  }
  if (unknown.length) overridden = overridden || `FORCED (--force) past the unknown user data of ${names(unknown)}`;
  // A holder that acknowledged the loss (on this node) gives up its claim: it waits to join.
  const holders = considered.filter((m) => holdsOwnData(m) && !(m.self && acknowledged(m, policy)));
  if (!holders.length) return { considered, overridden };
  const history = considered.filter((m) => !fresh(m));
  const claims = holders.length + (history.length ? 1 : 0);
  if (claims === 1) {
    const h = holders[0];
    // A datadir restored without grastate.dat looks like a standalone server's: the marks say
    // whether a Galera history it would replace was further on.
    const marked = belowHighWaterMark(considered, h, policy, overridden);
    if (marked) return { considered, overridden, decision: marked };
    const why = `${heldBy(h)} holds user data and no member has Galera state: it is the only candidate (${considered.map((m) => `${who(m)}:${m.userData === true ? 'data' : 'empty'}`).join(' ')})`;
    if (h.self) {
      const note = overridden || (policy.force ? 'FORCED (--force), though every member answered' : '');
      return {
        considered,
        overridden,
        decision: {
          action: 'bootstrap',
          forced: note !== '',
          reason: `${note ? `${note}; ` : ''}bootstrapping: ${why}`,
        },
      };
    }
    return {
      considered,
      overridden,
      decision: {
        action: 'wait',
        waitingFor: [who(h)],
        reason: `${why}: waiting for it to bootstrap, then joining`,
        advice: `run galera-init on ${who(h)}`,
      },
    };
  }
  const top = history.length ? [...history].sort(rank)[0] : null;
  const list = [
    ...holders.map(heldBy),
    ...(top ? [`${names(history)} (Galera state ${top.uuid ?? '?'}, seqno ${seq(top)})`] : []),
  ].join('; ');
  const reason = `user data on more than one member outside one Galera history: ${list}; a bootstrap keeps one and the others lose theirs to state transfers`;
  const advice = `choose what to keep and run galera-init --force on that node; then on each other holder: galera-init --discard-data=<its schemas>${top ? ' (on a node with Galera state: galera-init --force)' : ''}`;
  const selfClaims = holders.includes(self) || history.includes(self);
  if (policy.force && selfClaims) {
    const note = `FORCED (--force): keeping this node's data over ${list}`;
    if (holders.includes(self))
      return {
        considered,
        overridden,
        decision: {
          action: 'bootstrap',
          forced: true,
          reason: `${note}; bootstrapping: this node holds ${schemasOf(self)}`,
        },
      };
    // This node's history is kept: its most advanced member bootstraps, as without user data.
    return { considered: considered.filter((m) => !holders.includes(m)), overridden: overridden || note };
  }
  if (selfClaims) return { considered, overridden, decision: { action: 'refuse', reason, advice } };
  const all = [...holders, ...history];
  return {
    considered,
    overridden,
    decision: {
      action: 'wait',
      waitingFor: all.map(who),
      reason: `${reason}: this node ${acknowledged(self, policy) ? 'gave its data up' : 'holds none'}; waiting for the operator's choice, then joining`,
      advice,
    },
  };
}

/**
 * The high-water-mark rule: no bootstrap from a candidate below the highest mark any answered
 * member holds for the candidate's history (or any mark, when the candidate has no state at all),
 * less that mark's tolerance. Positions can go backwards (a datadir restored from an old copy, a
 * replaced disk, an emptied datadir); marks cannot, so the transactions the mark counts would be
 * lost. The candidate refuses unless forced, naming what it discards; the others wait for it.
 */
function belowHighWaterMark(
  considered: MemberFacts[],
  winner: MemberFacts,
  policy: Policy,
  overridden: string,
): Decision | null {
  const top = seq(winner);
  let worst: { holder: MemberFacts; mark: MarkFacts } | null = null;
  for (const m of considered) {
    const mark = m.mark;
    if (!mark || mark.seqno < 0n) continue;
    if (!fresh(winner) && mark.uuid !== winner.uuid) continue;
    if (top >= mark.seqno - mark.tolerance) continue;
    if (!worst || mark.seqno > worst.mark.seqno) worst = { holder: m, mark };
  }
  if (!worst) return null;
  const { holder, mark } = worst;
  const lost = mark.seqno - (top < 0n ? 0n : top);
  const plural = lost === 1n ? '' : 's';
  const whose = mark.node === who(holder) ? `${who(holder)} committed` : `${who(holder)} saw ${mark.node} commit`;
  const range = top < 0n ? `1..${mark.seqno}` : `${top + 1n}..${mark.seqno}`;
  const reason = `${who(winner)}, the most advanced member that answers (seqno ${top}), is below the high-water mark: ${whose} seqno ${mark.seqno} in ${mark.uuid}; bootstrapping would lose ${lost} transaction${plural} (seqno ${range}) (tolerance ${mark.tolerance}: ${mark.rule})`;
  const advice = `bring back the data of ${mark.node}, which had them (its datadir may have been restored from an older copy or replaced: galera-check mark there says so), then run galera-init again; to accept the loss: galera-init --force on ${who(winner)}`;
  if (!winner.self) {
    return {
      action: 'wait',
      waitingFor: [...new Set([mark.node, who(winner)])],
      reason: `no bootstrap below the high-water mark: ${reason}`,
      advice,
    };
  }
  if (!policy.force) return { action: 'refuse', reason: `no bootstrap below the high-water mark: ${reason}`, advice };
  const prior = overridden ? `${overridden}; ` : '';
  return {
    action: 'bootstrap',
    forced: true,
    reason: `${prior}FORCED (--force) below the high-water mark: discards ${lost} transaction${plural} (seqno ${range}) that ${mark.node} committed; ${reason}; bootstrapping: this node is the most advanced that answers`,
  };
}
