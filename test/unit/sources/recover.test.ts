import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  HEURISTIC_ROLLBACK,
  expandCommand,
  RecoverySource,
  readRecoveryCache,
  readRecoveryCacheEntry,
  recoveryCacheFile,
  runRecovery,
  writeRecoveryCache,
} from '../../../src/sources/recover';
import { readLockState } from '../../../src/sources/lock';
import { silentLogger } from '../../../src/log';
import pino from 'pino';
import { waitFor } from '../../helpers/proc';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';

describe('the recovery run', () => {
  let dir: string;
  let lockFile: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-rec-'));
    lockFile = path.join(dir, 'init.lock');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (command: string[], extra: Partial<Parameters<typeof runRecovery>[0]> = {}) =>
    runRecovery({ command, datadir: dir, lockFile, timeoutMs: 5000, log: silentLogger(), ...extra });

  /** A crash's grastate.dat (seqno -1), no server, the lock free: a recovery is needed. */
  const crashFacts = {
    processes: { servers: [], recoveries: [], initiators: [] },
    grastate: { value: { uuid: U, seqno: -1n, safeToBootstrap: false }, error: null, version: 'v1' },
    lock: { state: 'free' },
  } as unknown as Parameters<RecoverySource['sync']>[0];
  const source = (enabled: boolean, script: string, recover?: boolean): RecoverySource =>
    new RecoverySource({
      enabled,
      command: ['bash', '-c', script],
      timeoutMs: 5000,
      datadir: dir,
      lockFile,
      log: silentLogger(),
      busyNow: () => false,
      settleMs: 0,
      ...(recover === undefined ? {} : { recover }),
    });

  it('parses the position, holds the lock while it runs and releases it', async () => {
    let seen = '';
    const r = await run(['bash', '-c', `sleep 0.3; echo "WSREP: Recovered position: ${U}:77" >&2`], {
      abortIf: () => {
        seen = readLockState(lockFile).state;
        return false;
      },
    });
    assert.ok(r.ok && r.position.seqno === 77n);
    assert.equal(seen, 'held');
    assert.equal(readLockState(lockFile).state, 'free');
  });

  it('does not run while another live process holds the lock', async () => {
    fs.writeFileSync(lockFile, `${process.ppid}\n`);
    const r = await run(['echo']);
    assert.ok(!r.ok && r.busy);
  });

  it('is killed, with its children, when a server appears on the datadir', async () => {
    // The command starts a child of its own (as mariadbd's wrapper scripts do) and says its PID;
    // the "server" appears once both run.
    const pidFile = path.join(dir, 'child.pid');
    const r = await run(['bash', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], {
      abortIf: () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'),
    });
    assert.ok(!r.ok && /aborted/.test(r.error));
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    const running = (): boolean => {
      try {
        return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${child}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    await waitFor('the child killed too', () => !running(), 2000, 20);
  });

  it('is killed at its timeout, and says so with the time it ran and the key to raise', async () => {
    const r = await run(['sleep', '30'], { timeoutMs: 200 });
    assert.ok(!r.ok);
    assert.match(
      r.error,
      /^timed out: ran 0 s, killed at recovery\.timeoutMs \(200 ms\); a large InnoDB may need longer: raise recovery\.timeoutMs$/,
    );
  });

  it('names prepared transactions left by the crash, their count and the fix (the seqno stays unknown)', async () => {
    // What MariaDB's transaction-coordinator recovery prints before it aborts the run.
    const r = await run([
      'bash',
      '-c',
      'echo "[ERROR] Found 2 prepared transactions! It means that server was not shut down properly last time and critical recovery information (last binlog or tc.log file) was manually deleted after a crash. You have to start server with --tc-heuristic-recover switch to commit or rollback pending transactions."; echo "[ERROR] Aborting"; exit 1',
    ]);
    assert.ok(!r.ok);
    assert.match(
      r.error,
      /^the crash left 2 prepared transactions: no position until resolved\. Fix: recovery\.heuristicRollback \(galera-init rolls them back with --tc-heuristic-recover=rollback before a join\), or galera-init --force$/,
    );
    assert.ok(!r.ok && r.prepared === 2);
    assert.ok(Buffer.byteLength(r.error) <= 255, 'fits galeraSourceError');
  });

  it('appends the extra arguments (the heuristic rollback) to the command, after the placeholders', async () => {
    const r = await run(
      ['bash', '-c', `echo "args:$*" >&2; echo "WSREP: Recovered position: ${U}:5" >&2`, 'sh', '{datadir}'],
      {
        extraArgs: [HEURISTIC_ROLLBACK],
      },
    );
    assert.ok(r.ok);
    assert.match(r.output, new RegExp(`args:${dir} --tc-heuristic-recover=rollback`));
  });

  it('warns, with their seqnos, of the prepared write-sets the recovery rolled back by itself', async () => {
    const lines: { msg: string; level: number; seqnos?: string[] }[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as (typeof lines)[0]) });
    const r = await run(
      [
        'bash',
        '-c',
        `echo "[Warning] Rolled back orphan prepared wsrep transaction 10" >&2; echo "[Warning] Rolled back orphan prepared wsrep transaction 8" >&2; echo "WSREP: Recovered position: ${U}:5" >&2`,
      ],
      { log },
    );
    assert.ok(r.ok && r.position.seqno === 5n);
    const warned = lines.filter((l) => l.level === 40);
    assert.equal(warned.length, 1);
    assert.deepEqual(warned[0].seqnos, ['8', '10']);
    assert.match(warned[0].msg, /rolled back 2 prepared write-sets .* \(seqno 8, 10\): a state transfer brings back/);
  });

  it('says what the output looked like when it has no position', async () => {
    const r = await run(['bash', '-c', 'echo "[ERROR] Aborting"; exit 1']);
    assert.ok(!r.ok && /no "Recovered position".*exit 1.*Aborting/.test(r.error));
  });

  it("names a port held by another process (Debian 12's mariadb.socket) as the cause", async () => {
    const r = await run([
      'bash',
      '-c',
      'echo "[ERROR] Can\'t start server: Bind on TCP/IP port. Got error: 98: Address already in use"; echo "[ERROR] Do you already have another server running on port: 3306 ?"; echo "[ERROR] Aborting"; exit 1',
    ]);
    assert.ok(!r.ok);
    assert.match(
      r.error,
      /^the server's port is held by another process.*systemctl disable --now mariadb\.socket.*no "Recovered position".*exit 1/,
    );
    const plain = await run(['bash', '-c', 'echo "[ERROR] Bind on TCP/IP port. Got error: 99: Cannot assign"; exit 1']);
    assert.ok(
      !plain.ok && plain.error.startsWith('no "Recovered position"'),
      'another bind error is not named as a held port',
    );
  });

  it('reports a command that cannot be run', async () => {
    const r = await run(['/nonexistent/mariadbd']);
    assert.ok(!r.ok && /cannot run/.test(r.error));
  });

  it('expands {datadir} and nothing else', () => {
    assert.deepEqual(expandCommand(['m', '--datadir={datadir}', '{other}'], { datadir: '/d' }), [
      'm',
      '--datadir=/d',
      '{other}',
    ]);
  });

  it('caches a result for one grastate.dat version only', () => {
    writeRecoveryCache(lockFile, 'v1', { uuid: U, seqno: 9223372036854775807n });
    assert.deepEqual(readRecoveryCache(lockFile, 'v1'), { uuid: U, seqno: 9223372036854775807n });
    assert.equal(readRecoveryCache(lockFile, 'v2'), null);
    fs.writeFileSync(`${lockFile}.recovered`, '{"version":"v1","uuid":"x","seqno":"1"}');
    assert.equal(readRecoveryCache(lockFile, 'v1'), null);
    fs.writeFileSync(`${lockFile}.recovered`, 'garbage');
    assert.equal(readRecoveryCache(lockFile, 'v1'), null);
  });

  it("caches a failed run's error and prepared count too, for the same grastate.dat version", () => {
    writeRecoveryCache(lockFile, 'v1', { error: 'the crash left 2 prepared transactions', prepared: 2 });
    assert.deepEqual(readRecoveryCacheEntry(lockFile, 'v1'), {
      position: null,
      error: 'the crash left 2 prepared transactions',
      prepared: 2,
    });
    assert.equal(readRecoveryCache(lockFile, 'v1'), null, 'no position');
    assert.equal(readRecoveryCacheEntry(lockFile, 'v2'), null);
    fs.writeFileSync(`${lockFile}.recovered`, JSON.stringify({ version: 'v1', error: 'x', prepared: -3 }));
    assert.deepEqual(readRecoveryCacheEntry(lockFile, 'v1'), { position: null, error: 'x', prepared: 0 });
  });

  it("an agent that may not recover serves galera-init's failed run: its error and prepared count", async () => {
    // A crash's grastate.dat (seqno -1) and no server: a recovery is needed; this agent may not run it.
    const src = source(false, 'false');
    await src.start();
    src.sync(crashFacts);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([src.facts.error, src.facts.prepared], ['', 0], 'nothing to serve yet');
    // galera-init's run failed on prepared transactions, for this data (grastate.dat v1, no InnoDB).
    writeRecoveryCache(lockFile, 'v1|', { error: 'the crash left 2 prepared transactions', prepared: 2 });
    src.dataChanged();
    src.sync(crashFacts);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([src.facts.error, src.facts.prepared], ['the crash left 2 prepared transactions', 2]);
    // Its later success (after the rollback) replaces it.
    writeRecoveryCache(lockFile, 'v1|', { uuid: U, seqno: 41n });
    src.dataChanged();
    src.sync(crashFacts);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([src.facts.error, src.facts.position?.seqno], ['', 41n]);
  });

  it('an agent that may recover runs its own recovery over a failure an earlier run cached', async () => {
    // An earlier agent (another command, a timeout since raised) failed on this data and cached it;
    // this one may run a recovery: the stale failure must not stand in for its own run.
    writeRecoveryCache(lockFile, 'v1|', { error: 'recovery exited 1 without a position', prepared: 0 });
    const src = source(true, `echo "WSREP: Recovered position: ${U}:42" >&2`);
    await src.start();
    src.sync(crashFacts);
    await waitFor('the own recovery', () => src.facts.position?.seqno === 42n, 5000, 20);
    assert.equal(src.facts.error, '');
    assert.equal(readRecoveryCache(lockFile, 'v1|')?.seqno, 42n, 'its success replaces the cached failure');
    await src.stop();
  });

  it("a daemon's own failure, written beside the lock, does not start it again (the watch sees its write)", async () => {
    const runs = path.join(dir, 'runs');
    // Like MariaDB's first run after a crash, the failed run rewrites InnoDB's files: its result is
    // this data's as the run left it, not as it found it.
    fs.writeFileSync(path.join(dir, 'ibdata1'), 'x');
    const src = source(true, `echo run >> ${runs}; echo y >> ${dir}/ibdata1; echo "no position here" >&2; exit 1`);
    await src.start();
    src.sync(crashFacts);
    await waitFor('its failure', () => src.facts.error !== '', 5000, 20);

    // What the lock's directory watch does on that write; then the periodic syncs.
    for (let i = 0; i < 5; i++) {
      src.dataChanged();
      src.sync(crashFacts);
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.equal(fs.readFileSync(runs, 'utf8'), 'run\n', 'one run for this data');
    assert.match(src.facts.error, /no position/);
    await src.stop();
  });

  it("the packaged agent serves a tool's failure after that run rewrote InnoDB's files", async () => {
    fs.writeFileSync(path.join(dir, 'ibdata1'), 'x');
    // galera-check seqno (root): its run applies the redo log, then stops on prepared transactions.
    const tool = source(true, `echo y >> ${dir}/ibdata1; echo "Found 2 prepared transactions!" >&2; exit 1`, true);
    tool.sync(crashFacts);
    await tool.readOnce();
    assert.equal(tool.facts.prepared, 2);
    const agent = source(false, 'exit 3');
    await agent.start();
    agent.sync(crashFacts);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([agent.facts.prepared, /prepared/.test(agent.facts.error)], [2, true]);
    await agent.stop();
  });

  it('the daemon waits for a datadir that someone is rewriting to hold still before it runs', async () => {
    const runs = path.join(dir, '..', `${path.basename(dir)}.runs`);
    fs.writeFileSync(path.join(dir, 'ibdata1'), 'x');
    const agent = new RecoverySource({
      enabled: true,
      command: ['bash', '-c', `echo run >> ${runs}; echo "WSREP: Recovered position: ${U}:42" >&2`],
      timeoutMs: 5000,
      datadir: dir,
      lockFile,
      log: silentLogger(),
      busyNow: () => false,
      settleMs: 400,
    });
    await agent.start();
    try {
      // An `rm -rf` then an install: entries come and go every 100 ms for a second.
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < 1000; i++) {
        fs.writeFileSync(path.join(dir, `f${i}`), 'x');
        agent.sync(crashFacts);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(fs.existsSync(runs), false, 'no run while the datadir changes');
      await waitFor('the run once it held still', () => agent.facts.position?.seqno === 42n, 5000, 20);
      assert.equal(fs.readFileSync(runs, 'utf8'), 'run\n');
    } finally {
      await agent.stop();
      fs.rmSync(runs, { force: true });
    }
  });

  it('a run killed because a server started is no result: nothing cached, run again once that server goes', async () => {
    const runs = path.join(dir, '..', `${path.basename(dir)}.runs`);
    const agent = source(
      true,
      `echo run >> ${runs}; [ $(wc -l < ${runs}) -ge 2 ] || sleep 30; echo "WSREP: Recovered position: ${U}:42" >&2`,
    );
    await agent.start();
    try {
      agent.sync(crashFacts);
      await waitFor('the run', () => agent.facts.running, 5000, 20);
      const withServer = { ...crashFacts, processes: { servers: [{ pid: 1 }], recoveries: [], initiators: [] } };
      agent.sync(withServer as unknown as typeof crashFacts);
      await waitFor('the run killed', () => !agent.facts.running, 5000, 20);
      assert.deepEqual([agent.facts.error, agent.facts.prepared], ['', 0], 'no failure stands for the data');
      assert.equal(fs.existsSync(recoveryCacheFile(lockFile)), false, 'nothing cached beside the lock');
      // The server goes again, still with seqno -1 (it crashed on its way up): the run is due.
      agent.sync(crashFacts);
      await waitFor('the second run', () => agent.facts.position?.seqno === 42n, 5000, 20);
    } finally {
      await agent.stop();
      fs.rmSync(runs, { force: true });
    }
  });

  it('a result found while grastate.dat changed is set aside, and the new file gets a run of its own', async () => {
    const runs = path.join(dir, '..', `${path.basename(dir)}.runs`);
    const agent = source(true, `echo run >> ${runs}; sleep 0.3; echo "WSREP: Recovered position: ${U}:42" >&2`);
    await agent.start();
    try {
      agent.sync(crashFacts);
      await waitFor('the run', () => agent.facts.running, 5000, 20);
      const edited = { ...crashFacts, grastate: { ...crashFacts.grastate, version: 'v2' } };
      agent.sync(edited);
      await waitFor('a run for the new file', () => agent.facts.position?.seqno === 42n, 5000, 20);
      assert.equal(fs.readFileSync(runs, 'utf8'), 'run\nrun\n');
      assert.equal(readRecoveryCache(lockFile, 'v1|'), null, 'nothing stands for the old file');
    } finally {
      await agent.stop();
      fs.rmSync(runs, { force: true });
    }
  });

  it('a lock found busy at the run is no run: a stale cached failure does not stand in for it after', async () => {
    writeRecoveryCache(lockFile, 'v1|', { error: 'recovery timed out', prepared: 0 });
    // The agent's view of the lock is a poll old: free; the file says a live process holds it.
    fs.writeFileSync(lockFile, `${process.ppid}\n`);
    const agent = source(true, `echo "WSREP: Recovered position: ${U}:42" >&2`);
    await agent.start();
    agent.sync(crashFacts);
    await waitFor('the busy run settled', () => !agent.facts.running, 5000, 20);
    assert.equal(agent.facts.position, null);
    fs.rmSync(lockFile);
    agent.sync(crashFacts);
    await waitFor('its own recovery', () => agent.facts.position?.seqno === 42n, 5000, 20);
    await agent.stop();
  });
});
