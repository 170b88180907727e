import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { DiskSource, readDisk } from '../../../src/sources/disk';
import type { DiskFacts } from '../../../src/core/disk';
import { silentLogger } from '../../../src/log';

describe('the disk source (statfs of the datadir)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-disk-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the datadir's filesystem as df does: available to a user, and its size", () => {
    const f = readDisk(dir);
    const st = fs.statfsSync(dir);
    assert.equal(f.error, '');
    assert.equal(f.totalBytes, BigInt(st.blocks) * BigInt(st.bsize));
    assert.ok(f.availBytes !== null && f.availBytes > 0n && f.availBytes <= f.totalBytes);
  });

  it('names a datadir it cannot read, logs it once, and reads again when it is back', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    const gone = path.join(dir, 'data');
    const src = new DiskSource(gone, log);
    await src.start();
    assert.match(src.facts.error, /statfs .*data: ENOENT/);
    assert.equal(src.problem(), src.facts.error);
    src.backstop();
    assert.equal(lines.filter((l) => /datadir free space unknown/.test(l)).length, 1);
    fs.mkdirSync(gone);
    assert.equal(src.backstop(), null);
    assert.equal(src.facts.error, '');
  });

  it("says 'change' only when what is published moves (whole MiB), not for every block", async () => {
    let avail = 100n << 20n;
    const stat = (): DiskFacts => ({ availBytes: avail, totalBytes: 1000n << 20n, error: '' });
    const src = new DiskSource(dir, silentLogger(), false, stat);
    await src.start();
    let changes = 0;
    src.on('change', () => changes++);
    avail += 4096n;
    src.backstop();
    assert.equal(changes, 0);
    avail -= 2n << 20n;
    src.backstop();
    assert.equal(changes, 1);
  });

  it('an arbitrator has no datadir: idle, no read, no problem', async () => {
    const src = new DiskSource(path.join(dir, 'none'), silentLogger(), true);
    await src.start();
    assert.equal(src.idle(), true);
    assert.equal(src.backstop(), null);
    assert.equal(src.problem(), null);
  });
});
