// The keepalived track file is written by a daemon that may run as root, in a directory other
// users might write to: a symlink planted at its path or at its temp path must never be followed.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrackFile } from '../../../../src/daemon/outputs/trackfile';
import { silentLogger } from '../../../../src/log';

describe('the keepalived track file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-track-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces a symlink planted at its path instead of writing through it', () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep me');
    const file = path.join(dir, 'track');
    fs.symlinkSync(victim, file);
    new TrackFile(file, silentLogger()).write(-50);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(fs.lstatSync(file).isFile());
    assert.equal(fs.readFileSync(file, 'utf8'), '-50\n');
  });

  it('does not write through a symlink planted at its temp path', () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep me');
    const file = path.join(dir, 'track');
    const t = new TrackFile(file, silentLogger());
    // Planted between the agent's clean-up and its exclusive create: the create must fail, not follow.
    const tmp = path.join(dir, `.track.${process.pid}.tmp`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = require('node:fs') as { rmSync: typeof fs.rmSync }; // the module object itself, which the import forwards to
    const realRm = raw.rmSync;
    raw.rmSync = (p: fs.PathLike, o?: fs.RmOptions) => {
      realRm(p, o);
      if (p === tmp) fs.symlinkSync(victim, tmp);
    };
    try {
      t.write(0);
    } finally {
      raw.rmSync = realRm;
    }
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(!fs.existsSync(file), 'nothing written this time; the next write tries again');
    t.write(0);
    assert.equal(fs.readFileSync(file, 'utf8'), '0\n');
  });
});
