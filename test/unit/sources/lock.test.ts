// The agent's watch on the initiator lock: inotify while the lock is free (no timer runs at rest),
// a poll only while a lock is held (its owner can die without touching the file).

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockSource } from '../../../src/sources/lock';
import { silentLogger } from '../../../src/log';
import { waitFor } from '../../helpers/proc';

const until = (what: string, fn: () => boolean, ms = 2000): Promise<boolean> => waitFor(what, fn, ms, 5);

describe('the lock source', () => {
  let dir: string;
  let src: LockSource;
  const timer = (): unknown => (src as unknown as { timer: unknown }).timer;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-locksrc-'));
  });
  afterEach(async () => {
    await src?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs no timer while the lock is free, sees it taken by inotify, polls its owner while held', async () => {
    const lockFile = path.join(dir, 'galera-init.lock');
    src = new LockSource(lockFile, 50, silentLogger());
    await src.start();
    assert.equal(src.state.state, 'free');
    assert.equal(timer(), null, 'no poll at rest');
    const owner = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(lockFile, `${owner.pid}\npurpose=test\n`);
      await until('held', () => src.state.state === 'held', 1000);
      assert.notEqual(timer(), null, 'polled while held');
      // The owner dies without touching the file: only the poll can see it.
      owner.kill('SIGKILL');
      await until('stale', () => src.state.state === 'stale', 1000);
    } finally {
      owner.kill('SIGKILL');
    }
    fs.rmSync(lockFile);
    await until('free again', () => src.state.state === 'free', 1000);
    assert.equal(timer(), null, 'no poll once free again');
  });

  it('polls while the lock directory does not exist, and watches it once it does', async () => {
    const lockFile = path.join(dir, 'later', 'galera-init.lock');
    src = new LockSource(lockFile, 20, silentLogger());
    await src.start();
    assert.notEqual(timer(), null, 'polls: nothing to watch yet');
    fs.mkdirSync(path.dirname(lockFile));
    await until('watching', () => timer() === null, 1000);
    fs.writeFileSync(lockFile, `${process.pid}\npurpose=test\n`);
    await until('held', () => src.state.state === 'held', 1000);
  });
});
