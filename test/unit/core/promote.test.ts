// When the agent may make its non-Primary survivor Primary (init.promoteNonPrimaryAfterSeconds).

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { MemberFacts } from '../../../src/core/decide';
import { promotionDecision } from '../../../src/core/promote';
import { memberOf } from '../../helpers/members';

const m = memberOf();
const survivor = (over: Partial<MemberFacts> = {}): MemberFacts =>
  m('s', { self: true, status: 'running', clusterStatus: 'nonPrimary', seqno: 12n, seqnoSource: 'live', ...over });
const on = { nonPrimaryMs: 30000, afterMs: 30000 };

describe('promoting a non-Primary survivor', () => {
  const cases: [string, MemberFacts, MemberFacts[], Partial<typeof on>, boolean, RegExp][] = [
    [
      'every member answered, none Primary, this node ahead',
      survivor(),
      [m('b', { seqno: 11n }), m('c', { seqno: 12n })],
      {},
      true,
      /non-Primary for 30 s; every member answered, none is Primary, and this node is the most advanced \(s:12 b:11 c:12\)/,
    ],
    ['off by default', survivor(), [m('b')], { afterMs: 0 }, false, /promotion is off/],
    ['not long enough', survivor(), [m('b')], { nonPrimaryMs: 29000 }, false, /non-Primary for 29 s of 30 s/],
    [
      'the local server is Primary',
      survivor({ clusterStatus: 'primary' }),
      [m('b')],
      {},
      false,
      /not running non-Primary/,
    ],
    ['the local server does not run', survivor({ status: 'stopped' }), [m('b')], {}, false, /not running non-Primary/],
    [
      'a member does not answer: it may be a Primary partition',
      survivor(),
      [m('b'), m('c', { answered: false, error: 'timeout' })],
      {},
      false,
      /c did not answer/,
    ],
    [
      'a member runs Primary',
      survivor(),
      [m('b', { status: 'running', clusterStatus: 'primary', seqno: 3n })],
      {},
      false,
      /b runs or starts a Primary component/,
    ],
    ['a member bootstraps', survivor(), [m('b', { status: 'bootstrapping' })], {}, false, /b runs or starts/],
    ['a member is ahead', survivor(), [m('b', { seqno: 13n })], {}, false, /b is ahead \(seqno 13\)/],
    [
      "a member's seqno is unknown",
      survivor(),
      [m('b', { seqno: -1n, seqnoSource: 'unreadable', uuid: null })],
      {},
      false,
      /seqno of b is unknown/,
    ],
    [
      'a tie: only the first identity promotes',
      survivor({ name: 'z' }),
      [m('b', { seqno: 12n, status: 'running', clusterStatus: 'nonPrimary' })],
      {},
      false,
      /b ranks first/,
    ],
    ['a member answers as this node', survivor(), [m('s-alias', { name: 's' })], {}, false, /answer as this node/],
    [
      'a running member whose cluster status is unknown (stale, or an old agent)',
      survivor(),
      [m('b', { status: 'running', clusterStatus: 'unknown', seqno: 12n })],
      {},
      false,
      /cluster status of b is unknown: it may be Primary/,
    ],
    [
      'a member holds its initiator lock',
      survivor(),
      [m('b', { status: 'initiating', lockPid: 77 })],
      {},
      false,
      /b holds its initiator lock/,
    ],
    [
      'the last Primary component had more members than the list',
      survivor(),
      [m('b')],
      { savedMembers: 7 } as Partial<typeof on>,
      false,
      /had 7 members, the member list has 2/,
    ],
    [
      'a member recovered at -1 (no transaction yet) is a known position',
      survivor({ seqno: 0n }),
      [m('b', { seqno: -1n })],
      {},
      true,
      /most advanced/,
    ],
  ];
  for (const [what, self, peers, over, want, reason] of cases) {
    it(`${what} -> ${want ? 'promote' : 'no'}`, () => {
      const d = promotionDecision({ self, peers, ...on, ...over });
      assert.equal(d.promote, want, d.reason);
      assert.match(d.reason, reason);
    });
  }

  it('two survivors never both promote, whatever they see (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seqno: fc.bigInt({ min: 0n, max: 5n }), up: fc.boolean(), safe: fc.boolean() }), {
          minLength: 2,
          maxLength: 6,
        }),
        (spec) => {
          const views = spec.map((_, self) =>
            spec.map((s, i) =>
              m(`n${i}`, {
                self: i === self,
                seqno: s.seqno,
                safeToBootstrap: s.safe,
                ...(s.up ? { status: 'running', clusterStatus: 'nonPrimary', seqnoSource: 'live' } : {}),
              }),
            ),
          );
          const promoted = views.filter(
            (v) => promotionDecision({ self: v.find((x) => x.self)!, peers: v.filter((x) => !x.self), ...on }).promote,
          );
          assert.ok(promoted.length <= 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('promoting a non-Primary survivor: the exact reason of each refusal, and each boundary', () => {
  // Written out from the rule each line states; the reason is what the agent logs and an operator reads.
  const run = (id: string, over: Partial<MemberFacts> = {}): MemberFacts =>
    m(id, { status: 'running', clusterStatus: 'nonPrimary', seqno: 12n, seqnoSource: 'live', ...over });
  const cases: [string, MemberFacts, MemberFacts[], Partial<typeof on & { savedMembers: number }>, string][] = [
    ['off', survivor(), [m('b')], { afterMs: 0 }, 'promotion is off (init.promoteNonPrimaryAfterSeconds: 0)'],
    [
      'the local server is Primary',
      survivor({ clusterStatus: 'primary' }),
      [m('b')],
      {},
      'the local server is not running non-Primary',
    ],
    [
      'the local server is stopped',
      survivor({ status: 'stopped' }),
      [m('b')],
      {},
      'the local server is not running non-Primary',
    ],
    ['not yet: rounded seconds', survivor(), [m('b')], { nonPrimaryMs: 29400 }, 'non-Primary for 29 s of 30 s'],
    [
      'a twin of this node',
      survivor(),
      [m('s-alias', { name: 's' })],
      {},
      's-alias answer as this node: the member list names it twice',
    ],
    [
      'a silent member',
      survivor(),
      [m('b', { answered: false })],
      {},
      'b did not answer (a partition may be Primary on its side)',
    ],
    [
      'the saved component had more members than the list',
      survivor(),
      [m('b'), m('c')],
      { savedMembers: 4 },
      'the last Primary component had 4 members, the member list has 3: list every member (init.members)',
    ],
    [
      'one Primary member',
      survivor(),
      [m('b', { status: 'running', clusterStatus: 'primary' }), m('c')],
      {},
      'b runs or starts a Primary component',
    ],
    [
      'two Primary or starting members',
      survivor(),
      [m('b', { status: 'bootstrapping' }), m('c', { status: 'running', clusterStatus: 'primary' })],
      {},
      'b, c run or start a Primary component',
    ],
    [
      'a running member whose cluster status is unknown',
      survivor(),
      [m('b', { status: 'running' })],
      {},
      'the cluster status of b is unknown: it may be Primary',
    ],
    [
      'one member locked',
      survivor(),
      [m('b', { status: 'locked' })],
      {},
      'b holds its initiator lock: an initiator is deciding there',
    ],
    [
      'two members holding a lock (one stopped with a lock PID)',
      survivor(),
      [m('b', { status: 'locked' }), m('c', { lockPid: 42 })],
      {},
      'b, c hold their initiator lock: an initiator is deciding there',
    ],
    [
      'a member whose position is unknown',
      survivor(),
      [m('b', { seqno: -1n, seqnoSource: 'unknown' })],
      {},
      'the seqno of b is unknown',
    ],
    [
      'a member that says no seqno at all, with data',
      survivor(),
      [m('b', { seqno: undefined, seqnoSource: undefined })],
      {},
      'the seqno of b is unknown',
    ],
    ['one member ahead', survivor(), [m('b', { seqno: 13n })], {}, 'b is ahead (seqno 13)'],
    [
      'two members ahead',
      survivor(),
      [m('b', { seqno: 13n }), m('c', { seqno: 14n })],
      {},
      'b, c are ahead (seqno 13, 14)',
    ],
    [
      'another survivor as far ranks first by identity',
      survivor(),
      [run('a')],
      {},
      'a ranks first among the survivors at seqno 12',
    ],
  ];
  for (const [what, self, peers, o, reason] of cases) {
    it(what, () => assert.deepEqual(promotionDecision({ self, peers, ...on, ...o }), { promote: false, reason }));
  }

  const yes: [string, MemberFacts, MemberFacts[], Partial<typeof on & { savedMembers: number }>, string][] = [
    ['exactly as many saved members as listed', survivor(), [m('b'), m('c')], { savedMembers: 3 }, 's:12 b:10 c:10'],
    ['fewer saved members than listed', survivor(), [m('b'), m('c')], { savedMembers: 2 }, 's:12 b:10 c:10'],
    [
      'a stopped member with a grastate.dat at -1 is known',
      survivor(),
      [m('b', { seqno: -1n, seqnoSource: 'grastate' })],
      {},
      's:12 b:-1',
    ],
    [
      'a fresh member (no UUID) is no unknown',
      survivor(),
      [m('b', { seqno: -1n, seqnoSource: 'unknown', uuid: null })],
      {},
      's:12 b:-1',
    ],
    [
      'a running non-Primary member holding a lock PID is no initiator',
      survivor(),
      [run('t', { seqno: 11n, lockPid: 9 })],
      {},
      's:12 t:11',
    ],
    [
      'a Disconnected running member is not Primary',
      survivor(),
      [run('t', { clusterStatus: 'disconnected', seqno: 11n })],
      {},
      's:12 t:11',
    ],
    [
      'at seqno 0, a fresh member without a seqno is not ahead',
      survivor({ seqno: 0n }),
      [m('b', { seqno: undefined, seqnoSource: undefined, uuid: null })],
      {},
      's:0 b:-1',
    ],
    ['the other survivor as far ranks after this one', survivor(), [run('z')], {}, 's:12 z:12'],
  ];
  for (const [what, self, peers, o, positions] of yes) {
    it(`promotes: ${what}`, () =>
      assert.deepEqual(promotionDecision({ self, peers, ...on, ...o }), {
        promote: true,
        reason: `non-Primary for 30 s; every member answered, none is Primary, and this node is the most advanced (${positions})`,
      }));
  }
});

describe('promoting a non-Primary survivor: lists of several, and facts that only look alarming', () => {
  const run = (id: string, over: Partial<MemberFacts> = {}): MemberFacts =>
    m(id, { status: 'running', clusterStatus: 'nonPrimary', seqno: 12n, seqnoSource: 'live', ...over });
  const no: [string, MemberFacts[], string][] = [
    [
      'two twins',
      [m('s1', { name: 's' }), m('s2', { name: 's' })],
      's1, s2 answer as this node: the member list names it twice',
    ],
    [
      'two silent members',
      [m('b', { answered: false }), m('c', { answered: false })],
      'b, c did not answer (a partition may be Primary on its side)',
    ],
    [
      'two members whose cluster status is unknown',
      [m('b', { status: 'running' }), m('c', { status: 'running' })],
      'the cluster status of b, c is unknown: it may be Primary',
    ],
    [
      'two members whose position is unknown',
      [m('b', { seqno: -1n, seqnoSource: 'unknown' }), m('c', { seqno: -1n, seqnoSource: 'unknown' })],
      'the seqno of b, c is unknown',
    ],
  ];
  for (const [what, peers, reason] of no) {
    it(what, () => assert.deepEqual(promotionDecision({ self: survivor(), peers, ...on }), { promote: false, reason }));
  }
  const yes: [string, MemberFacts[], string][] = [
    [
      'a stopped member whose last cluster status said Primary is not Primary now',
      [m('b', { clusterStatus: 'primary' })],
      's:12 b:10',
    ],
    ['a stopped member at the same seqno is no survivor: it does not rank', [m('a', { seqno: 12n })], 's:12 a:12'],
    ['a running non-Primary member behind does not rank', [run('a', { seqno: 11n })], 's:12 a:11'],
  ];
  for (const [what, peers, positions] of yes) {
    it(`promotes: ${what}`, () =>
      assert.deepEqual(promotionDecision({ self: survivor(), peers, ...on }), {
        promote: true,
        reason: `non-Primary for 30 s; every member answered, none is Primary, and this node is the most advanced (${positions})`,
      }));
  }
});
