// The split-brain rule: when two Primary components are a split, and which node stops taking
// traffic. Table cases for each guard, then a property over random partitions, liars and
// unanswered agents: the larger side is never fenced, and two sides are never both fenced.

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MemberView, SplitInput, splitVerdict } from '../../../src/core/splitbrain';

const U1 = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const U2 = '9a1b2c3d-e6d7-11f1-92ef-87e236721ec1';
type P = Extract<MemberView, { kind: 'primary' }>;
const p = (id: string, size: number, lastCommitted: bigint, over: Partial<P> = {}): P => ({
  id,
  kind: 'primary',
  name: id,
  uuid: U1,
  confId: 7n,
  size,
  lastCommitted,
  ...over,
});
const gone = (id: string): MemberView => ({ id, kind: 'unknown', why: 'no answer (timeout)' });
const np = (id: string): MemberView => ({ id, kind: 'notPrimary', name: id });

/** The verdict after two rounds of the same answers: the second one is the one that may fence. */
const settled = (i: Omit<SplitInput, 'previousTop'>) => {
  const first = splitVerdict({ ...i, previousTop: null });
  return { first, second: splitVerdict({ ...i, previousTop: first.top }) };
};

describe('the split-brain rule', () => {
  it('one component, every member answering: clear', () => {
    const v = splitVerdict({
      members: 3,
      self: p('a', 3, 10n),
      peers: [p('b', 3, 10n), p('c', 3, 9n)],
      previousTop: null,
    });
    assert.equal(v.state, 'clear');
    assert.equal(v.fenced, false);
    assert.deepEqual(v.sides, []);
    assert.match(v.reason, /one Primary component: a,b,c \(size 3, seqno 10/);
  });

  it('an agent that does not answer is unknown, never a side', () => {
    const v = splitVerdict({ members: 3, self: p('a', 2, 10n), peers: [p('b', 2, 10n), gone('c')], previousTop: null });
    assert.equal(v.state, 'incomplete');
    assert.deepEqual(v.unknown, ['c: no answer (timeout)']);
    assert.equal(v.fenced, false);
  });

  it('different state UUIDs, both Primary: a split, naming both sides with sizes and positions', () => {
    const v = splitVerdict({
      members: 3,
      self: p('a', 2, 10n),
      peers: [p('b', 2, 12n), p('c', 1, 40n, { uuid: U2, confId: 1n })],
      previousTop: null,
    });
    assert.equal(v.state, 'split');
    assert.deepEqual(
      v.sides.map((s) => [s.members, s.size, s.position, s.uuid]),
      [
        [['a', 'b'], 2, 12n, U1],
        [['c'], 1, 40n, U2],
      ],
    );
  });

  it('same UUID, sizes that fit side by side (pc.bootstrap on a cut-off node): a split', () => {
    const v = splitVerdict({
      members: 3,
      self: p('c', 1, 9n, { confId: 8n }),
      peers: [p('a', 2, 10n), p('b', 2, 10n)],
      previousTop: null,
    });
    assert.equal(v.state, 'split');
  });

  it('same UUID and conf id, different sizes that fit: a split (conf ids can meet on two sides)', () => {
    assert.equal(
      splitVerdict({ members: 3, self: p('c', 1, 9n), peers: [p('a', 2, 10n), p('b', 2, 10n)], previousTop: null })
        .state,
      'split',
    );
  });

  it('same UUID, a view change caught half-way (the sizes share a member): no split', () => {
    // c left: a and b already see conf 8 size 2, c still answers its old view (conf 7 size 3).
    const v = splitVerdict({
      members: 3,
      self: p('a', 2, 10n, { confId: 8n }),
      peers: [p('b', 2, 10n, { confId: 8n }), p('c', 3, 10n)],
      previousTop: null,
    });
    assert.equal(v.state, 'clear');
    assert.equal(v.fenced, false);
  });

  it('the smaller side is fenced, on the second round only; the larger keeps serving', () => {
    const small = settled({
      members: 3,
      self: p('c', 1, 99n, { confId: 8n }),
      peers: [p('a', 2, 10n), p('b', 2, 10n)],
    });
    assert.equal(small.first.fenced, false);
    assert.match(small.first.reason, /waits for the next round/);
    assert.equal(small.second.fenced, true);
    assert.match(small.second.reason, /must not take traffic: a,b \(size 2, seqno 10.*larger side \(2 > 1\)/);
    const large = settled({
      members: 3,
      self: p('a', 2, 10n),
      peers: [p('b', 2, 10n), p('c', 1, 99n, { confId: 8n })],
    });
    assert.equal(large.second.fenced, false);
    assert.match(large.second.reason, /keeps serving/);
  });

  it('equal sizes: the lower last committed seqno is fenced', () => {
    const four = (self: string): ReturnType<typeof settled> => {
      const all = [p('a', 2, 50n), p('b', 2, 49n), p('c', 2, 60n, { uuid: U2 }), p('d', 2, 61n, { uuid: U2 })];
      return settled({ members: 4, self: all.find((m) => m.id === self)!, peers: all.filter((m) => m.id !== self) });
    };
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((n) => four(n).second.fenced),
      [true, true, false, false],
    );
    assert.match(four('a').second.reason, /more advanced side \(seqno 61 > 50\)/);
  });

  it('equal sizes and equal seqnos: both alert, neither is fenced', () => {
    const r = settled({ members: 2, self: p('a', 1, 50n), peers: [p('b', 1, 50n, { uuid: U2 })] });
    assert.equal(r.second.state, 'split');
    assert.equal(r.second.fenced, false);
    assert.match(r.second.reason, /neither is fenced/);
  });

  it('a split with a member unknown alerts but fences nothing', () => {
    const r = settled({
      members: 4,
      self: p('c', 1, 9n, { uuid: U2 }),
      peers: [p('a', 2, 10n), p('b', 2, 10n), gone('d')],
    });
    assert.equal(r.second.state, 'split');
    assert.equal(r.second.fenced, false);
    assert.match(r.second.reason, /d: no answer.*could be on either side: alert only/);
  });

  it('a top side that changes between rounds fences nothing', () => {
    const i = {
      members: 4,
      self: p('a', 2, 50n),
      peers: [p('b', 2, 50n), p('c', 2, 60n, { uuid: U2 }), p('d', 2, 60n, { uuid: U2 })],
    };
    const first = splitVerdict({ ...i, previousTop: null });
    const flipped = splitVerdict({
      ...i,
      self: p('a', 2, 70n),
      peers: [p('b', 2, 70n), ...i.peers.slice(1)],
      previousTop: first.top,
    });
    assert.equal(flipped.fenced, false);
    assert.match(flipped.reason, /waits for the next round/);
  });

  describe('lying answers', () => {
    it('a side claiming more members than the cluster has: alert only', () => {
      const r = settled({ members: 3, self: p('c', 1, 9n, { uuid: U2 }), peers: [p('a', 3, 10n), np('b')] });
      assert.equal(r.second.state, 'split');
      assert.equal(r.second.fenced, false);
      assert.match(r.second.reason, /add up to 4, more than the 3 members/);
    });

    it('more members answering for a side than its size: alert only', () => {
      // b claims a's component (size 1) although a is alone in it.
      const r = settled({ members: 3, self: p('c', 1, 9n, { uuid: U2 }), peers: [p('a', 1, 10n), p('b', 1, 10n)] });
      assert.equal(r.second.fenced, false);
      assert.match(r.second.reason, /2 members answer for a side of size 1/);
    });

    it('a third, invented component: alert only', () => {
      const r = settled({
        members: 3,
        self: p('a', 1, 9n),
        peers: [p('b', 1, 10n, { uuid: U2 }), p('c', 1, 11n, { uuid: '00000000-0000-0000-0000-000000000001' })],
      });
      assert.equal(r.second.fenced, false);
      assert.match(r.second.reason, /3 Primary components, not two/);
    });

    it('one-sided answers: the side that sees the split decides alone, the other sees no split', () => {
      // c sees a and b; a and b cannot reach c's agent.
      const seenByC = settled({
        members: 3,
        self: p('c', 1, 99n, { confId: 8n }),
        peers: [p('a', 2, 10n), p('b', 2, 10n)],
      });
      const seenByA = settled({ members: 3, self: p('a', 2, 10n), peers: [p('b', 2, 10n), gone('c')] });
      assert.equal(seenByC.second.fenced, true);
      assert.equal(seenByA.second.state, 'incomplete');
      assert.equal(seenByA.second.fenced, false);
    });
  });

  it('property: the larger side is never fenced, and two sides are never both fenced', () => {
    const uuids = [U1, U2];
    const claim = fc.record({
      kind: fc.constantFrom('primary', 'notPrimary', 'unknown'),
      uuid: fc.constantFrom(...uuids),
      confId: fc.bigInt(1n, 3n),
      size: fc.integer({ min: 0, max: 6 }),
      lastCommitted: fc.bigInt(0n, 4n),
    });
    const scenario = fc.integer({ min: 2, max: 5 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        // Each node's true component (0: not Primary) and position.
        group: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
        pos: fc.array(fc.bigInt(0n, 4n), { minLength: n, maxLength: n }),
        // A liar answers every asker the same invented claim.
        lie: fc.array(fc.option(claim, { nil: undefined }), { minLength: n, maxLength: n }),
        // Which agents each node cannot reach (one-sided, asymmetric).
        unreachable: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ n, group, pos, lie, unreachable }) => {
        const ids = group.map((_, k) => `n${k}`);
        const truth = (k: number): MemberView => {
          const g = group[k];
          if (g === 0) return np(ids[k]);
          const size = group.filter((x) => x === g).length;
          return p(ids[k], size, pos[k], { uuid: uuids[g - 1], confId: BigInt(g) });
        };
        const published = (k: number): MemberView => {
          const l = lie[k];
          if (!l) return truth(k);
          if (l.kind === 'unknown') return gone(ids[k]);
          if (l.kind === 'notPrimary') return np(ids[k]);
          return p(ids[k], l.size, l.lastCommitted, { uuid: l.uuid, confId: l.confId });
        };
        const fenced = ids.map((_, k) => {
          const peers = ids.flatMap((_, j) => (j === k ? [] : [unreachable[k][j] ? gone(ids[j]) : published(j)]));
          return settled({ members: n, self: truth(k), peers }).second.fenced;
        });
        // Honest nodes only: a liar's own verdict is made from its own truth, but its answers are not.
        const honestFencedGroups = new Set(ids.flatMap((_, k) => (fenced[k] && !lie[k] ? [group[k]] : [])));
        assert.ok(!honestFencedGroups.has(0), 'a non-Primary node is never fenced');
        const primaryGroups = new Set(group.filter((g) => g !== 0));
        // Never every Primary component fenced (when there are two), counting honest members.
        if (primaryGroups.size === 2 && lie.every((l) => !l))
          assert.ok(honestFencedGroups.size < 2, 'both sides fenced');
        if (lie.every((l) => !l) && primaryGroups.size === 2) {
          const size = (g: number): number => group.filter((x) => x === g).length;
          const [g1, g2] = [...primaryGroups];
          const larger = size(g1) > size(g2) ? g1 : size(g2) > size(g1) ? g2 : null;
          if (larger !== null) assert.ok(!honestFencedGroups.has(larger), 'the larger side fenced');
        }
        // With liars, any two honest nodes in different components are never both fenced.
        const honestFenced = ids.flatMap((_, k) => (fenced[k] && !lie[k] && group[k] !== 0 ? [group[k]] : []));
        if (new Set(honestFenced).size > 1) assert.fail(`honest nodes of two components fenced: ${group.join(',')}`);
      }),
      { numRuns: 3000, seed: 20 },
    );
  });
});
