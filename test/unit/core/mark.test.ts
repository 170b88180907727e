// The high-water mark's pure rules (src/core/mark.ts) and its file (src/sources/markfile.ts):
// the tolerance from the durability settings, the update rules (never down, but for a new history
// or a rewound one), the datadir check, and a damaged file read as "no mark".

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Durability,
  Mark,
  datadirBelowMark,
  durabilityOf,
  lossWindow,
  markTop,
  observeBootstrap,
  observeCommit,
  observeSeen,
  parseMark,
  serializeMark,
  toleranceOf,
} from '../../../src/core/mark';
import { readMark, writeMark } from '../../../src/sources/markfile';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const V = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
const durable: Durability = { flushLogAtTrxCommit: 1, flushLogAtTimeout: 1, logBin: false, syncBinlog: 0 };
const lazy: Durability = { flushLogAtTrxCommit: 2, flushLogAtTimeout: 1, logBin: false, syncBinlog: 0 };
const base: Mark = {
  uuid: U,
  node: 'a',
  committed: 100n,
  seen: { b: 99n },
  lastBootstrap: null,
  durability: durable,
  tolerance: 0n,
  at: Date.parse('2026-12-06T06:00:00Z'),
};

describe('high-water mark: the tolerance from the durability settings', () => {
  it('flush at every commit, no binlog (or sync_binlog=1): no tolerance', () => {
    assert.equal(lossWindow(durable).seconds, 0);
    assert.equal(lossWindow({ ...durable, logBin: true, syncBinlog: 1 }).seconds, 0);
    assert.match(lossWindow(durable).rule, /every commit is on disk, no tolerance/);
  });
  it('innodb_flush_log_at_trx_commit=2: the flush period plus one mark write plus a second', () => {
    const w = lossWindow({ ...lazy, flushLogAtTimeout: 2 });
    assert.equal(w.seconds, 4);
    assert.match(
      w.rule,
      /innodb_flush_log_at_trx_commit=2 \(flushed every 2 s\): a power cut may lose the commits of the last 4 s/,
    );
  });
  it('a binlog left to the OS (sync_binlog=0) widens it to the OS writeback; sync_binlog=N adds N commits', () => {
    assert.equal(lossWindow({ ...durable, logBin: true, syncBinlog: 0 }).seconds, 35);
    const n = lossWindow({ ...durable, logBin: true, syncBinlog: 8 });
    assert.equal(n.commits, 8);
    assert.match(n.rule, /sync_binlog=8/);
  });
  it('settings not read: a stated assumption, never a silent zero', () => {
    assert.equal(lossWindow(null).seconds, 3);
    assert.match(lossWindow(null).rule, /not read/);
  });
  it('the tolerance counts the commits within the window before the write', () => {
    const t0 = 1_000_000;
    const samples = [
      { t: t0, seqno: 10n },
      { t: t0 + 5000, seqno: 50n },
      { t: t0 + 8000, seqno: 70n },
      { t: t0 + 9500, seqno: 90n },
    ];
    // A 3 s window ending at t0+10 s starts at t0+7 s: the last sample before it is 50.
    assert.equal(toleranceOf(samples, t0 + 10000, lazy), 40n);
    assert.equal(toleranceOf(samples, t0 + 10000, durable), 0n);
    assert.equal(toleranceOf([], t0, lazy), 0n);
  });
  it('durability read from SHOW GLOBAL VARIABLES', () => {
    assert.deepEqual(
      durabilityOf({
        innodb_flush_log_at_trx_commit: '2',
        innodb_flush_log_at_timeout: '1',
        log_bin: 'ON',
        sync_binlog: '0',
      }),
      { flushLogAtTrxCommit: 2, flushLogAtTimeout: 1, logBin: true, syncBinlog: 0 },
    );
    assert.equal(durabilityOf({}), null);
  });
});

