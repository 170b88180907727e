// Converting standalone servers into a cluster, end to end: three real MariaDB servers that never
// ran Galera, one of them with a table of rows, no grastate.dat anywhere. Every seqno is -1, so
// only the published user data tells the node to keep from the empty ones: it must bootstrap, the
// others join by state transfer, and its rows end on all three (issue 19: an empty node used to
// bootstrap, and the holder would have lost its rows joining it).

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { stopAgent } from '../helpers/agent';
import { cleanupAll, SLACK, start, waitFor } from '../helpers/proc';
import { snmpgetOne } from '../helpers/snmp';
import { EXIT } from '../../src/errors';
import {
  installDatadir,
  rowCount,
  serverArgs,
  serverPid,
  sql,
  stopServer,
  stopServerByPid,
  waitSynced,
  wsrepStatus,
} from '../helpers/galera';
import { Harness, HarnessNode, INIT_BIN as INIT, createHarness, exitCode } from '../helpers/harness';

const pexec = promisify(execFile);
const ROWS = 50;

describe('galera-init converting three standalone servers, one holding data', function () {
  this.timeout(300000 * SLACK);
  let h: Harness;
  let nodes: HarnessNode[] = [];

  before(async () => {
    h = await createHarness(3, { prefix: 'v' });
    nodes = h.nodes;
  });

  after(async () => {
    for (const n of nodes) await stopServerByPid(n.g, 'SIGKILL').catch(() => undefined);
    for (const n of nodes) await stopAgent(n.agent).catch(() => undefined);
    await cleanupAll();
  });

  const userData = (n: HarnessNode): Promise<string> => snmpgetOne(n.master.port, 'GALERA-MIB::galeraUserData.0');

  it('v3 runs standalone (no wsrep provider) and gets a table of rows; no grastate.dat anywhere', async () => {
    const v3 = nodes[2].g;
    // As a server that never ran Galera: no provider loaded, so it writes no grastate.dat.
    const args = [...serverArgs(v3), '--wsrep-on=OFF', '--wsrep-provider=none'];
    v3.child = start('/usr/sbin/mariadbd', args, { logFile: path.join(v3.dir, 'standalone.log'), cwd: v3.dir });
    await waitFor(
      'v3 standalone to accept connections',
      async () =>
        sql(v3, 'SELECT 1').then(
          () => true,
          () => false,
        ),
      60000,
      100,
    );
    await sql(v3, 'CREATE DATABASE shop');
    await sql(v3, 'CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, v INT) ENGINE=InnoDB');
    for (let i = 0; i < ROWS; i++) await sql(v3, `INSERT INTO shop.orders (v) VALUES (${i})`);
    await stopServer(v3, 'SIGTERM');
    for (const n of nodes) assert.equal(fs.existsSync(path.join(n.g.datadir, 'grastate.dat')), false, n.g.name);
    // Each agent reads its datadir and publishes what it holds.
    await waitFor('v3 to publish its user data', async () => (await userData(nodes[2])) === 'true', 30000, 100);
    for (const n of nodes.slice(0, 2))
      await waitFor(`${n.g.name} to publish none`, async () => (await userData(n)) === 'false', 30000, 100);
    assert.match(await snmpgetOne(nodes[2].master.port, 'GALERA-MIB::galeraUserSchemas.0'), /shop/);
  });

  it('--dry-run on an empty node waits for the holder instead of bootstrapping (seqno -1 everywhere)', async () => {
    // Every agent must have found its position (recovery on a datadir without grastate.dat) first.
    for (const n of nodes)
      await waitFor(
        `${n.g.name} position known`,
        async () => !['unreadable'].includes(await snmpgetOne(n.master.port, 'GALERA-MIB::galeraSeqnoSource.0')),
        60000,
        100,
      );
    const { stdout } = await pexec(process.execPath, [INIT, '--config', nodes[0].agent.configFile, '--dry-run']);
    assert.match(
      stdout,
      /decision: wait\nreason: {3}v3 \(shop\) holds user data and no member has Galera state: it is the only candidate \(v1:empty v2:empty v3:data\): waiting for it to bootstrap, then joining/,
      stdout,
    );
    assert.equal(serverPid(nodes[0].g), null);
  });

  it('three initiators at once: v3 bootstraps, v1 and v2 join, its rows are on all three', async () => {
    const inits = nodes.map((n) => h.runInit(n));
    const codes = await Promise.all(inits.map(exitCode));
    const logs = inits.map((i) => i.output().split('\n').slice(-4).join('\n')).join('\n---\n');
    assert.deepEqual(codes, [0, 0, 0], logs);
    assert.match(inits[2].output(), /bootstrapped a new cluster/, logs);
    assert.match(inits[0].output(), /joined the cluster/, logs);
    assert.match(inits[1].output(), /joined the cluster/, logs);
    for (const n of nodes) await waitSynced(n.g, 60000 * SLACK);
    assert.equal((await wsrepStatus(nodes[0].g)).wsrep_cluster_size, '3');
    for (const n of nodes) assert.equal(await rowCount(n.g, 'shop.orders'), ROWS, n.g.name);
  });

  it('a standalone server with data of its own joins the running cluster only with --discard-data naming it', async () => {
    const v1 = nodes[0];
    // v1 becomes a server that never ran Galera again, with a schema of its own.
    await stopServerByPid(v1.g, 'SIGTERM');
    fs.rmSync(v1.g.datadir, { recursive: true, force: true });
    fs.mkdirSync(v1.g.datadir);
    installDatadir(v1.g.datadir, v1.g.dir, ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M']);
    v1.g.child = start('/usr/sbin/mariadbd', [...serverArgs(v1.g), '--wsrep-on=OFF', '--wsrep-provider=none'], {
      logFile: path.join(v1.g.dir, 'standalone.log'),
      cwd: v1.g.dir,
    });
    await waitFor(
      'v1 standalone',
      async () =>
        sql(v1.g, 'SELECT 1').then(
          () => true,
          () => false,
        ),
      60000,
      100,
    );
    await sql(v1.g, 'CREATE DATABASE crm');
    await sql(v1.g, 'CREATE TABLE crm.contacts (id INT PRIMARY KEY) ENGINE=InnoDB');
    await sql(v1.g, 'INSERT INTO crm.contacts VALUES (1), (2), (3)');
    await stopServer(v1.g, 'SIGTERM');
    // Its agent published `shop` while it was a member: 'true' alone could still be that (it looks
    // again within a backstop period), and galera-init counts the agent's schemas with its own.
    await waitFor(
      'v1 to publish crm as its user data',
      async () => (await snmpgetOne(v1.master.port, 'GALERA-MIB::galeraUserSchemas.0')) === 'crm',
      30000,
      100,
    );
    const once = async (extra: string[]): Promise<{ code: number; out: string }> =>
      pexec(process.execPath, [INIT, '--config', v1.agent.configFile, '--once', ...extra]).then(
        (r) => ({ code: 0, out: `${r.stdout}${r.stderr}` }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
      );
    // Not acknowledged, or acknowledged for other schemas: refused, its data left alone.
    const plain = await once([]);
    assert.equal(plain.code, EXIT.FAILED, plain.out);
    assert.match(
      plain.out,
      /this node holds user data \(crm\) and no Galera state: joining .* replaces it by a full state transfer/,
    );
    assert.match(plain.out, /galera-init --discard-data=crm/);
    const wrong = await once(['--discard-data=shop']);
    assert.equal(wrong.code, EXIT.FAILED, wrong.out);
    assert.match(wrong.out, /--discard-data=shop does not name what this node holds: crm/);
    assert.equal(serverPid(v1.g), null);
    // Acknowledged: it joins, and the state transfer replaces its datadir by the cluster's.
    const init = h.runInit(v1, ['--discard-data=crm']);
    assert.equal(await exitCode(init), 0, init.output());
    assert.match(init.output(), /joined the cluster/);
    assert.match(init.output(), /this node's user data \(crm\) is discarded by the state transfer, as acknowledged/);
    await waitSynced(v1.g, 60000 * SLACK);
    assert.equal(await rowCount(v1.g, 'shop.orders'), ROWS);
    assert.deepEqual(await sql(v1.g, "SHOW DATABASES LIKE 'crm'"), []);
  });
});
