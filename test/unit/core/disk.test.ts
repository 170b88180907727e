import { strict as assert } from 'node:assert';
import { UNKNOWN_DISK, diskLine, diskView, lowAfter } from '../../../src/core/disk';

const GiB = 1n << 30n;
const facts = (avail: bigint, total: bigint) => ({ availBytes: avail, totalBytes: total, error: '' });

describe('the datadir filesystem view (galeraDiskGroup)', () => {
  it('is unknown when statfs failed or said nothing usable', () => {
    const none = { freeMiB: null, freePercent: null, low: null };
    assert.deepEqual(diskView(UNKNOWN_DISK, 10), { ...none, why: 'not read yet' });
    assert.deepEqual(diskView({ availBytes: null, totalBytes: null, error: 'statfs /x: EIO' }, 10), {
      ...none,
      why: 'statfs /x: EIO',
    });
    assert.deepEqual(diskView({ availBytes: null, totalBytes: null, error: '' }, 10), none);
    assert.deepEqual(diskView(facts(0n, 0n), 10), none);
  });

  it('free MiB and percent, both rounded down', () => {
    assert.deepEqual(diskView(facts(GiB + 1n, 10n * GiB), 10), { freeMiB: 1024, freePercent: 10, low: false });
    assert.deepEqual(diskView(facts(GiB - 1n, 10n * GiB), 10), { freeMiB: 1023, freePercent: 9, low: true });
  });

  it('low below the threshold only; 0 means never', () => {
    assert.equal(diskView(facts(0n, 10n * GiB), 10).low, true);
    assert.equal(diskView(facts(0n, 10n * GiB), 0).low, false);
    assert.equal(diskView(facts(10n * GiB, 10n * GiB), 100).low, false);
  });

  it('once low, cleared only a whole point above the threshold: no alarm and clear for each percent crossed', () => {
    assert.equal(lowAfter(false, 9, 10), true);
    assert.equal(lowAfter(true, 10, 10), true, 'at the threshold, still low');
    assert.equal(lowAfter(true, 11, 10), false);
    assert.equal(lowAfter(false, 10, 10), false);
    assert.equal(lowAfter(true, null, 10), null);
    assert.equal(lowAfter(true, 0, 0), false, '0: never');
    // The source's verdict wins over the share's.
    assert.equal(diskView({ ...facts(GiB, 10n * GiB), low: true }, 10).low, true);
  });

  it('a size above what Gauge32 holds stops one below its "unknown"', () => {
    assert.equal(diskView(facts(1n << 60n, 1n << 61n), 10).freeMiB, 0xfffffffe);
  });

  it('a filesystem reserving blocks for root (available below zero on some) reads as 0 free', () => {
    assert.deepEqual(diskView(facts(-5n, 10n * GiB), 10), { freeMiB: 0, freePercent: 0, low: true });
  });

  it("galera-check status --verbose's line names the share, the size and the threshold it is below", () => {
    assert.equal(
      diskLine({ freeMiB: 700, freePercent: 7, low: true }, 10),
      "disk: 7 % free (700 MiB) on the datadir's filesystem: below disk.lowFreePercent (10 %)\n",
    );
    assert.equal(
      diskLine({ freeMiB: 9000, freePercent: 90, low: false }, 10),
      "disk: 90 % free (9000 MiB) on the datadir's filesystem\n",
    );
    assert.match(diskLine(undefined, 10), /unknown/);
    // A failed read says its error, not "no datadir".
    assert.equal(
      diskLine(diskView({ availBytes: null, totalBytes: null, error: 'statfs /d: EIO' }, 10), 10),
      'disk: free space unknown (statfs /d: EIO)\n',
    );
  });
});
