// The high-water-mark rule of galera-init's decision (decide.ts, belowHighWaterMark): no bootstrap
// from a candidate below any answered member's mark, less the mark's tolerance; the candidate
// refuses, the others wait, and --force names what it discards.

import { strict as assert } from 'node:assert';
import { MemberFacts, decide } from '../../../src/core/decide';
import type { MarkFacts } from '../../../src/core/mark';
import { memberOf, U, V } from '../../helpers/members';

const DURABLE = 'innodb_flush_log_at_trx_commit=1: every commit is on disk, no tolerance';
const m = memberOf();
const mark = (seqno: bigint, node: string, over: Partial<MarkFacts> = {}): MarkFacts => ({
  uuid: U,
  seqno,
  node,
  tolerance: 0n,
  rule: DURABLE,
  ...over,
});
const strict = { force: false, quorumAfterMs: 0 };
const force = { force: true, quorumAfterMs: 0 };

/** The restored-datadir story: c committed up to 120, its datadir is back at 70; a at 80, b at 90. */
const story = (self: string): MemberFacts[] => [
  m('a', { self: self === 'a', seqno: 80n, mark: mark(80n, 'a') }),
  m('b', { self: self === 'b', seqno: 90n, mark: mark(90n, 'b') }),
  m('c', { self: self === 'c', seqno: 70n, mark: mark(120n, 'c') }),
];

