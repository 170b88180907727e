// galera-init's decision when a crash left prepared transactions that stop a member's recovery:
// the heuristic rollback is offered only to a node that is to join a running cluster (or forced),
// never to one that may be the node to bootstrap.

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MemberFacts, Policy, decide } from '../../../src/core/decide';
import { memberOf } from '../../helpers/members';

const m = memberOf({ seqnoSource: 'grastate', userData: false });
const run = (id: string, over: Partial<MemberFacts> = {}): MemberFacts =>
  m(id, { status: 'running', clusterStatus: 'primary', seqnoSource: 'live', seqno: 20n, ...over });
/** This node after a crash whose recovery stopped at `n` prepared transactions. */
const stuck = (id: string, n: number, over: Partial<MemberFacts> = {}): MemberFacts =>
  m(id, { status: 'locked', seqno: -1n, seqnoSource: 'unknown', prepared: n, ...over });
const strict: Policy = { force: false, quorumAfterMs: 0 };
const rollback: Policy = { ...strict, heuristicRollback: true };
const force: Policy = { force: true, quorumAfterMs: 0 };

describe('galera-init decision: prepared transactions that stop a recovery', () => {
  it('a running cluster, the option off: waits, names the count, and the option or --force as the fix', () => {
    const d = decide([stuck('a', 2, { self: true }), run('b')], strict);
    assert.equal(d.action, 'wait');
    assert.ok(d.action === 'wait');
    assert.match(d.reason, /^b Primary \(seqno 20\), but the crash left 2 prepared transactions on this node/);
    assert.deepEqual(d.waitingFor, ['a']);
    assert.match(d.advice ?? '', /recovery\.heuristicRollback: true .* or run galera-init --force/);
  });

  it('a running cluster, recovery.heuristicRollback on: joins, rolling back first (not forced)', () => {
    const d = decide([stuck('a', 1, { self: true }), run('b')], rollback);
    assert.ok(d.action === 'join', d.reason);
    assert.equal(d.rollbackFirst, 1);
    assert.equal(d.forced, false);
    assert.match(
      d.reason,
      /first rolling back the 1 prepared transaction the crash left here \(recovery\.heuristicRollback\)/,
    );
  });

  it('a running cluster, --force without the option: joins, rolling back first, and says it is forced', () => {
    const d = decide([stuck('a', 3, { self: true }), run('b')], force);
    assert.ok(d.action === 'join', d.reason);
    assert.equal(d.rollbackFirst, 3);
    assert.equal(d.forced, true);
    assert.match(d.reason, /\(FORCED \(--force\)\)/);
  });

  it('a cold start: waits whatever the option (this node may be the one to bootstrap), and names the prepared transactions', () => {
    for (const policy of [strict, rollback]) {
      const d = decide([stuck('a', 2, { self: true }), m('b', { seqno: 30n }), m('c', { seqno: 25n })], policy);
      assert.ok(d.action === 'wait', d.reason);
      assert.equal(
        d.reason,
        'seqno unknown on a; the crash left prepared transactions on a (2), which stop the recovery: it may be the most advanced node',
      );
      assert.match(d.advice ?? '', /galera-init --force there \(on a it first rolls the prepared transactions back;/);
      assert.equal('rollbackFirst' in d, false);
    }
  });

  it("a peer's prepared transactions (its agent's galeraRecoveryPrepared) are named in the wait", () => {
    const d = decide(
      [m('a', { self: true, status: 'locked', seqno: 30n }), stuck('b', 4, { status: 'stopped' })],
      rollback,
    );
    assert.ok(d.action === 'wait');
    assert.match(d.reason, /the crash left prepared transactions on b \(4\)/);
  });

  it('a position that is known again is decided as any other: a stale count does not ask for a rollback', () => {
    const d = decide([m('a', { self: true, status: 'locked', seqno: 20n, prepared: 2 }), run('b')], rollback);
    assert.ok(d.action === 'join');
    assert.equal(d.rollbackFirst, undefined);
  });

  it('never a rollback before a bootstrap, and never without a running Primary component (properties)', () => {
    const member = fc.record({
      seqno: fc.bigInt(-1n, 50n),
      prepared: fc.integer({ min: 0, max: 3 }),
      status: fc.constantFrom('stopped' as const, 'running' as const),
      primary: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(member, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (spec, heuristicRollback, forced) => {
          const ms = spec.map((x, i) =>
            i === 0
              ? stuck('n0', x.prepared, { self: true })
              : x.status === 'running'
                ? run(`n${i}`, {
                    seqno: x.seqno < 0n ? 0n : x.seqno,
                    clusterStatus: x.primary ? 'primary' : 'nonPrimary',
                  })
                : x.seqno < 0n && x.prepared > 0
                  ? stuck(`n${i}`, x.prepared)
                  : m(`n${i}`, { seqno: x.seqno < 0n ? 0n : x.seqno }),
          );
          const d = decide(ms, { force: forced, quorumAfterMs: 0, heuristicRollback });
          const primary = ms.some((x) => !x.self && x.status === 'running' && x.clusterStatus === 'primary');
          if (d.action === 'join' && d.rollbackFirst) {
            assert.ok(primary, `a rollback without a Primary component: ${d.reason}`);
            assert.ok(heuristicRollback || forced, `a rollback neither opted in nor forced: ${d.reason}`);
            assert.equal(d.rollbackFirst, spec[0].prepared);
          }
          // Unforced, a node whose recovery is stuck never bootstraps.
          if (!forced && spec[0].prepared > 0) assert.notEqual(d.action, 'bootstrap', d.reason);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
