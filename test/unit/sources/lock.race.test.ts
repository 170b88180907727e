import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, readLockState, releaseLock } from '../../../src/sources/lock';

describe('the initiator lock', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-lock-'));
    lock = path.join(dir, 'sub', 'init.lock');
  });
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

  // Six node processes take the lock at one signal. Each holds what it took until every one has
  // tried: a winner that exited early would leave a stale lock that a late taker rightly takes.
  const race = async (n = 6): Promise<{ results: string[]; pids: number[] }> => {
    const script = `const { acquireLock } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/sources/lock.js'))});
      process.stdout.write('ready\\n');
      process.stdin.once('data', () => {
        const r = acquireLock(${JSON.stringify(lock)}, 'race');
        process.stdout.write(r.ok ? 'won\\n' : 'lost\\n');
        process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
      });`;
    const kids = Array.from({ length: n }, () =>
      spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const outs = kids.map(() => '');
    const until = (re: RegExp): Promise<void[]> =>
      Promise.all(
        kids.map(
          (c, i) =>
            new Promise<void>((resolve, reject) => {
              const check = (): void => {
                if (re.test(outs[i])) {
                  c.stdout.off('data', onData);
                  resolve();
                }
              };
              const onData = (b: Buffer): void => {
                outs[i] += b.toString();
                check();
              };
              c.stdout.on('data', onData);
              c.once('exit', () => reject(new Error(`taker ${i} exited: ${outs[i]}`)));
              check();
            }),
        ),
      );
    await until(/ready\n/);
    for (const c of kids) c.stdin.write('go\n');
    await until(/(won|lost)\n/);
    const results = outs.map((o) => /(won|lost)/.exec(o)![1]);
    const pids = kids.map((c) => c.pid!);
    const exited = kids.map((c) => new Promise((r) => c.once('exit', r)));
    for (const c of kids) c.stdin.end();
    await Promise.all(exited);
    return { results, pids };
  };

  it('lets exactly one of six simultaneous takers of a free lock win', async () => {
    const { results } = await race();
    assert.equal(results.filter((r) => r === 'won').length, 1, results.join(','));
  });

  it('lets exactly one of six simultaneous takers replace a stale lock, and its lock stays', async () => {
    for (let round = 0; round < 3; round++) {
      const dead = spawn('true');
      await new Promise((r) => dead.on('exit', r));
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      fs.writeFileSync(lock, `${dead.pid}\npurpose=galera-init\n`);
      assert.equal(readLockState(lock).state, 'stale');
      const { results, pids } = await race();
      const winners = pids.filter((_, i) => results[i] === 'won');
      assert.equal(winners.length, 1, `round ${round}: ${results.join(',')}`);
      // The file names the winner: nobody moved its fresh lock aside and left theirs.
      assert.equal(Number(fs.readFileSync(lock, 'utf8').split('\n')[0]), winners[0], `round ${round}`);
      assert.deepEqual(fs.readdirSync(path.dirname(lock)), ['init.lock'], 'no temp or aside files left behind');
      fs.rmSync(lock);
    }
  });
});