describe('galera-init decision: the high-water mark', () => {
  it('the candidate below a member mark refuses: names the member, the mark, the loss and who had them', () => {
    const d = decide(story('b'), strict);
    assert.equal(d.action, 'refuse', d.reason);
    assert.match(
      d.reason,
      /no bootstrap below the high-water mark: b, the most advanced member that answers \(seqno 90\), is below the high-water mark: c committed seqno 120 in 84e32a09-[-0-9a-f]+; bootstrapping would lose 30 transactions \(seqno 91\.\.120\) \(tolerance 0: innodb_flush_log_at_trx_commit=1/,
    );
    assert.match(
      (d as { advice: string }).advice,
      /bring back the data of c, which had them .*galera-init --force on b$/,
    );
  });

  for (const self of ['a', 'c']) {
    it(`${self}, not the candidate, waits for c (and does not bootstrap)`, () => {
      const d = decide(story(self), strict);
      assert.equal(d.action, 'wait', d.reason);
      assert.ok(d.action === 'wait');
      assert.deepEqual(d.waitingFor, ['c', 'b']);
      assert.match(d.reason, /would lose 30 transactions/);
    });
  }

  it('--force on the candidate bootstraps, saying what it discards', () => {
    const d = decide(story('b'), force);
    assert.equal(d.action, 'bootstrap');
    assert.equal((d as { forced: boolean }).forced, true);
    assert.match(
      d.reason,
      /^FORCED \(--force\) below the high-water mark: discards 30 transactions \(seqno 91\.\.120\) that c committed; /,
    );
  });

  it('--force elsewhere changes nothing: the others still wait for the candidate', () => {
    assert.equal(decide(story('a'), force).action, 'wait');
  });

  it('a mark another member saw: a saw c commit 120 while Primary, c lost its state directory too', () => {
    const ms = [
      m('a', { self: true, seqno: 95n, mark: mark(120n, 'c') }),
      m('b', { seqno: 90n }),
      m('c', { seqno: 70n }),
    ];
    const d = decide(ms, strict);
    assert.equal(d.action, 'refuse', d.reason);
    assert.match(d.reason, /a saw c commit seqno 120 .*would lose 25 transactions \(seqno 96\.\.120\)/);
  });

  describe('the tolerance: a power cut with innodb_flush_log_at_trx_commit=2 leaves every node a little below', () => {
    const rule =
      'innodb_flush_log_at_trx_commit=2 (flushed every 1 s): a power cut may lose the commits of the last 3 s';
    const cut = (seqnos: bigint[], tolerance: bigint): MemberFacts[] =>
      ['a', 'b', 'c'].map((id, i) =>
        m(id, { self: i === 0, seqno: seqnos[i], mark: mark(100n, id, { tolerance, rule }) }),
      );
    it('every node a few transactions below its mark, within the tolerance: the most advanced bootstraps', () => {
      const d = decide(cut([98n, 96n, 97n], 5n), strict);
      assert.equal(d.action, 'bootstrap', d.reason);
      assert.equal((d as { forced: boolean }).forced, false);
    });
    it('exactly at the tolerance still passes; one more is refused, the reason states the rule', () => {
      assert.equal(decide(cut([95n, 90n, 90n], 5n), strict).action, 'bootstrap');
      const d = decide(cut([94n, 90n, 90n], 5n), strict);
      assert.equal(d.action, 'refuse');
      assert.match(
        d.reason,
        /would lose 6 transactions \(seqno 95\.\.100\) \(tolerance 5: innodb_flush_log_at_trx_commit=2/,
      );
    });
  });

  it('a mark of another history does not count; one of the same history below the candidate neither', () => {
    const ms = [
      m('a', { self: true, seqno: 90n, mark: mark(90n, 'a') }),
      m('b', { seqno: 50n, mark: mark(500n, 'b', { uuid: V }) }),
      m('c', { seqno: 60n, mark: mark(85n, 'c') }),
    ];
    assert.equal(decide(ms, strict).action, 'bootstrap');
  });

  it('empty datadirs everywhere with a mark left: no new empty cluster over 100 transactions', () => {
    const empty = { seqno: -1n, uuid: null, seqnoSource: 'unknown' as const, userData: false };
    const ms = [m('a', { self: true, ...empty, mark: mark(100n, 'a') }), m('b', empty)];
    const d = decide(ms, strict);
    assert.equal(d.action, 'refuse', d.reason);
    assert.match(d.reason, /would lose 100 transactions \(seqno 1\.\.100\)/);
  });

  it('user data without grastate.dat next to a mark (a backup restored without its Galera state): no bootstrap of it', () => {
    // The one holder of user data is the conversion's only candidate, but the mark says a Galera
    // history went to 100: the restored schemas may be older than what the cluster committed.
    const none = { seqno: -1n, uuid: null, seqnoSource: 'unknown' as const };
    const ms = [
      m('a', { self: true, ...none, userData: true, userSchemas: ['shop'], mark: mark(100n, 'a') }),
      m('b', { ...none, userData: false }),
    ];
    const d = decide(ms, strict);
    assert.equal(d.action, 'refuse', d.reason);
    assert.match(d.reason, /below the high-water mark: .*would lose 100 transactions/);
    const peer = decide(
      [
        { ...ms[0], self: false },
        { ...ms[1], self: true },
      ],
      strict,
    );
    assert.equal(peer.action, 'wait', peer.reason);
    const forced = decide(ms, force);
    assert.equal(forced.action, 'bootstrap');
    assert.match(forced.reason, /FORCED \(--force\) below the high-water mark: discards 100 transactions/);
  });

  it('a silent member with the quorum policy: the reason keeps both overrides when forced', () => {
    const ms = [
      m('a', { self: true, seqno: 90n, mark: mark(120n, 'a') }),
      m('b', { seqno: 80n }),
      { id: 'c', self: false, answered: false, error: 'no answer (timeout)' },
    ];
    const d = decide(ms, force);
    assert.equal(d.action, 'bootstrap');
    assert.match(
      d.reason,
      /^FORCED \(--force\) without c \(no answer \(timeout\)\); FORCED \(--force\) below the high-water mark: discards 30 transactions/,
    );
  });

  it('a running Primary cluster is joined whatever the marks say (the loss, if any, happened already)', () => {
    const ms = [
      m('a', { self: true, seqno: 70n, mark: mark(120n, 'a') }),
      m('b', { status: 'running', clusterStatus: 'primary', seqnoSource: 'live', seqno: 90n }),
    ];
    assert.equal(decide(ms, strict).action, 'join');
  });
});
