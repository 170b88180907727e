// galera-check cluster runs galera-init's first look: its config must pass through each module
// once. Before the house was put in order it built the process table three times (one per look at
// it, each a cold scan of /proc) and entered the initiator's module four times.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { buildConfig } from '../../../src/config';
import { silentLogger } from '../../../src/log';
import { clusterTable } from '../../../src/check/cluster';
import * as members from '../../../src/members';
import * as collect from '../../../src/collect';
import * as sourceIndex from '../../../src/sources/index';
import * as processes from '../../../src/sources/processes';
import * as mysql from '../../../src/sources/mysql';

describe('galera-check cluster', function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-cluster-'));
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves the members once and builds one set of sources, with one process table', async () => {
    const resolve = sinon.spy(members, 'resolveMembers');
    const read = sinon.spy(collect, 'collectOnce');
    const create = sinon.spy(sourceIndex, 'createSources');
    const procs = sinon.spy(processes, 'ProcessSource');
    const wsrep = sinon.spy(mysql, 'MysqlSource');
    const cfg = buildConfig(
      {
        datadir: dir,
        lockFile: path.join(dir, 'galera-init.lock'),
        mysql: { enabled: false },
        recovery: { enabled: false },
        // This node on loopback and a peer nobody answers for: both asked, neither answers.
        init: { members: ['127.0.0.1:9', '127.0.0.2:9'], snmpTimeoutMs: 100, snmpRetries: 0 },
      },
      'test',
    );
    const table = await clusterTable(cfg, silentLogger());
    assert.match(table, /^member\s+name\s+answered/);
    assert.match(table, /127\.0\.0\.1:9 \(this node\)/);
    assert.match(table, /decision: /);
    assert.equal(resolve.callCount, 1, 'members resolved once');
    assert.equal(create.callCount, 1, 'one set of sources');
    assert.equal(read.callCount, 1, "one read of this node's facts");
    assert.equal(procs.callCount, 1, 'one process table (the recovery source looks through it too)');
    assert.equal(wsrep.callCount, 1, 'one MySQL source');
  });
});
