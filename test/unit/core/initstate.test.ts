// galera-init's state file and the maintenance file (formats, parsers), and the rules that time
// galeraInitWaiting and count galeraInitActed.

import { strict as assert } from 'node:assert';
import {
  ActedCounter,
  InitState,
  InitView,
  actedKey,
  formatInitState,
  formatMaintenance,
  nextInitState,
  parseInitState,
  parseMaintenance,
  waitingNotice,
} from '../../../src/core/initstate';

const S = (o: Partial<InitState> = {}): InitState => ({
  pid: 42,
  round: 3,
  decision: 'wait',
  reason: 'waiting for db3',
  advice: 'start db3',
  waitingFor: ['db3'],
  since: 1000,
  reasonSince: 1000,
  at: 2000,
  ...o,
});
const V = (o: Partial<InitView> = {}): InitView => ({ ...S(o), running: true, ...o });

describe("galera-init's state file", () => {
  it('reads back what it writes', () => {
    const s = S();
    assert.deepEqual(parseInitState(Buffer.from(formatInitState(s))), { state: s, problems: [] });
  });
  const bad: [string, string][] = [
    ['not JSON', '{'],
    ['a list', '[]'],
    ['no pid', JSON.stringify({ ...S(), pid: 0 })],
    ['an unknown decision', JSON.stringify({ ...S(), decision: 'explode' })],
    ['none is no decision of a run', JSON.stringify({ ...S(), decision: 'none' })],
    ['a reason that is no text', JSON.stringify({ ...S(), reason: 5 })],
    ['waitingFor not a list of names', JSON.stringify({ ...S(), waitingFor: [1] })],
    ['a negative time', JSON.stringify({ ...S(), since: -1 })],
  ];
  for (const [what, text] of bad)
    it(`refuses ${what}, saying so`, () => {
      const r = parseInitState(Buffer.from(text));
      assert.equal(r.state, null);
      assert.equal(r.problems.length, 1);
    });
  it('keeps since while it goes on waiting, across reasons; a new decision or run starts it again', () => {
    const a = nextInitState(null, { pid: 1, round: 1, decision: 'wait', reason: 'r1' }, 100);
    const b = nextInitState(a, { pid: 1, round: 2, decision: 'wait', reason: 'r1' }, 200);
    const c = nextInitState(b, { pid: 1, round: 3, decision: 'wait', reason: 'r2' }, 300);
    const d = nextInitState(c, { pid: 1, round: 4, decision: 'join', reason: 'go' }, 400);
    const e = nextInitState(d, { pid: 2, round: 1, decision: 'join', reason: 'go' }, 500);
    assert.deepEqual(
      [a, b, c, d, e].map((x) => [x.since, x.reasonSince, x.at, x.round]),
      [
        [100, 100, 100, 1],
        [100, 100, 200, 2],
        [100, 300, 300, 3],
        [400, 400, 400, 4],
        [500, 500, 500, 1],
      ],
    );
  });
});

describe('the maintenance file', () => {
  it('reads back what galera-check writes', () => {
    const m = { reason: 'disk swap', since: 5, by: 'root' };
    assert.deepEqual(parseMaintenance(Buffer.from(formatMaintenance(m))).maintenance, m);
  });
  it('a file written by hand is on, its first line the reason; a damaged one is still on', () => {
    assert.deepEqual(parseMaintenance(Buffer.from('new disks\nmore\n')).maintenance, {
      reason: 'new disks',
      since: 0,
      by: '',
    });
    assert.deepEqual(parseMaintenance(Buffer.from('')).maintenance, { reason: '', since: 0, by: '' });
    assert.deepEqual(parseMaintenance(Buffer.from('{"reason": 7}')).maintenance, { reason: '', since: 0, by: '' });
  });
});

describe('galeraInitWaiting: when it is due', () => {
  const after = 60000;
  it('not before the wait has lasted the delay; then once; looks again at the deadline', () => {
    const early = waitingNotice(V({ since: 1000 }), null, 1000 + after - 1, after);
    assert.deepEqual(early, { due: false, notice: null, nextAt: 1000 + after });
    const on = waitingNotice(V({ since: 1000 }), null, 1000 + after, after);
    assert.equal(on.due, true);
    const again = waitingNotice(V({ since: 1000 }), on.notice, 1000 + 10 * after, after);
    assert.deepEqual([again.due, again.nextAt], [false, null], 'the same wait with the same reason: told once');
  });
  it('again when the reason changes, at most once per delay, with the reason of the moment', () => {
    const first = waitingNotice(V(), null, 1000 + after, after).notice;
    assert.ok(first);
    const soon = waitingNotice(V({ reason: 'other' }), first, first.at + 1000, after);
    assert.deepEqual([soon.due, soon.nextAt], [false, first.at + after]);
    const later = waitingNotice(V({ reason: 'third' }), soon.notice, first.at + after, after);
    assert.equal(later.due, true);
    assert.equal(later.notice?.reason, 'third');
  });
  it('a new wait (another run, or a wait after another decision) is told again after its own delay', () => {
    const first = waitingNotice(V(), null, 1000 + after, after).notice;
    const next = waitingNotice(V({ since: 500000 }), first, 500000 + after - 1, after);
    assert.deepEqual([next.due, next.nextAt], [false, 500000 + after]);
    assert.equal(waitingNotice(V({ pid: 43 }), first, 1000 + after, after).due, true);
  });
  const never: [string, InitView | null, number][] = [
    ['no state', null, after],
    ['a run that died waiting', V({ running: false }), after],
    ['a decision that is no wait', V({ decision: 'join' }), after],
    ['maintenance', V({ decision: 'maintenance' }), after],
    ['the delay 0 (off)', V(), 0],
  ];
  for (const [what, s, delay] of never)
    it(`never for ${what}`, () =>
      assert.deepEqual(waitingNotice(s, null, 10 ** 9, delay), { due: false, notice: null, nextAt: null }));
});

describe('galeraInitActed: which acts are counted', () => {
  it('a bootstrap, a join or a refusal of a round; never a wait, done or maintenance', () => {
    assert.equal(actedKey(S({ decision: 'bootstrap' })), '42:3:bootstrap');
    assert.equal(actedKey(S({ decision: 'refuse' })), '42:3:refuse');
    for (const d of ['wait', 'done', 'maintenance'] as const) assert.equal(actedKey(S({ decision: d })), undefined);
  });
  it('the first look only learns what is there; each new act after it counts once', () => {
    const c = new ActedCounter();
    c.observe(S({ decision: 'join' })); // an agent restarted after galera-init joined
    c.observe(S({ decision: 'join' }));
    assert.equal(c.count, 0);
    c.observe(S({ pid: 50, round: 1, decision: 'wait' }));
    c.observe(S({ pid: 50, round: 2, decision: 'bootstrap' }));
    c.observe(S({ pid: 50, round: 2, decision: 'bootstrap', reason: 'failed to start' }));
    assert.equal(c.count, 1);
    c.observe(S({ pid: 50, round: 3, decision: 'bootstrap' })); // after the server left the cluster
    assert.equal(c.count, 2);
    const fresh = new ActedCounter();
    fresh.observe(null);
    fresh.observe(S({ decision: 'refuse' }));
    assert.equal(fresh.count, 1, 'a boot: no file at first, then a refusal');
  });
});
