// When the agent may make its non-Primary survivor Primary (init.promoteNonPrimaryAfterSeconds).

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { MemberFacts } from '../../../src/core/decide';
import { promotionDecision } from '../../../src/core/promote';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const m = (id: string, over: Partial<MemberFacts> = {}): MemberFacts => ({
  id,
  name: id,
  self: false,
  answered: true,
  status: 'stopped',
  seqno: 10n,
  seqnoSource: 'recovered',
  uuid: U,
  safeToBootstrap: false,
  ...over,
});
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
