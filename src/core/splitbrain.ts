// The split-brain rule, as a pure function of what the members' agents answered in one round of the
// watch (daemon/watch.ts) and what the previous round decided: is there more than one Primary
// component, and must this node stop taking traffic?
//
// Why each guard:
// - A member whose agent does not answer is unknown, never a side: a dead agent is no split.
// - Two Primary answers with the same state UUID are one component seen at two moments when their
//   sizes add up to more than the members there are (they share a member): a view change caught
//   half-way, never a split. They are two components when the sizes fit side by side.
// - Fencing acts on a verdict that every member's node can compute from the same answers: it needs
//   every member to answer (an unknown member could be on either side), exactly two sides, and
//   answers that can all be true at once (sizes within the member count, no side with more members
//   claiming it than its size). Then every node orders the same two sides the same way, and the
//   larger one is never fenced: lying answers can make a node fence itself wrongly, or fence
//   nobody, but never both sides. (An agent that tells each asker something different is outside
//   this: no rule on answers survives that.)
// - The same side must come out on top in two consecutive rounds before anything is fenced.

/** What one member's agent said about its server's component, or why nothing usable came back. */
export type MemberView =
  | { id: string; kind: 'unknown'; why: string }
  | { id: string; kind: 'notPrimary'; name: string }
  | {
      id: string;
      kind: 'primary';
      name: string;
      uuid: string;
      confId: bigint;
      size: number;
      lastCommitted: bigint;
    };

export interface SplitInput {
  /** How many members the cluster has (the configured member list, this node included). */
  members: number;
  /** This node, from its own server (trusted). */
  self: MemberView;
  /** The other members, as their agents answered this round. */
  peers: MemberView[];
  /** The side on top in the previous round, or null (no split, or no decision). */
  previousTop: string | null;
}

/** One Primary component, as the answers show it. */
export interface Side {
  key: string;
  uuid: string;
  confId: bigint;
  size: number;
  /** The highest last committed seqno among its members that answered. */
  position: bigint;
  /** The names of its members that answered. */
  members: string[];
  self: boolean;
}

export interface SplitVerdict {
  /**
   * clear: every member answered and one Primary component at most; incomplete: no split seen,
   * but not everyone answered.
   */
  state: 'clear' | 'split' | 'incomplete';
  /** Every Primary component seen, the one on top first (by size, then position). */
  sides: Side[];
  /** The members that did not answer usably, with why. */
  unknown: string[];
  /** The side on top when the answers allow a decision (exactly two, consistent, all answered). */
  top: string | null;
  /** This node must not take traffic. */
  fenced: boolean;
  reason: string;
}

type Primary = Extract<MemberView, { kind: 'primary' }>;

const keyOf = (p: Primary): string => `${p.uuid}/${p.confId}/${p.size}`;

/** Two components that cannot be one seen at two moments: both Primary at once means a split. */
const conflict = (a: Side, b: Side, members: number): boolean => a.uuid !== b.uuid || a.size + b.size <= members;

/** Bigger first: size, then position. */
const order = (a: Side, b: Side): number =>
  b.size - a.size || (b.position > a.position ? 1 : b.position < a.position ? -1 : 0);

export const describeSide = (s: Side): string =>
  `${s.members.join(',')} (size ${s.size}, seqno ${s.position}, conf ${s.confId}, uuid ${s.uuid})`;

export function splitVerdict(i: SplitInput): SplitVerdict {
  const views = [i.self, ...i.peers];
  const unknown = views.filter((v) => v.kind === 'unknown').map((v) => `${v.id}: ${v.why}`);
  const bySide = new Map<string, Side>();
  for (const v of views) {
    if (v.kind !== 'primary') continue;
    const key = keyOf(v);
    let s = bySide.get(key);
    if (!s) {
      s = { key, uuid: v.uuid, confId: v.confId, size: v.size, position: v.lastCommitted, members: [], self: false };
      bySide.set(key, s);
    }
    s.members.push(v.name);
    if (v.lastCommitted > s.position) s.position = v.lastCommitted;
    if (v === i.self) s.self = true;
  }
  // Names sorted: every node words the same side the same way, whoever asks.
  for (const s of bySide.values()) s.members.sort();
  const sides = [...bySide.values()].sort(order);
  const split = sides.some((a, x) => sides.some((b, y) => x < y && conflict(a, b, i.members)));
  const verdict = (fields: Pick<SplitVerdict, 'top' | 'fenced' | 'reason'>): SplitVerdict => ({
    state: split ? 'split' : unknown.length ? 'incomplete' : 'clear',
    sides: split ? sides : [],
    unknown,
    ...fields,
  });
  if (!split) {
    return verdict({
      top: null,
      fenced: false,
      reason: unknown.length
        ? `no split seen; not every member answered (${unknown.join('; ')})`
        : sides.length
          ? `one Primary component: ${sides.map(describeSide).join(' / ')}`
          : 'no Primary component',
    });
  }
  const alertOnly = (why: string): SplitVerdict =>
    verdict({ top: null, fenced: false, reason: `${why}: alert only, nothing fenced` });
  if (unknown.length)
    return alertOnly(`not every member answered (${unknown.join('; ')}); an unknown member could be on either side`);
  if (sides.length !== 2) return alertOnly(`${sides.length} Primary components, not two`);
  const total = sides.reduce((n, s) => n + s.size, 0);
  if (total > i.members)
    return alertOnly(
      `the sides' sizes add up to ${total}, more than the ${i.members} members: the answers cannot all be true`,
    );
  const overfull = sides.find((s) => s.members.length > s.size);
  if (overfull)
    return alertOnly(
      `${overfull.members.length} members answer for a side of size ${overfull.size}: the answers cannot all be true`,
    );
  const [top, other] = sides;
  if (top.size === other.size && top.position === other.position)
    return verdict({
      top: null,
      fenced: false,
      reason: `both sides have size ${top.size} and seqno ${top.position}: neither is fenced`,
    });
  const mine = sides.find((s) => s.self);
  const why =
    top.size > other.size
      ? `the larger side (${top.size} > ${other.size})`
      : `of equal size, the more advanced side (seqno ${top.position} > ${other.position})`;
  if (i.previousTop !== top.key)
    return verdict({
      top: top.key,
      fenced: false,
      reason: `${describeSide(top)} is ${why}; fencing waits for the next round to agree`,
    });
  if (!mine)
    return verdict({
      top: top.key,
      fenced: false,
      reason: `this node is in neither side; ${describeSide(top)} is ${why}`,
    });
  if (mine === top) return verdict({ top: top.key, fenced: false, reason: `this node is on ${why}: it keeps serving` });
  return verdict({
    top: top.key,
    fenced: true,
    reason: `this node is on the side that must not take traffic: ${describeSide(top)} is ${why}`,
  });
}

/** What the agent publishes of the watch (galeraWatch in the MIB). */
export interface WatchState {
  state: 'off' | 'clear' | 'split' | 'incomplete';
  fenced: boolean;
  sides: string;
  unknown: string;
  reason: string;
  /** When the last round completed (ms), 0 before the first. */
  at: number;
}
