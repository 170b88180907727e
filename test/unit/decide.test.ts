import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Decision, MemberFacts, decide, rank } from '../../src/core/decide';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const V = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
const m = (id: string, over: Partial<MemberFacts> = {}): MemberFacts =>
  ({ id, self: false, answered: true, status: 'stopped', seqno: 10n, uuid: U, safeToBootstrap: false, ...over });
const strict = { force: false, quorumAfterMs: 0 };

describe('galera-init decision', () => {
  const cases: [string, MemberFacts[], Decision['action'], RegExp, string?][] = [
    ['the local server already runs', [m('a', { self: true, status: 'running' }), m('b')], 'done', /already running/],
    ['a peer runs: join it', [m('a', { self: true }), m('b', { status: 'running' }), m('c', { answered: false })], 'join', /b running/, 'b'],
    ['a peer bootstraps: wait for it', [m('a', { self: true }), m('b', { status: 'bootstrapping' }), m('c')], 'wait', /b bootstrapping/],
    ['a peer is unreachable: wait, never treat it as stopped', [m('a', { self: true, seqno: 99n }), m('b'), m('c', { answered: false, error: 'timeout' })], 'wait', /incomplete information: waiting for c \(timeout\)/],
    ['a peer is locked: wait', [m('a', { self: true, seqno: 99n }), m('b', { status: 'locked' }), m('c')], 'wait', /b locked/],
    ['self most advanced: bootstrap', [m('a', { self: true, seqno: 12n }), m('b', { seqno: 11n }), m('c', { status: 'initiating', seqno: 3n })], 'bootstrap', /this node is the most advanced: seqno 12/],
    ['another most advanced: wait for it', [m('a', { self: true, seqno: 11n }), m('b', { seqno: 12n }), m('c')], 'wait', /b is the most advanced/],
    ['10 beats 9 (the original compared strings)', [m('a', { self: true, seqno: 9n }), m('b', { seqno: 10n })], 'wait', /b is the most advanced: seqno 10/],
    ['64-bit seqnos compare exactly', [m('a', { self: true, seqno: 9223372036854775807n }), m('b', { seqno: 9223372036854775806n })], 'bootstrap', /seqno 9223372036854775807/],
    ['a tie goes to safe_to_bootstrap=1', [m('a', { self: true, seqno: 5n }), m('b', { seqno: 5n, safeToBootstrap: true })], 'wait', /b is the most advanced.*safe_to_bootstrap=1/],
    ['a full tie goes to the first id', [m('b', { self: true, seqno: 5n }), m('a', { seqno: 5n })], 'wait', /a is the most advanced/],
    ['a crashed peer with no seqno yet may be ahead: wait', [m('a', { self: true, seqno: 50n }), m('b', { seqno: -1n }), m('c')], 'wait', /seqno unknown on b/],
    ['different state UUIDs: refuse', [m('a', { self: true }), m('b', { uuid: V })], 'refuse', /different cluster states/],
    ['a fresh cluster (no state anywhere): the first id bootstraps', [m('a', { self: true, seqno: -1n, uuid: null }), m('b', { seqno: -1n, uuid: null }), m('c', { seqno: -1n, uuid: null })], 'bootstrap', /most advanced/],
    ['a fresh node next to a node with state does not win', [m('a', { self: true, seqno: -1n, uuid: null }), m('b', { seqno: 0n })], 'wait', /b is the most advanced/],
    ['not among the members: refuse', [m('a'), m('b')], 'refuse', /not among the members/],
  ];
  for (const [what, members, action, reason, target] of cases) {
    it(`${what} -> ${action}`, () => {
      const d = decide(members, strict);
      assert.equal(d.action, action, d.reason);
      assert.match(d.reason, reason);
      if (target) assert.equal((d as { target: string }).target, target);
    });
  }

  it('the galera_initiator drawback: a stale node that comes up alone waits', () => {
    const d = decide([m('stale', { self: true, seqno: 100n }), m('adv1', { answered: false, error: 'timeout' }), m('adv2', { answered: false, error: 'timeout' })], strict);
    assert.equal(d.action, 'wait');
  });

  it('--force bootstraps without the missing answers, and says so', () => {
    const d = decide([m('a', { self: true, seqno: 100n }), m('b', { answered: false }), m('c', { answered: false })], { force: true, quorumAfterMs: 0 });
    assert.equal(d.action, 'bootstrap');
    assert.ok(d.action === 'bootstrap' && d.forced);
    assert.match(d.reason, /FORCED without b .*c/);
  });

  it('the quorum policy proceeds only with a majority and only after its delay', () => {
    const ms = [m('a', { self: true, seqno: 100n }), m('b', { seqno: 50n }), m('c', { answered: false })];
    const p = { force: false, quorumAfterMs: 60000 };
    assert.equal(decide(ms, p, 59000).action, 'wait');
    assert.equal(decide(ms, p, 60000).action, 'bootstrap');
    const minority = [m('a', { self: true, seqno: 100n }), m('b', { answered: false }), m('c', { answered: false })];
    assert.equal(decide(minority, p, 600000).action, 'wait');
  });

  it('with complete answers, exactly one member decides to bootstrap, whatever the seqnos (property)', () => {
    const member = fc.record({ seqno: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }), safe: fc.boolean(), status: fc.constantFrom('stopped' as const, 'initiating' as const) });
    fc.assert(fc.property(fc.array(member, { minLength: 1, maxLength: 9 }), (spec) => {
      const ids = spec.map((_, i) => `n${i}`);
      const view = (selfIdx: number): MemberFacts[] => spec.map((s, i) => m(ids[i], { self: i === selfIdx, seqno: s.seqno, safeToBootstrap: s.safe, status: i === selfIdx ? 'locked' : s.status, uuid: s.seqno < 0n ? null : U }));
      const boots = ids.filter((_, i) => decide(view(i), strict).action === 'bootstrap');
      const max = spec.reduce((a, s) => (s.seqno > a ? s.seqno : a), -1n);
      // Where a node has state but seqno -1 nobody bootstraps (it may be ahead); otherwise exactly one, and it is a most advanced one.
      if (boots.length === 1) assert.equal(spec[ids.indexOf(boots[0])].seqno, max);
      else assert.equal(boots.length, 0);
      if (spec.every((s) => s.seqno >= 0n) || spec.every((s) => s.seqno < 0n)) assert.equal(boots.length, 1);
    }), { numRuns: 300 });
  });

  it('ranks are a strict total order on distinct ids', () => {
    assert.ok(rank(m('a', { seqno: 2n }), m('b', { seqno: 1n })) < 0);
    assert.ok(rank(m('a'), m('b')) < 0);
    assert.equal(rank(m('a'), m('a')), 0);
  });
});
