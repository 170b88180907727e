// The agent's mark keeper (src/daemon/mark.ts) on snapshots: it records this node's commits only
// while Synced in a Primary component, writes the file (throttled, flushed at stop), survives a
// restart, resets when the history is rewound, and reports a datadir below the mark once.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { buildConfig } from '../../../src/config';
import { MarkKeeper } from '../../../src/daemon/mark';
import type { NodeSnapshot } from '../../../src/core/snapshot';
import { parseWsrepStatus } from '../../../src/core/wsrep-status';
import { readMark } from '../../../src/sources/markfile';
import type { Durability } from '../../../src/core/mark';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const lazy: Durability = { flushLogAtTrxCommit: 2, flushLogAtTimeout: 1, logBin: false, syncBinlog: 0 };

/** A snapshot of a running server in this wsrep state, or of a stopped one at a grastate.dat position. */
function snap(o: { seqno: bigint; primary?: boolean; state?: string; stopped?: boolean }): NodeSnapshot {
  const status = o.stopped
    ? null
    : {
        wsrep_cluster_status: o.primary === false ? 'non-Primary' : 'Primary',
        wsrep_local_state: o.state ?? '4',
        wsrep_local_state_uuid: U,
        wsrep_last_committed: String(o.seqno),
      };
  return {
    nodeName: 'n1',
    status: o.stopped ? 'stopped' : 'running',
    seqno: o.seqno,
    seqnoSource: o.stopped ? 'grastate' : 'live',
    uuid: U,
    serverPid: o.stopped ? 0 : 42,
    wsrep: parseWsrepStatus(status, null, null, !o.stopped, Date.now()),
  } as unknown as NodeSnapshot;
}

describe('the mark keeper', () => {
  let dir: string;
  let lines: string[];
  let t: number;
  const keeper = (): MarkKeeper => {
    const cfg = buildConfig(
      { nodeName: 'n1', datadir: path.join(dir, 'data'), stateDir: dir, init: { members: [] } },
      'test',
    );
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    return new MarkKeeper(
      cfg,
      log,
      () => undefined,
      () => t,
    );
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-keeper-'));
    lines = [];
    t = 1_000_000;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps commits seen Synced in a Primary component; not a joiner, not a non-Primary one', () => {
    const k = keeper();
    k.start();
    k.observe(snap({ seqno: 10n }), lazy, 0);
    t += 500;
    k.observe(snap({ seqno: 30n }), lazy, 0);
    k.observe(snap({ seqno: 90n, primary: false }), lazy, 0);
    k.observe(snap({ seqno: 95n, state: '1' }), lazy, 0);
    k.stop();
    const r = readMark(dir);
    assert.equal(r.state, 'valid');
    if (r.state !== 'valid') return;
    assert.equal(r.mark.committed, 30n);
    // innodb_flush_log_at_trx_commit=2: the 20 commits of the last half second may be lost.
    assert.equal(r.mark.tolerance, 20n);
    assert.deepEqual(r.mark.durability, lazy);
  });

  it('after a restart: the mark is read back; a datadir below it is a restored datadir, told once', () => {
    const k1 = keeper();
    k1.start();
    k1.observe(snap({ seqno: 120n }), null, 0);
    k1.stop();
    const k2 = keeper();
    k2.start();
    const v = k2.view(snap({ seqno: 70n, stopped: true }));
    assert.equal(v.datadirBelow, true);
    assert.match(
      v.reason,
      /^restored or replaced datadir: its position 70 is 50 transactions below this node's mark 120/,
    );
    k2.view(snap({ seqno: 70n, stopped: true }));
    assert.equal(k2.belowCount, 1);
    assert.equal(lines.filter((l) => l.includes('restored or replaced datadir')).length, 1);
    assert.equal(k2.view(snap({ seqno: 120n, stopped: true })).datadirBelow, false);
  });

  it('Synced in a Primary component below the mark (a bootstrap below it): resets at once and says so', () => {
    const k = keeper();
    k.start();
    k.observe(snap({ seqno: 120n }), null, 0);
    k.stop();
    const k2 = keeper();
    k2.start();
    k2.observe(snap({ seqno: 80n }), null, 7);
    const r = readMark(dir);
    assert.equal(r.state === 'valid' && r.mark.committed, 80n, 'written at once, not at the next write period');
    assert.ok(
      lines.some((l) => /high-water mark reset: .*bootstrapped below the mark, and the 40 transactions/.test(l)),
    );
    k2.stop();
    const after = readMark(dir);
    assert.equal(after.state === 'valid' && after.mark.lastBootstrap?.seqno, 80n, 'the bootstrap it took part in');
  });

  it("keeps what the watch's rounds saw the members commit, only while this node is Primary", () => {
    const k = keeper();
    k.start();
    const primary = (name: string, seqno: bigint, uuid = U) =>
      ({ id: name, kind: 'primary', name, uuid, confId: 3n, size: 3, lastCommitted: seqno }) as const;
    // Not Primary yet: nothing kept, even from a Primary member.
    k.seen([primary('n2', 5n)]);
    k.observe(snap({ seqno: 10n }), null, 0);
    k.seen([
      primary('n2', 40n),
      primary('n3', 25n, '11111111-2222-3333-4444-555555555555'), // another history
      { id: 'n4', kind: 'notPrimary', name: 'n4' },
      { id: 'n5', kind: 'unknown', why: 'no answer' },
    ]);
    k.seen([primary('n2', 30n)]); // a lower answer never lowers the mark
    k.observe(snap({ seqno: 12n, primary: false }), null, 0);
    k.seen([primary('n2', 90n)]); // this node left the Primary component: not its history now
    k.stop();
    const r = readMark(dir);
    assert.equal(r.state, 'valid');
    if (r.state !== 'valid') return;
    assert.deepEqual(r.mark.seen, { n2: 40n });
  });

  it('a damaged file: one log line, published as damaged, then replaced at the next commit', () => {
    fs.writeFileSync(path.join(dir, 'high-water-mark.json'), '{"version":1,');
    const k = keeper();
    k.start();
    assert.equal(lines.filter((l) => l.includes('damaged')).length, 1);
    const v = k.view(snap({ seqno: 5n, stopped: true }));
    assert.deepEqual([v.state, v.datadirBelow], ['damaged', false]);
    assert.match(v.reason, /damaged \(not JSON.*\), treated as no mark/);
    k.observe(snap({ seqno: 6n }), null, 0);
    k.stop();
    assert.equal(readMark(dir).state, 'valid');
  });
});
