// Faults against the real components: the master killed and restarted 20 times, grastate.dat,
// gvwstate.dat and the lock file in every broken shape, a full filesystem under the keepalived
// track file. The agent keeps answering with defined values, logs one line per condition, and
// never exits or leaks.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentProc, startAgent, stopAgent } from '../helpers/agent';
import { alive, cleanupAll, ROOT, SLACK, sleep, start, stopChild, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd, stopSnmpd } from '../helpers/snmp';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const fdCount = (pid: number): number => fs.readdirSync(`/proc/${pid}/fd`).length;
// Each state of a file appears whole (written aside, then renamed in). writeFileSync truncates
// first, and under CPU load the agent's watch can read the empty file in between: a real
// condition of its own ("file is empty"), but not the one a step means to show. Galera itself
// rewrites grastate.dat in place without truncating (it pads with spaces), so a reader never
// sees it empty.
const put = (file: string, text: string): void => {
  fs.writeFileSync(`${file}.new`, text);
  fs.renameSync(`${file}.new`, file);
};

describe('faults', function () {
  this.timeout(180000 * SLACK);
  let master: Snmpd;
  let agent: AgentProc;
  let work: string;
  let datadir: string;
  const get = (name: string, idx = 0): Promise<string> => snmpgetOne(master.port, `GALERA-MIB::${name}.${idx}`);

  before(async () => {
    master = await startSnmpd();
    work = tempDir('gx-fault-');
    datadir = path.join(work, 'data');
    fs.mkdirSync(datadir);
    agent = startAgent({ master: master.socket, datadir, lockFile: path.join(work, 'galera-init.lock') });
    await waitFor('registration', async () => (await get('galeraStatus')) === 'stopped', 15000, 100);
  });
  after(async () => {
    await stopAgent(agent);
    await cleanupAll();
  });

  it('snmpd SIGKILLed and restarted 20 times: re-registers every time, never exits, leaks no descriptors', async () => {
    const pid = agent.child.pid!;
    const fds0 = fdCount(pid);
    const regs0 = (agent.log().match(/registered with the AgentX master/g) ?? []).length;
    for (let i = 0; i < 20; i++) {
      await stopSnmpd(master, 'SIGKILL');
      master = await startSnmpd({ dir: master.dir, port: master.port });
      await waitFor(
        `OIDs back after restart ${i + 1}`,
        async () => (await get('galeraStatus')) === 'stopped',
        10000,
        50,
      );
    }
    assert.ok(alive(pid));
    assert.equal((agent.log().match(/registered with the AgentX master/g) ?? []).length - regs0, 20);
    // Sockets of dead sessions close as the event loop gets to them: wait for it, bounded.
    await waitFor(`fds back near ${fds0}`, () => fdCount(pid) <= fds0 + 2, 5000, 50).catch(() =>
      assert.fail(`fds ${fds0} -> ${fdCount(pid)}`),
    );
  });

  it('grastate.dat truncated, deleted, replaced, a directory, a symlink loop, its datadir removed and recreated: defined values, one log line per condition', async () => {
    const file = path.join(datadir, 'grastate.dat');
    const seqno = (): Promise<string> => get('galeraSeqno');
    const steps: [string, () => void, string, string?][] = [
      ['valid', () => put(file, `uuid: ${U}\nseqno: 10\nsafe_to_bootstrap: 1\n`), '10'],
      ['truncated mid-write', () => put(file, `uuid: ${U}\nseq`), '-1'],
      [
        'replaced atomically',
        () => {
          fs.writeFileSync(`${file}.new`, `uuid: ${U}\nseqno: 20\n`);
          fs.renameSync(`${file}.new`, file);
        },
        '20',
      ],
      ['deleted', () => fs.rmSync(file), '-1'],
      ['a directory', () => fs.mkdirSync(file), '-1', 'not a regular file'],
      [
        'a symlink loop',
        () => {
          fs.rmdirSync(file);
          fs.symlinkSync(file, file);
        },
        '-1',
        'symlink',
      ],
      [
        'valid again',
        () => {
          fs.rmSync(file);
          put(file, `uuid: ${U}\nseqno: 25\n`);
        },
        '25',
      ],
      ['datadir removed', () => fs.rmSync(datadir, { recursive: true }), '-1'],
      [
        'datadir recreated',
        () => {
          fs.mkdirSync(datadir);
          put(file, `uuid: ${U}\nseqno: 30\n`);
        },
        '30',
      ],
    ];
    for (const [what, act, want, error] of steps) {
      act();
      await waitFor(`${what}: seqno ${want}`, async () => (await seqno()) === want, 10000, 100);
      if (error)
        await waitFor(
          `${what}: source error`,
          async () => (await get('galeraSourceError', 3)).includes(error),
          5000,
          100,
        );
      assert.equal(await get('galeraStatus'), 'stopped', what);
    }
    await sleep(2500); // backstop re-reads of the same state must not log again
    // Absent (deleted, datadir removed) is a fact, not a problem: three conditions, one line each.
    const lines = agent
      .log()
      .split('\n')
      .filter((l) => l.includes('grastate.dat problem'));
    for (const re of [/no seqno line/, /not a regular file/, /symlink/]) {
      assert.equal(lines.filter((l) => re.test(l)).length, 1, `${re}:\n${lines.join('\n')}`);
    }
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.equal(await get('galeraSourceState', 3), 'ok');
  });

  it('gvwstate.dat truncated, replaced, deleted, a directory, a symlink loop: defined values, one log line per condition', async () => {
    const file = path.join(datadir, 'gvwstate.dat');
    const three = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'gvwstate-3-members.dat'), 'utf8');
    const one = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'gvwstate-1-member.dat'), 'utf8');
    const saved = async (): Promise<string> =>
      `${await get('galeraSavedPcMembers')} ${await get('galeraSavedPcViewId')}`;
    const steps: [string, () => void, string, string?][] = [
      ['valid', () => put(file, three), '3 ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3'],
      ['truncated mid-write', () => put(file, three.slice(0, 120)), '0 '],
      [
        'replaced atomically',
        () => {
          fs.writeFileSync(`${file}.new`, one);
          fs.renameSync(`${file}.new`, file);
        },
        '1 ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:5',
      ],
      ['deleted (a clean shutdown)', () => fs.rmSync(file), '0 '],
      ['a directory', () => fs.mkdirSync(file), '0 ', 'not a regular file'],
      [
        'a symlink loop',
        () => {
          fs.rmdirSync(file);
          fs.symlinkSync(file, file);
        },
        '0 ',
        'symlink',
      ],
      [
        'valid again',
        () => {
          fs.rmSync(file);
          put(file, three);
        },
        '3 ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3',
      ],
    ];
    for (const [what, act, want, error] of steps) {
      act();
      await waitFor(`${what}: ${want}`, async () => (await saved()).trim() === want.trim(), 10000, 100);
      if (error)
        await waitFor(
          `${what}: source error`,
          async () => (await get('galeraSourceError', 6)).includes(error),
          5000,
          100,
        );
    }
    assert.equal(await get('galeraSourceName', 6), 'gvwstate');
    assert.equal(await get('galeraSourceState', 6), 'ok');
    await sleep(2500);
    const lines = agent
      .log()
      .split('\n')
      .filter((l) => l.includes('gvwstate.dat problem'));
    for (const re of [/cut short/, /not a regular file/, /symlink/]) {
      assert.equal(lines.filter((l) => re.test(l)).length, 1, `${re}:\n${lines.join('\n')}`);
    }
    assert.equal(lines.length, 3, `one line for each of the 3 broken states:\n${lines.join('\n')}`);
    fs.rmSync(file);
  });

  it('the lock file held, its owner killed, truncated, garbage, a directory, a symlink, its directory removed and recreated: defined status, one line per condition', async () => {
    const lock = path.join(work, 'galera-init.lock');
    const owner = start('sleep', ['600']);
    await waitFor('owner started', () => alive(owner.pid), 5000);
    const victim = path.join(tempDir('gx-victim-'), 'victim');
    fs.writeFileSync(victim, 'keep me');
    // A writer that takes the lock writes it whole and renames it (as galera-init links it):
    // an in-place write could be read empty in between, which is a condition of its own.
    const hold = (pid: number): void => {
      fs.writeFileSync(`${lock}.tmp`, `${pid}\n`);
      fs.renameSync(`${lock}.tmp`, lock);
    };
    const steps: [string, () => void | Promise<void>, string, string?][] = [
      ['held by a live process', () => hold(owner.pid!), 'locked'],
      ['its owner killed (stale)', () => stopChild(owner, 'SIGKILL'), 'stopped'],
      ['held again', () => hold(process.pid), 'locked'],
      ['truncated to nothing', () => fs.writeFileSync(lock, ''), 'stopped', 'does not start with a PID'],
      ['garbage', () => fs.writeFileSync(lock, '\u0000\u0001garbage'), 'stopped', 'does not start with a PID'],
      ['deleted', () => fs.rmSync(lock), 'stopped'],
      ['a directory', () => fs.mkdirSync(lock), 'stopped', 'not a regular file'],
      [
        'a symlink to another file',
        () => {
          fs.rmdirSync(lock);
          fs.symlinkSync(victim, lock);
        },
        'stopped',
        'symlink',
      ],
      ['its directory removed', () => fs.rmSync(work, { recursive: true }), 'stopped'],
      [
        'its directory recreated, held',
        () => {
          fs.mkdirSync(datadir, { recursive: true });
          hold(process.pid);
        },
        'locked',
      ],
    ];
    for (const [what, act, want, error] of steps) {
      await act();
      await waitFor(`${what}: ${want}`, async () => (await get('galeraStatus')) === want, 10000, 50);
      if (error)
        await waitFor(
          `${what}: source error`,
          async () => (await get('galeraSourceError', 2)).includes(error),
          5000,
          50,
        );
    }
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me', 'a planted symlink is never followed or written through');
    assert.equal(await get('galeraLockPid'), String(process.pid));
    fs.rmSync(lock);
    await waitFor('free', async () => (await get('galeraStatus')) === 'stopped', 5000, 50);
    // One line per condition: empty and garbage are one condition (no PID), then a directory, a
    // symlink. Left in place, a condition is not logged again at each poll (100 ms).
    const unreadable = (): string[] =>
      agent
        .log()
        .split('\n')
        .filter((l) => l.includes('initiator lock unreadable'));
    assert.deepEqual(
      [...new Set(unreadable().map((l) => (JSON.parse(l) as { err: string }).err.replace(lock, 'LOCK')))],
      ['LOCK does not start with a PID', 'LOCK is not a regular file', 'LOCK is a symlink; refusing to follow it'],
      unreadable().join('\n'),
    );
    fs.writeFileSync(lock, 'garbage');
    await waitFor('garbage seen', async () => (await get('galeraSourceState', 2)) === 'failing', 5000, 50);
    const n = unreadable().length;
    // The same condition read again and again (each rewrite is an inotify event and a read), then a
    // different state: once the agent shows that one, every read before it has been made.
    for (let i = 0; i < 3; i++) fs.writeFileSync(lock, 'garbage');
    fs.writeFileSync(lock, `${process.pid}\n`); // held by a live process: readable again
    await waitFor(
      'a readable lock after the rewrites',
      async () => (await get('galeraSourceState', 2)) === 'ok',
      5000,
      50,
    );
    assert.equal(unreadable().length, n, 'no new line while the condition stays');
    fs.rmSync(lock);
    assert.equal(
      agent
        .log()
        .split('\n')
        .filter((l) => l.includes('stale initiator lock')).length,
      1,
    );
  });

  it('a full filesystem under the track file: SNMP goes on, one error line, the file is written once there is room', async function () {
    const mnt = tempDir('gx-tmpfs-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]);
    } catch {
      this.skip();
    }
    try {
      // Fill it (dd stops at "no space", which is what we want).
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${mnt}/fill`, 'bs=1k', 'count=100'], { stdio: 'ignore' });
      } catch {
        /* full */
      }
      const track = path.join(mnt, 'keepalived.track');
      const lockFile = path.join(work, 'full.lock');
      const a = startAgent({ master: master.socket, datadir, lockFile, extra: { keepalived: { trackFile: track } } });
      try {
        await sleep(1500);
        assert.ok(alive(a.child.pid));
        assert.ok(['stopped', 'locked'].includes(await get('galeraStatus')), 'the first agent still answers');
        const holder = start('sleep', ['30']);
        for (let i = 0; i < 3; i++) {
          // recomputes that retry the write
          fs.writeFileSync(lockFile, `${holder.pid}\n`);
          await sleep(250);
          fs.rmSync(lockFile);
          await sleep(250);
        }
        assert.equal(
          (a.log().match(/cannot write the keepalived track file/g) ?? []).length,
          1,
          'one line per condition',
        );
        assert.ok(!fs.existsSync(track));
        fs.rmSync(path.join(mnt, 'fill'));
        fs.writeFileSync(lockFile, `${holder.pid}\n`);
        await sleep(300);
        fs.rmSync(lockFile);
        await waitFor('the track file', () => fs.existsSync(track) && fs.readFileSync(track, 'utf8') === '-50\n', 5000);
        assert.match(a.log(), /track file writable again/);
        await stopChild(holder, 'SIGKILL');
      } finally {
        await stopAgent(a);
      }
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