describe('high-water mark: the update rules', () => {
  const obs = { uuid: U, node: 'a', at: base.at + 1000, durability: durable, tolerance: 0n };
  it('a first commit makes the mark; a higher one advances it; the same is no write', () => {
    const first = observeCommit(null, { ...obs, seqno: 5n });
    assert.equal(first.kind, 'advanced');
    const up = observeCommit(base, { ...obs, seqno: 101n });
    assert.equal(up.kind === 'advanced' && up.mark.committed, 101n);
    assert.deepEqual(up.kind === 'advanced' && up.mark.seen, { b: 99n });
    assert.equal(observeCommit(base, { ...obs, seqno: 100n }).kind, 'same');
  });
  it('below the mark while Synced in a Primary component: the history was rewound, the mark resets and says so', () => {
    const c = observeCommit(base, { ...obs, seqno: 80n });
    assert.equal(c.kind, 'reset');
    assert.equal(c.kind === 'reset' && c.mark.committed, 80n);
    assert.deepEqual(c.kind === 'reset' && c.mark.seen, {});
    assert.match(c.kind === 'reset' ? c.why : '', /bootstrapped below the mark, and the 20 transactions above it/);
  });
  it('another state UUID: a new history, a new mark', () => {
    const c = observeCommit(base, { ...obs, uuid: V, seqno: 3n });
    assert.equal(c.kind === 'reset' && c.mark.uuid, V);
  });
  it('seen: only higher, only the same history, never this node itself', () => {
    assert.equal(observeSeen(base, { uuid: U, node: 'b', seqno: 98n, at: 0 }).kind, 'same');
    assert.equal(observeSeen(base, { uuid: V, node: 'b', seqno: 500n, at: 0 }).kind, 'same');
    assert.equal(observeSeen(base, { uuid: U, node: 'a', seqno: 500n, at: 0 }).kind, 'same');
    const c = observeSeen(base, { uuid: U, node: 'c', seqno: 130n, at: 0 });
    assert.deepEqual(c.kind === 'advanced' && markTop(c.mark), { seqno: 130n, node: 'c' });
  });
  it('the last bootstrap is kept, once per position', () => {
    const c = observeBootstrap(base, { uuid: U, seqno: 100n, at: base.at });
    assert.equal(c.kind, 'advanced');
    if (c.kind !== 'advanced') return;
    assert.equal(observeBootstrap(c.mark, { uuid: U, seqno: 100n, at: base.at + 5 }).kind, 'same');
  });
});

describe('high-water mark: the datadir against its own mark', () => {
  it('below by more than the tolerance: "restored or replaced datadir", with the count', () => {
    const r = datadirBelowMark(base, { uuid: U, seqno: 70n, known: true });
    assert.equal(r?.lost, 30n);
    assert.match(
      r?.text ?? '',
      /^restored or replaced datadir: its position 70 is 30 transactions below this node's mark 100/,
    );
  });
  it('an empty datadir (no state) is below too; another history or an unknown position is not judged', () => {
    assert.match(
      datadirBelowMark(base, { uuid: null, seqno: -1n, known: true })?.text ?? '',
      /position \(none\) is 101/,
    );
    assert.equal(datadirBelowMark(base, { uuid: V, seqno: 5n, known: true }), null);
    assert.equal(datadirBelowMark(base, { uuid: U, seqno: 5n, known: false }), null);
  });
  it('within the tolerance is a power cut, not a restore', () => {
    assert.equal(datadirBelowMark({ ...base, tolerance: 5n }, { uuid: U, seqno: 95n, known: true }), null);
    assert.notEqual(datadirBelowMark({ ...base, tolerance: 5n }, { uuid: U, seqno: 94n, known: true }), null);
  });
});

describe('high-water mark: the file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-mark-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips every field, 64-bit seqnos exact', () => {
    const m: Mark = {
      ...base,
      committed: 9223372036854775806n,
      seen: { b: 9223372036854775807n },
      lastBootstrap: { uuid: U, seqno: 7n, at: base.at },
      durability: lazy,
      tolerance: 12n,
    };
    assert.deepEqual(parseMark(serializeMark(m)), m);
    writeMark(dir, m);
    assert.deepEqual(readMark(dir), { state: 'valid', mark: m });
    assert.deepEqual(fs.readdirSync(dir), ['high-water-mark.json'], 'no temporary file left behind');
  });
  it('no file is no mark; a damaged one is "damaged", named, and read as no mark', () => {
    assert.deepEqual(readMark(dir), { state: 'none' });
    const file = path.join(dir, 'high-water-mark.json');
    for (const [text, why] of [
      ['{"version":1,"uuid":"84e32a09', /not JSON/],
      ['[]', /not a JSON object/],
      [serializeMark(base).replace('"100"', '"1x0"'), /committed is not a seqno/],
      [serializeMark(base).replace(U, 'nope'), /uuid is not a state UUID/],
      [serializeMark(base).replace('"version": 1', '"version": 2'), /version 2 is not 1/],
      ['', /not JSON/],
    ] as const) {
      fs.writeFileSync(file, text);
      const r = readMark(dir);
      assert.equal(r.state, 'damaged', text);
      assert.match(r.state === 'damaged' ? r.error : '', why);
      assert.match(r.state === 'damaged' ? r.error : '', /high-water-mark\.json: damaged .* treated as no mark/);
    }
  });
  it('a missing state directory: the write fails with the file and the fix, and leaves nothing', () => {
    assert.throws(
      () => writeMark(path.join(dir, 'missing'), base),
      /high-water-mark\.json: cannot write the high-water mark \(ENOENT\); the state directory \(stateDir\) must exist/,
    );
  });
});
