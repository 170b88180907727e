// The opt-in way out of a non-Primary survivor (init.promoteNonPrimaryAfterSeconds): whether this
// node's agent may make its own non-Primary server bootstrap a Primary component
// (pc.bootstrap=YES). Galera keeps a survivor non-Primary until every member of the last Primary
// component is back; when members are gone for good somebody has to say "go on without them".
// This says it only when nobody could be hurt by it:
//   - every other member's agent answered (an unreachable member may be a partition that is
//     Primary on its side: promoting here would make two clusters);
//   - none of them runs a server in a Primary component, or is starting one;
//   - every member's position is known and none is ahead of this node; among survivors as far
//     ahead, this one ranks first by (safe_to_bootstrap, identity): two never both promote.

import { MemberFacts, fresh, rank, who } from './decide';

export interface PromotionInput {
  self: MemberFacts;
  peers: MemberFacts[];
  /** How long this node's server has been non-Primary (ms); 0 when it is not. */
  nonPrimaryMs: number;
  /** init.promoteNonPrimaryAfterSeconds in ms; 0: never. */
  afterMs: number;
  /** Members of the last Primary component this node saved (gvwstate.dat), when it knows. */
  savedMembers?: number;
}

export type Promotion = { promote: true; reason: string } | { promote: false; reason: string };

export function promotionDecision(i: PromotionInput): Promotion {
  const no = (reason: string): Promotion => ({ promote: false, reason });
  if (i.afterMs <= 0) return no('promotion is off (init.promoteNonPrimaryAfterSeconds: 0)');
  if (i.self.status !== 'running' || i.self.clusterStatus !== 'nonPrimary')
    return no('the local server is not running non-Primary');
  if (i.nonPrimaryMs < i.afterMs)
    return no(`non-Primary for ${Math.round(i.nonPrimaryMs / 1000)} s of ${Math.round(i.afterMs / 1000)} s`);
  const twins = i.peers.filter((m) => m.answered && m.name === i.self.name);
  if (twins.length)
    return no(`${twins.map((m) => m.id).join(', ')} answer as this node: the member list names it twice`);
  const silent = i.peers.filter((m) => !m.answered);
  if (silent.length) return no(`${silent.map(who).join(', ')} did not answer (a partition may be Primary on its side)`);
  // A member outside the list cannot be asked: it may be Primary on its side.
  if (i.savedMembers !== undefined && i.savedMembers > i.peers.length + 1) {
    return no(
      `the last Primary component had ${i.savedMembers} members, the member list has ${i.peers.length + 1}: list every member (init.members)`,
    );
  }
  const primary = i.peers.filter(
    (m) => (m.status === 'running' && m.clusterStatus === 'primary') || m.status === 'bootstrapping',
  );
  if (primary.length)
    return no(
      `${primary.map(who).join(', ')} ${primary.length > 1 ? 'run or start' : 'runs or starts'} a Primary component`,
    );
  // A server whose cluster status its agent cannot read now (an old agent, a lost MySQL connection)
  // may be Primary.
  const blind = i.peers.filter(
    (m) => m.status === 'running' && m.clusterStatus !== 'nonPrimary' && m.clusterStatus !== 'disconnected',
  );
  if (blind.length) return no(`the cluster status of ${blind.map(who).join(', ')} is unknown: it may be Primary`);
  const locked = i.peers.filter((m) => m.status === 'locked' || (m.status !== 'running' && (m.lockPid ?? 0) > 0));
  if (locked.length)
    return no(
      `${locked.map(who).join(', ')} ${locked.length > 1 ? 'hold their' : 'holds its'} initiator lock: an initiator is deciding there`,
    );
  const all = [i.self, ...i.peers];
  const unknown = all.filter(
    (m) => !fresh(m) && (m.seqno ?? -1n) < 0n && m.seqnoSource !== 'recovered' && m.seqnoSource !== 'grastate',
  );
  if (unknown.length) return no(`the seqno of ${unknown.map(who).join(', ')} is unknown`);
  const mine = i.self.seqno ?? -1n;
  const ahead = all.filter((m) => (m.seqno ?? -1n) > mine);
  if (ahead.length)
    return no(
      `${ahead.map(who).join(', ')} ${ahead.length > 1 ? 'are' : 'is'} ahead (seqno ${ahead.map((m) => m.seqno).join(', ')})`,
    );
  // Among survivors as advanced as this one, one order on every node: only the first promotes.
  const first = all.filter((m) => m.status === 'running' && (m.seqno ?? -1n) === mine).sort(rank)[0];
  if (!first.self) return no(`${who(first)} ranks first among the survivors at seqno ${mine}`);
  return {
    promote: true,
    reason: `non-Primary for ${Math.round(i.nonPrimaryMs / 1000)} s; every member answered, none is Primary, and this node is the most advanced (${all.map((m) => `${who(m)}:${m.seqno ?? -1n}`).join(' ')})`,
  };
}
