// galera-init's decision with an arbitrator (garbd) among the members: it counts for Primary and
// quorum, never as a data holder or a bootstrap candidate, and nobody waits for its seqno.

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MemberFacts, decide } from '../../../src/core/decide';
import { DecideCase, itDecides, memberOf } from '../../helpers/members';

const m = memberOf({ seqnoSource: 'recovered', userData: false });
// garbd's agent (role: arbitrator): no datadir position, no user data it can read.
const arb = (id: string, over: Partial<MemberFacts> = {}): MemberFacts => ({
  id,
  name: id,
  self: false,
  answered: true,
  status: 'stopped',
  seqno: -1n,
  seqnoSource: 'unknown',
  uuid: null,
  safeToBootstrap: null,
  role: 'arbitrator',
  ...over,
});
// A garbd host with no agent (or its agent down), named in init.arbitrators.
const namedSilent = (id: string): MemberFacts => ({
  id,
  self: false,
  answered: false,
  error: 'no answer (timeout)',
  namedArbitrator: true,
});
const silent = (id: string): MemberFacts => ({ id, self: false, answered: false, error: 'no answer (timeout)' });
const strict = { force: false, quorumAfterMs: 0 };
const quorum = { force: false, quorumAfterMs: 60000 };

type Case = DecideCase;

