// SourceSet as the one keeper of the sources' health: every read timed and recorded (Reads), and
// one freshness rule for galeraSourceAge and galeraAgentDataAge: a live watch is fresh, the
// backstop confirms the rest every period, only a source that fails or hangs grows old.

import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import * as sinon from 'sinon';
import { Reads, Source } from '../../../src/sources/source';
import { SourceSet } from '../../../src/sources/index';
import { NodeSnapshot, SourceHealth, dataAge, sourceAge } from '../../../src/core/snapshot';
import type { SourceFacts } from '../../../src/core/snapshot';

/** A source whose watch, idleness and backstop answer are set by the test. */
class FakeSource extends EventEmitter implements Source<unknown, SourceFacts> {
  readonly reads = new Reads();
  readonly facts = {};
  live = false;
  isIdle = false;
  /** What the backstop's look returns: null confirms the facts. */
  look: string | null = null;
  looks = 0;
  constructor(readonly name: string) {
    super();
  }
  /** A first read at the start, as every real source makes. */
  start(): Promise<void> {
    this.reads.run(() => this.look);
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  readOnce(): Promise<void> {
    return Promise.resolve();
  }
  backstop(): string | null | Promise<string | null> {
    this.looks++;
    return this.look;
  }
  idle(): boolean {
    return this.isIdle;
  }
  watching(): boolean {
    return this.live;
  }
}

/** Confirmed by its watch alone: no backstop look. */
class WatchOnly extends FakeSource {
  declare backstop: never;
  constructor(name: string) {
    super(name);
    this.live = true;
    Object.defineProperty(this, 'backstop', { value: undefined });
  }
}

const snapOf = (sources: SourceHealth[]): NodeSnapshot => ({ sources }) as unknown as NodeSnapshot;

describe('Reads: one record per read', () => {
  it('times a read and keeps the last success through failures', () => {
    const clock = sinon.useFakeTimers({ now: 10_000, toFake: ['Date', 'performance'] });
    try {
      const r = new Reads();
      assert.equal(
        r.run(() => {
          clock.tick(7);
          return null;
        }),
        null,
      );
      assert.deepEqual([r.lastOkAt, r.lastMs, r.error, r.count, r.failures], [10_007, 7, null, 1, 0]);
      clock.tick(1000);
      assert.equal(
        r.run(() => 'refused'),
        'refused',
      );
      assert.deepEqual([r.lastOkAt, r.error, r.count, r.failures], [10_007, 'refused', 2, 1]);
      assert.throws(() =>
        r.run(() => {
          throw new Error('EIO reading /proc');
        }),
      );
      assert.deepEqual([r.lastOkAt, r.error, r.failures], [10_007, 'EIO reading /proc', 2]);
    } finally {
      clock.restore();
    }
  });

  it('a look whose promise rejects is a failure, and the next look may start', async () => {
    const r = new Reads();
    const out = r.look(() => Promise.reject(new Error('EIO on the datadir')));
    assert.ok(out);
    assert.ok(r.outSince > 0);
    await out;
    assert.deepEqual([r.error, r.failures, r.outSince, r.lastOkAt], ['EIO on the datadir', 1, 0, 0]);
    assert.equal(
      r.look(() => null),
      null,
      'a synchronous look ends at once',
    );
    assert.equal(r.error, null);
  });

  it('records an awaited read when it ends, not before', async () => {
    const r = new Reads();
    let finish: (v: string | null) => void = () => undefined;
    const p = r.runAsync(() => new Promise<string | null>((res) => (finish = res)));
    assert.equal(r.count, 0, 'a read in flight (a hung server) records nothing');
    finish(null);
    await p;
    assert.equal(r.count, 1);
    assert.ok(r.lastOkAt > 0);
  });
});

describe('SourceSet: one freshness rule', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(
    () =>
      (clock = sinon.useFakeTimers({
        now: 1_000_000,
        toFake: ['Date', 'performance', 'setInterval', 'clearInterval'],
      })),
  );
  afterEach(() => clock.restore());

  it('keeps an idle node fresh for a minute with no recompute: live watches at 0, the rest within the backstop', async () => {
    const procs = new FakeSource('processes');
    const lock = Object.assign(new FakeSource('lock'), { live: true });
    const mysql = Object.assign(new FakeSource('mysql'), { isIdle: true });
    const set = new SourceSet([procs, lock, mysql], { backstopMs: 1000 });
    await set.start(() => undefined);
    // One snapshot, taken at the start and never again: the view built from it must stay true.
    const snap = snapOf(set.health());
    assert.deepEqual(
      snap.sources.map((r) => r.state),
      ['ok', 'ok', 'idle'],
    );
    let worst = 0;
    for (let t = 0; t < 60_000; t += 100) {
      clock.tick(100);
      worst = Math.max(worst, dataAge(snap, Date.now()));
      assert.equal(sourceAge(snap.sources[1], Date.now()), 0, 'the lock under a live watch');
    }
    assert.ok(worst <= 1000, `galeraAgentDataAge reached ${worst} ms on an idle node (backstop 1000 ms)`);
    assert.ok(procs.looks >= 59, `the backstop looked ${procs.looks} times in 60 s`);
    await set.stop();
  });

  it('lets only a source that fails, hangs or lost its watch grow old', async () => {
    const procs = new FakeSource('processes');
    // Confirmed by its watch alone (no backstop look): when the watch goes, nothing confirms it.
    const lock = new WatchOnly('lock');
    lock.reads.run(() => null);
    const set = new SourceSet([procs, lock], { backstopMs: 1000 });
    await set.start(() => undefined);
    const rows = set.health();
    clock.tick(5000);
    procs.look = 'cannot list /proc: EACCES';
    lock.live = false;
    clock.tick(30_000);
    assert.equal(set.health(), rows, 'the same row objects');
    assert.equal(rows[0].state, 'failing');
    assert.equal(rows[0].error, 'cannot list /proc: EACCES');
    assert.ok(sourceAge(rows[0], Date.now())! >= 30_000, 'the failing source grows from its last success');
    assert.ok(sourceAge(rows[1], Date.now())! >= 35_000, 'the source whose watch was lost grows');
    assert.ok(dataAge(snapOf(rows), Date.now()) >= 30_000);
    procs.look = null;
    clock.tick(1000);
    assert.ok(sourceAge(rows[0], Date.now())! <= 1000, 'a success makes it fresh again');
    await set.stop();
  });

  it('a look that hangs (a datadir on a dead NFS server) holds no timer, starts no second look, and its source grows old', async () => {
    const procs = new FakeSource('processes');
    // Under a live watch (inotify stays up on a hung filesystem), its look awaits the thread pool.
    const grastate = Object.assign(new FakeSource('grastate'), { live: true });
    let release: (v: string | null) => void = () => undefined;
    let started = 0;
    grastate.backstop = (): Promise<string | null> => {
      started++;
      return new Promise((res) => (release = res));
    };
    const set = new SourceSet([procs, grastate], { backstopMs: 1000 });
    await set.start(() => undefined);
    const rows = set.health();
    clock.tick(30_000);
    assert.equal(started, 1, 'one look out, none piled behind it');
    assert.ok(procs.looks >= 29, `the other sources were looked at ${procs.looks} times meanwhile`);
    assert.equal(rows[1].live, false, 'a watch is no proof while its look hangs');
    assert.ok(sourceAge(rows[1], Date.now())! >= 29_000, 'the hung source grows old: the agent says stale');
    assert.ok(sourceAge(rows[0], Date.now())! <= 1000, 'the others stay fresh');
    release(null);
    // setImmediate is not faked: every promise hop of the look has run by then.
    await new Promise((r) => setImmediate(r));
    assert.equal(rows[1].live, true, 'fresh again once the look came back');
    assert.equal(sourceAge(rows[1], Date.now()), 0);
    clock.tick(1000);
    assert.equal(started, 2, 'looked at again in the next period');
    await set.stop();
  });

  it('counts a source that never succeeded as never, and times each backstop look', async () => {
    const procs = Object.assign(new FakeSource('processes'), { look: 'no /proc' });
    const set = new SourceSet([procs], { backstopMs: 500 });
    await set.start(() => undefined);
    clock.tick(2000);
    const [row] = set.health();
    assert.equal(sourceAge(row, Date.now()), null);
    assert.equal(dataAge(snapOf([row]), Date.now()), Date.now());
    assert.equal(procs.reads.count, 5, 'the start and four looks');
    assert.equal(typeof row.readMs, 'number');
    await set.stop();
    clock.tick(5000);
    assert.equal(procs.reads.count, 5, 'no look after stop');
  });
});
