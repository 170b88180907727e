import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, readLockState, releaseLock } from '../../src/sources/lock';

describe('the initiator lock', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-lock-')); lock = path.join(dir, 'sub', 'init.lock'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is taken once, by this process, and released', () => {
    assert.deepEqual(acquireLock(lock, 'test'), { ok: true });
    const st = readLockState(lock);
    assert.equal(st.state, 'held');
    assert.equal(st.state === 'held' && st.pid, process.pid);
    const again = acquireLock(lock, 'test');
    assert.equal(again.ok, false, 'a held lock is not taken twice');
    releaseLock(lock);
    assert.deepEqual(readLockState(lock), { state: 'free' });
    assert.deepEqual(fs.readdirSync(path.dirname(lock)), [], 'no temp files left behind');
  });

  it('replaces a lock whose owner is dead', async () => {
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, `${child.pid}\n`);
    assert.deepEqual(readLockState(lock), { state: 'stale', pid: child.pid });
    assert.deepEqual(acquireLock(lock, 'test'), { ok: true });
    releaseLock(lock);
  });

  it('treats a live PID with another start time as stale (PID reuse)', () => {
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, `${process.pid}\npurpose=x starttime=1\n`);
    assert.equal(readLockState(lock).state, 'stale');
  });

  it('does not follow a symlink planted at the lock path', () => {
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const target = path.join(dir, 'victim');
    fs.writeFileSync(target, 'keep me');
    fs.symlinkSync(target, lock);
    assert.equal(readLockState(lock).state, 'unreadable');
    assert.equal(acquireLock(lock, 'test').ok, false);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep me');
  });

  it('reports a directory or garbage at the lock path as unreadable, not held', () => {
    fs.mkdirSync(lock, { recursive: true });
    assert.equal(readLockState(lock).state, 'unreadable');
    fs.rmdirSync(lock);
    fs.writeFileSync(lock, 'garbage');
    assert.equal(readLockState(lock).state, 'unreadable');
  });

  it('lets exactly one of many simultaneous takers win', async () => {
    const script = `const { acquireLock } = require(${JSON.stringify(path.resolve(__dirname, '../../src/sources/lock.js'))});
      const r = acquireLock(${JSON.stringify(lock)}, 'race'); process.stdout.write(r.ok ? 'won' : 'lost'); setTimeout(() => {}, 300);`;
    const results = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
      const c = spawn(process.execPath, ['-e', script]);
      let out = '';
      c.stdout.on('data', (b) => { out += b; });
      c.on('exit', () => resolve(out));
    })));
    assert.equal(results.filter((r) => r === 'won').length, 1, results.join(','));
  });
});
