import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { DiskSource, readDisk } from '../../../src/sources/disk';
import { diskLine, diskView, type DiskFacts } from '../../../src/core/disk';
import { silentLogger } from '../../../src/log';

describe('the disk source (statfs of the datadir)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-disk-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the datadir's filesystem as df does: available to a user, of used + available", async () => {
    const f = await readDisk(dir);
    const st = fs.statfsSync(dir, { bigint: true });
    assert.equal(f.error, '');
    assert.equal(f.totalBytes, (st.blocks - st.bfree + st.bavail) * st.bsize);
    assert.ok(f.availBytes !== null && f.availBytes >= 0n && f.totalBytes !== null && f.availBytes <= f.totalBytes);
  });

  it('no datadir yet is no failure: idle, nothing logged; read once it is there', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    const gone = path.join(dir, 'data');
    const src = new DiskSource(gone, log);
    await src.start();
    assert.deepEqual([src.facts.error, src.facts.availBytes, src.idle(), src.problem()], ['', null, true, null]);
    fs.mkdirSync(gone);
    assert.equal(await src.backstop(), null);
    assert.equal(src.idle(), false);
    assert.ok(src.facts.availBytes !== null);
    assert.deepEqual(lines, []);
  });

  it('names a datadir it cannot statfs, and logs it once', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    const err = (): DiskFacts => ({ availBytes: null, totalBytes: null, error: 'statfs /d: EIO' });
    const src = new DiskSource(dir, log, false, err);
    await src.start();
    await src.backstop();
    assert.equal(src.problem(), 'statfs /d: EIO');
    assert.equal(src.idle(), false);
    assert.equal(lines.filter((l) => /datadir free space unknown/.test(l)).length, 1);
  });

  it('a filesystem that reports no size is idle, no failure: logged once, said by galera-check', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const none = (): DiskFacts => ({
      availBytes: null,
      totalBytes: null,
      error: '',
      note: '/d: its filesystem reports no size',
    });
    const src = new DiskSource(dir, log, false, none);
    await src.start();
    assert.equal(await src.backstop(), null);
    await src.backstop();
    assert.deepEqual([src.idle(), src.problem()], [true, null]);
    assert.equal(lines.filter((l) => /datadir free space not measured/.test(l)).length, 1);
    assert.equal(
      diskLine(diskView(src.facts, 10), 10),
      'disk: free space unknown (/d: its filesystem reports no size)\n',
    );
  });

  it("says 'change' only when what is published moves (whole MiB), not for every block", async () => {
    let avail = 100n << 20n;
    const stat = (): DiskFacts => ({ availBytes: avail, totalBytes: 1000n << 20n, error: '' });
    const src = new DiskSource(dir, silentLogger(), false, stat);
    await src.start();
    let changes = 0;
    src.on('change', () => changes++);
    avail += 4096n;
    await src.backstop();
    assert.equal(changes, 0);
    avail -= 2n << 20n;
    await src.backstop();
    assert.equal(changes, 1);
  });

  it('a percent (and the verdict) crossed within one MiB is a change too; the verdict keeps its hysteresis', async () => {
    // 1005 MiB: 10 % is 100.5 MiB.
    let avail = (1003n << 20n) / 10n;
    const stat = (): DiskFacts => ({ availBytes: avail, totalBytes: 1005n << 20n, error: '' });
    const src = new DiskSource(dir, silentLogger(), false, stat, 10);
    await src.start();
    assert.equal(src.facts.low, true);
    let changes = 0;
    src.on('change', () => changes++);
    avail = (1007n << 20n) / 10n;
    await src.backstop();
    assert.deepEqual([changes, src.facts.low], [1, true], '9 % to 10 % within 100 MiB: a change, still low');
    avail = 111n << 20n;
    await src.backstop();
    assert.deepEqual([changes, src.facts.low], [2, false], 'cleared at 11 %');
  });

  it("a statfs that never returns (a dead NFS server at boot) holds the daemon's start only so long", async () => {
    const src = new DiskSource(dir, silentLogger(), false, () => new Promise<DiskFacts>(() => undefined));
    src.firstReadMs = 50;
    const t = Date.now();
    await src.start();
    assert.ok(Date.now() - t < 5000, 'start() returned');
    assert.deepEqual([src.reads.count, src.reads.lastOkAt], [0, 0], 'nothing recorded: the read is still out');
  });

  it('an arbitrator has no datadir: idle, no read, no problem', async () => {
    const src = new DiskSource(path.join(dir, 'none'), silentLogger(), true);
    await src.start();
    assert.equal(src.idle(), true);
    assert.equal(await src.backstop(), null);
    assert.equal(src.problem(), null);
  });
});
