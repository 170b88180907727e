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
});
