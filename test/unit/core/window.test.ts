// The replication window: sample history edges, the rate over a span, and gcache.size parsing.
import { strict as assert } from 'node:assert';
import { ByteSample, addSample, gcacheSizeOf, rateOver, windowLow, windowOf } from '../../../src/core/window';

const S = (t: number, bytes: number): ByteSample => ({ t, bytes: BigInt(bytes) });
const feed = (points: [number, number][]): ByteSample[] =>
  points.reduce<ByteSample[]>((h, [t, b]) => addSample(h, { t, bytes: BigInt(b) }), []);

describe('the byte-sample history', () => {
  const h = [S(0, 0), S(1000, 10)];
  it('a sample at the same instant is ignored, whatever its bytes', () => {
    assert.equal(addSample(h, S(1000, 20)), h);
    assert.equal(addSample(h, S(1000, 10)), h);
    assert.equal(addSample(h, S(500, 30)), h);
  });
  it('a counter reset starts again', () => assert.deepEqual(addSample(h, S(2000, 5)), [S(2000, 5)]));
  it('appends in place: no copy of the history per sample', () => {
    const x = [S(0, 0)];
    assert.equal(addSample(x, S(1000, 10)), x);
    assert.equal(x.length, 2);
  });
  it('drops samples older than the span, keeping the one at its edge', () => {
    let x: ByteSample[] = [];
    for (let t = 0; t <= 5000; t += 1000) x = addSample(x, S(t, t), 100_000);
    assert.deepEqual(addSample(x.slice(0, 5), S(5000, 5000), 2000), [S(3000, 3000), S(4000, 4000), S(5000, 5000)]);
  });
  it('always keeps two samples', () => {
    assert.deepEqual(addSample([...h], S(2000, 20), 0), [S(1000, 10), S(2000, 20)]);
    assert.deepEqual(addSample([...h], S(90_000, 20), 1000), [S(1000, 10), S(90_000, 20)]);
  });
});

describe('the write rate over a span', () => {
  const h = [S(0, 0), S(5000, 5000), S(7000, 6000), S(10_000, 20_000)];
  it('from the first sample inside the span', () => assert.equal(rateOver(h, 5000), 3000));
  it('a span wider than the history: from the first sample', () => assert.equal(rateOver(h, 60_000), 2000));
  it('a span narrower than one step: the last two samples', () => assert.equal(rateOver(h, 0), 14_000 / 3));
  it('one sample, or less than a second: no rate', () => {
    assert.equal(rateOver([S(0, 0)], 5000), null);
    assert.equal(rateOver([S(0, 0), S(999, 5)], 5000), null);
    assert.equal(rateOver([S(0, 0), S(1000, 500)], 5000), 500);
  });
});

describe('the window from gcache and rate', () => {
  const cases: [number | null, number | null, ReturnType<typeof windowOf>][] = [
    [100, 10, { kind: 'seconds', seconds: 10 }],
    [100, 0, { kind: 'unbounded' }],
    [100, -1, { kind: 'unbounded' }],
    [100, null, { kind: 'unknown' }],
    [0, 10, { kind: 'unknown' }],
    [-5, 10, { kind: 'unknown' }],
    [null, 10, { kind: 'unknown' }],
  ];
  for (const [g, r, want] of cases) it(`gcache ${g}, rate ${r}`, () => assert.deepEqual(windowOf(g, r), want));
  it('low only when a known window is shorter than desired', () => {
    assert.deepEqual(
      [
        windowLow({ kind: 'seconds', seconds: 10 }, 20),
        windowLow({ kind: 'seconds', seconds: 20 }, 20),
        windowLow({ kind: 'unbounded' }, 20),
        windowLow({ kind: 'unknown' }, 20),
      ],
      [true, false, false, false],
    );
  });
});

describe('gcache.size from wsrep_provider_options', () => {
  const G = 1024 ** 3;
  const cases: [string | undefined, number | null][] = [
    ['base_dir = /x; gcache.size = 128M; gcache.page_size = 1M', 128 * 1024 ** 2],
    ['gcache.size = 1.25G', 1.25 * G],
    ['gcache.size=2gb;', 2 * G],
    ['gcache.size = 128M ; x = 1', 128 * 1024 ** 2],
    ['gcache.size = 5', 5],
    ['gcache.size = 0', null],
    [`gcache.size = ${'9'.repeat(400)}`, null],
    ['gcache.size = 1.x', null],
    ['xgcache.size = 5', null],
    ['', null],
    [undefined, null],
  ];
  for (const [o, want] of cases)
    it(`${JSON.stringify(o)?.slice(0, 40)} → ${want}`, () => assert.equal(gcacheSizeOf(o), want));
});

describe('the replication window', () => {
  it('measures the write rate over the span', () => {
    const h = feed([
      [0, 0],
      [1000, 1000],
      [2000, 2000],
      [61000, 61000],
    ]);
    assert.equal(rateOver(h, 60_000), 1000);
  });
  it('gives no rate with under a second of history, and no window without a rate or gcache', () => {
    assert.equal(
      rateOver(
        feed([
          [0, 0],
          [500, 10],
        ]),
        60_000,
      ),
      null,
    );
    assert.deepEqual(windowOf(128 * 1024 * 1024, null), { kind: 'unknown' });
    assert.deepEqual(windowOf(null, 10), { kind: 'unknown' });
  });
  it('is unbounded, not a division by zero, when nothing is written', () => {
    const h = feed([
      [0, 500],
      [10_000, 500],
    ]);
    assert.equal(rateOver(h, 60_000), 0);
    assert.deepEqual(windowOf(1024, 0), { kind: 'unbounded' });
    assert.equal(windowLow({ kind: 'unbounded' }, 3600), false);
  });
  it('starts again after a counter reset (server restart) instead of a negative rate', () => {
    const h = feed([
      [0, 1_000_000],
      [5000, 2_000_000],
      [6000, 100],
      [8000, 2100],
    ]);
    assert.equal(h.length, 2);
    assert.equal(rateOver(h, 60_000), 1000);
  });
  it('keeps an hour of history and no more', () => {
    let h: ByteSample[] = [];
    for (let t = 0; t <= 7_200_000; t += 10_000) h = addSample(h, { t, bytes: BigInt(t) });
    assert.ok(h[0].t >= 7_200_000 - 3_600_000 - 10_000);
    assert.equal(rateOver(h, 3_600_000), 1000);
  });
  it('computes window = gcache / rate and compares it to the desired window', () => {
    const w = windowOf(128 * 1024 * 1024, 1024 * 1024);
    assert.deepEqual(w, { kind: 'seconds', seconds: 128 });
    assert.equal(windowLow(w, 3600), true);
    assert.equal(windowLow(w, 60), false);
  });
  const sizes: [string | undefined, number | null][] = [
    ['base_port = 4567; gcache.size = 128M; gcache.page_size = 128M', 128 * 1024 * 1024],
    ['gcache.size=8M;evs.suspect_timeout=PT1S', 8 * 1024 * 1024],
    ['gcache.size = 2G', 2 * 1024 ** 3],
    ['gcache.size = 1048576', 1048576],
    ['gcache.page_size = 128M', null],
    ['gcache.size = lots', null],
    [undefined, null],
  ];
  for (const [opts, want] of sizes)
    it(`gcache.size of ${JSON.stringify(opts)} -> ${want}`, () => assert.equal(gcacheSizeOf(opts), want));
});
