import { strict as assert } from 'node:assert';
import { ByteSample, addSample, gcacheSizeOf, rateOver, windowLow, windowOf } from '../../src/core/window';
import { isHealthy } from '../../src/core/health';
import { clusterStatusOf, parseWsrepStatus, membersOf } from '../../src/core/wsrep-status';
import { retryDelay } from '../../src/sources/wsrep';
import * as fs from 'node:fs';
import * as path from 'node:path';

const feed = (points: [number, number][]): ByteSample[] => points.reduce<ByteSample[]>((h, [t, b]) => addSample(h, { t, bytes: BigInt(b) }), []);

describe('the replication window', () => {
  it('measures the write rate over the span', () => {
    const h = feed([[0, 0], [1000, 1000], [2000, 2000], [61000, 61000]]);
    assert.equal(rateOver(h, 60_000), 1000);
  });
  it('gives no rate with under a second of history, and no window without a rate or gcache', () => {
    assert.equal(rateOver(feed([[0, 0], [500, 10]]), 60_000), null);
    assert.deepEqual(windowOf(128 * 1024 * 1024, null), { kind: 'unknown' });
    assert.deepEqual(windowOf(null, 10), { kind: 'unknown' });
  });
  it('is unbounded, not a division by zero, when nothing is written', () => {
    const h = feed([[0, 500], [10_000, 500]]);
    assert.equal(rateOver(h, 60_000), 0);
    assert.deepEqual(windowOf(1024, 0), { kind: 'unbounded' });
    assert.equal(windowLow({ kind: 'unbounded' }, 3600), false);
  });
  it('starts again after a counter reset (server restart) instead of a negative rate', () => {
    const h = feed([[0, 1_000_000], [5000, 2_000_000], [6000, 100], [8000, 2100]]);
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
  for (const [opts, want] of sizes) it(`gcache.size of ${JSON.stringify(opts)} -> ${want}`, () => assert.equal(gcacheSizeOf(opts), want));
});

describe('wsrep health parsing', () => {
  const FX = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures');
  const status = Object.fromEntries(fs.readFileSync(path.join(FX, 'show-status-wsrep-synced.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t', 2) as [string, string]));
  it('reads a real Synced node', () => {
    const h = parseWsrepStatus(status, { wsrep_provider_options: 'gcache.size = 8M', wsrep_node_name: 'n1' }, null, true, 5);
    assert.equal(h.clusterStatus, 'primary');
    assert.equal(h.clusterSize, 1);
    assert.equal(h.localState, 4);
    assert.equal(h.ready, true);
    assert.equal(h.gcacheBytes, 8 * 1024 * 1024);
    assert.equal(h.nodeName, 'n1');
    assert.ok(h.receivedBytes !== null && h.replicatedBytes !== null);
    assert.ok(isHealthy(h, true, false));
    assert.equal(isHealthy(h, false, false), false);
  });
  it('turns a non-Primary conf id of 2^64-1 into -1', () => {
    assert.equal(parseWsrepStatus({ wsrep_cluster_conf_id: '18446744073709551615', wsrep_cluster_status: 'non-Primary' }, null, null, true, 1).confId, -1n);
  });
  it('makes garbage unknown, never an exception', () => {
    const h = parseWsrepStatus({ wsrep_local_state: '7', wsrep_cluster_size: '-3', wsrep_flow_control_paused: 'NaN', wsrep_received_bytes: '99999999999999999999999', wsrep_ready: 'maybe' }, null, null, true, 1);
    assert.equal(h.localState, null);
    assert.equal(h.clusterSize, null);
    assert.equal(h.fcPaused, null);
    assert.equal(h.receivedBytes, null);
    assert.equal(h.ready, null);
    assert.equal(h.clusterStatus, 'unknown');
  });
  it('a Donor is healthy only when configured so', () => {
    const donor = parseWsrepStatus({ ...status, wsrep_local_state: '2' }, null, null, true, 1);
    assert.equal(isHealthy(donor, true, false), false);
    assert.equal(isHealthy(donor, true, true), true);
  });
  it('maps the cluster status strings', () => {
    assert.deepEqual(['Primary', 'non-Primary', 'Disconnected', 'x'].map(clusterStatusOf), ['primary', 'nonPrimary', 'disconnected', 'unknown']);
  });
  it('falls back to the incoming addresses for members', () => {
    assert.deepEqual(membersOf(null, '127.0.0.1:3306,127.0.0.1:3307,AUTO'), [{ name: '', address: '127.0.0.1:3306', uuid: null }, { name: '', address: '127.0.0.1:3307', uuid: null }]);
    assert.deepEqual(membersOf([{ name: 'a', address: 'x', uuid: null }], 'y'), [{ name: 'a', address: 'x', uuid: null }]);
  });
});

describe('the MySQL poll schedule', () => {
  it('polls a server that just appeared every interval, however often it failed', () => {
    assert.equal(retryDelay(9, 300, 5_000), 300);
  });
  it('backs off an older failing server to at most 4 intervals', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 9].map((f) => retryDelay(f, 1000, 120_000)), [1000, 1000, 2000, 4000, 4000, 4000]);
  });
});
