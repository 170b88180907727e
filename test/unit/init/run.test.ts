// galera-init's real world (realEnv): one set of sources for the whole run, as the agent has one.
// Before, each look at the server built its own process table (a cold scan of /proc every 100 ms
// while a server started) and each wait for readiness its own MySQL source.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { buildConfig } from '../../../src/config';
import { silentLogger } from '../../../src/log';
import pino from 'pino';
import { realEnv, roundMembers } from '../../../src/init/run';
import * as processes from '../../../src/sources/processes';
import * as mysql from '../../../src/sources/mysql';

describe("galera-init's sources", function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-run-'));
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('one process table and one MySQL source for every look; recovery only when asked, and again after a failure', async () => {
    const procs = sinon.spy(processes, 'ProcessSource');
    const wsrep = sinon.spy(mysql, 'MysqlSource');
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    // A crashed node: grastate.dat names its state but no seqno, so the position must be recovered.
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   -1\nsafe_to_bootstrap: 0\n',
    );
    const runs = path.join(dir, 'runs');
    const cfg = buildConfig(
      {
        datadir,
        lockFile: path.join(dir, 'galera-init.lock'),
        mysql: { enabled: false },
        // A recovery that fails: each run leaves a line behind.
        recovery: { command: ['/bin/sh', '-c', `echo run >> ${runs}; exit 1`], timeoutMs: 5000 },
        init: { members: ['127.0.0.1:9'] },
      },
      'test',
    );
    const log = silentLogger();
    const env = realEnv(cfg, log, roundMembers(cfg, log).targets);
    const ranTimes = (): number => (fs.existsSync(runs) ? fs.readFileSync(runs, 'utf8').split('\n').length - 1 : 0);

    for (let i = 0; i < 5; i++) assert.equal(await env.serverRunning(), false);
    const first = await env.localFacts({ recover: false });
    assert.equal(first.seqnoSource, 'unknown');
    assert.equal(ranTimes(), 0, 'no recovery without the lock');
    await env.localFacts({ recover: true });
    assert.equal(ranTimes(), 1, 'recovered under the lock');
    await env.localFacts({ recover: false });
    assert.equal(ranTimes(), 1, 'not on a look without the lock');
    await env.localFacts({ recover: true });
    assert.equal(ranTimes(), 2, "a failed recovery is tried again on the next round's turn");
    assert.equal(procs.callCount, 1, 'one process table for the run');
    assert.equal(wsrep.callCount, 1, 'one MySQL source for the run');
  });

  it('the heuristic rollback: the recovery command with --tc-heuristic-recover=rollback, one line saying so, then the position recovered anew', async () => {
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   -1\nsafe_to_bootstrap: 0\n',
    );
    // What MariaDB does: stuck at the prepared transaction until a run with the rollback flag.
    const gone = path.join(dir, 'rolled-back');
    const args = path.join(dir, 'args');
    const script = [
      `echo "$@" >> ${args}`,
      // MariaDB 10.11 ends a heuristic run without a position, exit 1 (seen on a real one).
      `case "$*" in *--tc-heuristic-recover=rollback*) touch ${gone}; echo "[Note] Please restart without --tc-heuristic-recover" >&2; echo "[ERROR] Aborting" >&2; exit 1;; esac`,
      `if [ -e ${gone} ]; then echo "WSREP: Recovered position: 84e32a09-e6d7-11f1-92ef-87e236721ec1:41" >&2; exit 0; fi`,
      'echo "[ERROR] Found 1 prepared transactions! It means that server was not shut down properly" >&2; exit 1',
    ].join('\n');
    const cfg = buildConfig(
      {
        datadir,
        lockFile: path.join(dir, 'galera-init.lock'),
        mysql: { enabled: false },
        recovery: { command: ['/bin/sh', '-c', script, 'sh', '--datadir={datadir}'], timeoutMs: 5000 },
        init: { members: ['127.0.0.1:9'] },
      },
      'test',
    );
    const lines: { msg: string; level: number }[] = [];
    const log = pino(
      { level: 'info' },
      { write: (l: string) => lines.push(JSON.parse(l) as { msg: string; level: number }) },
    );
    const env = realEnv(cfg, log, roundMembers(cfg, log).targets);
    const stuck = await env.localFacts({ recover: true });
    assert.equal(stuck.prepared, 1);
    assert.equal(stuck.seqnoSource, 'unknown');
    const r = await env.heuristicRollback!(1, 'recovery.heuristicRollback');
    assert.ok(r.ok, JSON.stringify(r));
    const said = lines.filter((l) => /HEURISTIC ROLLBACK/.test(l.msg));
    assert.equal(said.length, 1);
    assert.match(
      said[0].msg,
      /^HEURISTIC ROLLBACK \(recovery\.heuristicRollback\): rolling back the 1 prepared transaction the crash left;/,
    );
    assert.equal(said[0].level, 40, 'a warning');
    const after = await env.localFacts({ recover: true });
    assert.equal(after.prepared, 0);
    assert.equal(after.seqnoSource, 'recovered');
    assert.equal(after.seqno, 41n);
    assert.deepEqual(fs.readFileSync(args, 'utf8').trim().split('\n'), [
      `--datadir=${datadir}`,
      `--datadir=${datadir} --tc-heuristic-recover=rollback`,
      `--datadir=${datadir}`,
    ]);
  });

  it('a heuristic rollback that still finds prepared transactions fails, with the reason', async () => {
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    const cfg = buildConfig(
      {
        datadir,
        lockFile: path.join(dir, 'galera-init.lock'),
        mysql: { enabled: false },
        recovery: {
          command: ['/bin/sh', '-c', 'echo "[ERROR] Found 2 prepared transactions!" >&2; exit 1'],
          timeoutMs: 5000,
        },
        init: { members: ['127.0.0.1:9'] },
      },
      'test',
    );
    const log = silentLogger();
    const r = await realEnv(cfg, log, roundMembers(cfg, log).targets).heuristicRollback!(2, 'FORCED (--force)');
    assert.ok(!r.ok);
    assert.match(r.error, /^the crash left 2 prepared transactions/);
  });
});