describe('galera-init decision: arbitrators (garbd)', () => {
  const cases: Case[] = [
    [
      'full crash, garbd named in init.arbitrators and silent: the most advanced data node bootstraps',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 10n }), namedSilent('g')],
      'bootstrap',
      /^bootstrapping: this node is the most advanced: seqno 12 \(a:12 b:10\)$/,
    ],
    [
      'full crash, garbd named and silent, seen from the node behind: it waits for the data node, not garbd',
      [m('b', { self: true, seqno: 10n }), m('a', { seqno: 12n }), namedSilent('g')],
      'wait',
      /^a is the most advanced: seqno 12/,
      { waitingFor: ['a'] },
    ],
    [
      "full crash, garbd's agent answers (garbd stopped, no position, user data unknown): not waited for",
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 10n }), arb('g', { userData: undefined })],
      'bootstrap',
      /^bootstrapping: this node is the most advanced: seqno 12 \(a:12 b:10\)$/,
    ],
    [
      'garbd still runs (non-Primary after losing both data nodes; its agent cannot read a cluster status)',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 10n }), arb('g', { status: 'running' })],
      'bootstrap',
      /^bootstrapping: this node is the most advanced/,
    ],
    [
      'an arbitrator is never a candidate, whatever seqno its agent shows',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 10n }), arb('g', { seqno: 99n, uuid: m('x').uuid })],
      'bootstrap',
      /\(a:12 b:10\)$/,
    ],
    [
      'an arbitrator that holds the lock is not a data node deciding',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 10n }), arb('g', { lockPid: 77 })],
      'bootstrap',
      /^bootstrapping/,
    ],
    [
      'a silent data node is still waited for, with garbd answering',
      [m('a', { self: true, seqno: 12n }), silent('b'), arb('g')],
      'wait',
      /^no bootstrap on incomplete information: waiting for b \(no answer \(timeout\)\)$/,
      { waitingFor: ['b'] },
    ],
    [
      'quorum policy: a data node and garbd answering are a majority of three',
      [m('a', { self: true, seqno: 12n }), silent('b'), arb('g')],
      'bootstrap',
      /^quorum policy after 600 s of silence from b/,
      { policy: quorum, waited: 600000 },
    ],
    [
      'quorum policy: garbd silent too, one data node of three is no majority',
      [m('a', { self: true, seqno: 12n }), silent('b'), namedSilent('g')],
      'wait',
      /the quorum policy needs a majority of answers/,
      { policy: quorum, waited: 600000, waitingFor: ['b'] },
    ],
    [
      'one data node crashed while the other and garbd run: it joins the Primary data node',
      [
        m('a', { self: true, seqno: 10n }),
        m('b', { status: 'running', clusterStatus: 'primary', seqno: 15n, seqnoSource: 'live' }),
        arb('g', { status: 'running' }),
      ],
      'join',
      /^b Primary \(seqno 15\): joining the cluster$/,
      { target: 'b' },
    ],
    [
      "a Primary component seen through garbd (the data node's agent silent): join, never bootstrap",
      [m('a', { self: true, seqno: 10n }), silent('b'), arb('g', { status: 'running', clusterStatus: 'primary' })],
      'join',
      /^g \(arbitrator\) in a Primary component: joining the cluster/,
      { target: 'g' },
    ],
    [
      'a Primary component seen through garbd, this node holding user data outside Galera: refused',
      [
        m('a', { self: true, seqno: -1n, uuid: null, userData: true, userSchemas: ['shop'] }),
        silent('b'),
        arb('g', { status: 'running', clusterStatus: 'primary' }),
      ],
      'refuse',
      /this node holds user data \(shop\) and no Galera state: joining g replaces it/,
    ],
    [
      'a data node bootstrapping while garbd is Primary: wait for the bootstrap',
      [
        m('a', { self: true }),
        m('b', { status: 'bootstrapping' }),
        arb('g', { status: 'running', clusterStatus: 'primary' }),
      ],
      'wait',
      /^b bootstrapping a new cluster: will join once it is Primary$/,
    ],
    [
      'a data node runs non-Primary while garbd runs: the survivor is the data node, not garbd',
      [
        m('a', { self: true, seqno: 10n }),
        m('b', { status: 'running', clusterStatus: 'nonPrimary', seqno: 15n, seqnoSource: 'live' }),
        arb('g', { status: 'running' }),
      ],
      'wait',
      /^no Primary component: b \(seqno 15\) runs non-Primary/,
      { waitingFor: ['b'] },
    ],
    [
      'galera-init on the arbitrator itself',
      [arb('g', { self: true }), m('a'), m('b')],
      'refuse',
      /^this node is an arbitrator \(garbd\)/,
      { advice: /systemctl start garb/ },
    ],
    [
      'named in init.arbitrators, but its agent says it is a data node: refused, its position would be ignored',
      [m('a', { self: true, seqno: 10n }), m('b', { seqno: 12n, namedArbitrator: true, role: 'data' })],
      'refuse',
      /^b is named in init.arbitrators, but its agent says it is a data node/,
      { advice: /remove b from init.arbitrators/ },
    ],
    [
      'named in init.arbitrators, its agent predating galeraRole: the config decides',
      [
        m('a', { self: true, seqno: 12n }),
        m('b', { seqno: 10n }),
        arb('g', { role: undefined, namedArbitrator: true }),
      ],
      'bootstrap',
      /\(a:12 b:10\)$/,
    ],
    [
      'an agent that said arbitrator earlier in this run and is silent now: still not waited for',
      [m('a', { self: true, seqno: 12n }), m('b', { seqno: 10n }), { ...silent('g'), role: 'arbitrator' }],
      'bootstrap',
      /\(a:12 b:10\)$/,
    ],
  ];
  itDecides(cases, strict);

  it('from every data node: garbd is never waited for, never bootstrapped, and changes nothing among stopped data nodes', () => {
    const node = fc.record({ seqno: fc.bigInt({ min: 0n, max: 20n }), safe: fc.boolean() });
    const garbd = fc.record({
      shape: fc.constantFrom('silent-named', 'stopped', 'running', 'silent-seen'),
      seqno: fc.bigInt({ min: -1n, max: 40n }),
      lockPid: fc.constantFrom(0, 77),
    });
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 4 }), garbd, (spec, g) => {
        const arbiter: MemberFacts =
          g.shape === 'silent-named'
            ? namedSilent('g')
            : g.shape === 'silent-seen'
              ? { ...silent('g'), role: 'arbitrator' }
              : arb('g', { status: g.shape, seqno: g.seqno, lockPid: g.lockPid, userData: undefined });
        const data = (self: number): MemberFacts[] =>
          spec.map((x, i) =>
            m(`n${i}`, { self: i === self, seqno: x.seqno, safeToBootstrap: x.safe, status: 'stopped' }),
          );
        const winners = new Set<string>();
        for (let self = 0; self < spec.length; self++) {
          const alone = decide(data(self), strict);
          const withG = decide([...data(self), arbiter], strict);
          assert.equal(withG.action, alone.action, withG.reason);
          assert.equal(withG.reason, alone.reason);
          if (withG.action === 'wait') assert.ok(!withG.waitingFor.includes('g'), withG.reason);
          if (withG.action === 'bootstrap') winners.add(`n${self}`);
        }
        assert.equal(winners.size, 1, 'exactly one data node bootstraps');
      }),
      { numRuns: 300 },
    );
  });
});
