// A rolling conversion of a running Galera cluster (issue 19): three systemd nodes run a Galera
// cluster that is not ours (Debian's mariadb.service enabled, the operator's wsrep settings in
// Debian's 60-galera.cnf, nothing of galera-agentx), and each is converted in turn with the README's
// own blocks and the .deb, while every node takes writes. Every node samples wsrep_cluster_status
// for the whole conversion: never anything but a Primary component of 3. No server is restarted,
// no file under /etc/mysql changes, no write fails, and every row is on every node. Then one node
// reboots: galera-init, no longer mariadb.service, brings it back, and the other two stay Primary.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cleanupAll, ROOT, SLACK, tempDir, waitFor } from '../helpers/proc';
import { ClusterNode, NMS, ProductionCluster, productionUnavailable, readmeBlock } from '../helpers/production';
import { ExecResult } from '../helpers/systemd';

const pexec = promisify(execFile);

/** The operator's own wsrep settings, in the file Debian's mariadb-server ships for them. */
const WSREP_FILE = '/etc/mysql/mariadb.conf.d/60-galera.cnf';
const wsrepSettings = (name: string, addr: string, members: string[]): string =>
  [
    '[galera]',
    'wsrep_on                 = ON',
    'wsrep_provider           = /usr/lib/galera/libgalera_smm.so',
    'wsrep_cluster_name       = shop-cluster',
    `wsrep_cluster_address    = gcomm://${members.join(',')}`,
    `wsrep_node_name          = ${name}`,
    `wsrep_node_address       = ${addr}`,
    'wsrep_sst_method         = rsync',
    'binlog_format            = row',
    'default_storage_engine   = InnoDB',
    'innodb_autoinc_lock_mode = 2',
    '',
  ].join('\n');

/** The README's per-node conversion block, its first line (the example values) set for this node. */
function conversionScript(x: ClusterNode): string {
  const [first, ...rest] = readmeBlock('conversion-rolling').split('\n');
  if (!first.startsWith('NODE='))
    throw new Error(`the README's conversion block must start with NODE=...; got: ${first}`);
  return [`NODE=${x.name} ADDR=${x.addr} NMS=${NMS}`, ...rest].join('\n');
}

/**
 * A loop inside the node until /root/stop-NAME exists: each line its output, into /root/NAME.log.
 * Resolves when the loop ends (stop()).
 */
function loop(x: ClusterNode, name: string, body: string): { done: Promise<ExecResult>; stop: () => Promise<string> } {
  const done = x.node.exec(
    [
      'bash',
      '-c',
      `rm -f /root/stop-${name}; while [ ! -e /root/stop-${name} ]; do ${body}; done > /root/${name}.log 2>&1`,
    ],
    { timeoutMs: 1800000 },
  );
  return {
    done,
    stop: async () => {
      await x.node.run(['touch', `/root/stop-${name}`]);
      await done;
      return x.node.run(['cat', `/root/${name}.log`]);
    },
  };
}

/** wsrep_cluster_status and _size every 200 ms, or `down` when the server does not answer. */
const SAMPLE =
  `s=$(mariadb -N -B -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_cluster_size')" 2>&1 | tr '\\t\\n' '= ') || s=down; ` +
  `echo "$(date +%s.%N) $s"; sleep 0.2`;

/** An insert through this node every 50 ms: `ok` when acknowledged, else the client's error. */
const WRITE = (node: string): string =>
  `i=$((\${i:-0}+1)); if e=$(mariadb -e "INSERT INTO gx.t (node, v) VALUES ('${node}', $i)" 2>&1); then echo ok; else echo "fail $e"; fi; sleep 0.05`;

describe('production: a rolling conversion of a running Galera cluster, under writes', function () {
  this.timeout(1200000 * SLACK);
  const c = new ProductionCluster();
  let deb = '';

  const mainPid = async (x: ClusterNode): Promise<number> => Number(await x.node.prop('mariadb.service', 'MainPID'));
  const etcMysql = (x: ClusterNode): Promise<string> =>
    x.node.sh('find /etc/mysql -type f -print0 | sort -z | xargs -0 md5sum');
  const count = async (x: ClusterNode): Promise<number> => Number(await c.sql(x, 'SELECT COUNT(*) FROM gx.t'));
  /** Every sample line of every node: a Primary component of `sizes`. */
  const assertSamples = (logs: Map<string, string>, sizes: number[], min: number): void => {
    for (const [name, log] of logs) {
      const lines = log.trim().split('\n');
      assert.ok(lines.length >= min, `${name}: only ${lines.length} samples`);
      const bad = lines.filter((l) => {
        const size = /wsrep_cluster_size=(\d+)/.exec(l);
        return !/wsrep_cluster_status=Primary/.test(l) || !size || !sizes.includes(Number(size[1]));
      });
      assert.deepEqual(bad, [], `${name}: samples outside a Primary component of ${sizes.join(' or ')}`);
    }
  };

  before(async function () {
    const why =
      productionUnavailable() ??
      (['/usr/bin/dpkg-deb', '/usr/bin/apt-get'].find((f) => !fs.existsSync(f))
        ? 'dpkg-deb or apt-get not installed (Debian packages dpkg-dev apt)'
        : null);
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const { stdout } = await pexec('bash', [path.join(ROOT, 'scripts/package-deb.sh'), '--out', tempDir('gx-conv-')], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });
    // The block installs ./galera-agentx_*_all.deb: with no such file there, apt fails and so does it.
    deb = stdout.trim().split('\n').pop()!;
    await c.create(3);
    const members = c.nodes.map((x) => x.addr);
    // A stock Debian server that runs Galera on its own: snmpd and mariadb enabled, Galera set up by
    // the operator, the cluster started by hand (galera_new_cluster on one node, the others join).
    await Promise.all(
      c.nodes.map(async (x) => {
        x.node.writeTarget('gxsd-stock.target', ['snmpd.service']);
        x.node.writeFile(WSREP_FILE, wsrepSettings(x.name, x.addr, members));
        x.node.writeFile(`/root/${path.basename(deb)}`, fs.readFileSync(deb));
        await x.node.boot('gxsd-stock.target');
        await x.node.waitBooted(60000);
        // This machine is a container image whose policy-rc.d forbids every service action; a real
        // server has none (the package's restart of snmpd goes through it).
        await x.node.sh('rm -f /usr/sbin/policy-rc.d; systemctl enable mariadb.service snmpd.service');
      }),
    );
    const [first, ...others] = c.nodes;
    await first.node.run(['galera_new_cluster'], { timeoutMs: 120000 });
    for (const x of others) await x.node.run(['systemctl', 'start', 'mariadb.service'], { timeoutMs: 300000 });
    await c.waitCluster(3);
    await c.sql(first, 'CREATE DATABASE gx');
    await c.sql(first, 'CREATE TABLE gx.t (id INT AUTO_INCREMENT PRIMARY KEY, node VARCHAR(8), v INT)');
  });

  after(async () => {
    await c.destroy();
    await cleanupAll();
  });

  it('converts node by node with the README blocks: refused on a Desynced node; always Primary of 3, no server restarted, no write lost', async () => {
    const samplers = c.nodes.map((x) => loop(x, 'samples', SAMPLE));
    const writers = c.nodes.map((x) => loop(x, 'writes', WRITE(x.name)));
    const before = new Map<string, { pid: number; etc: string }>();
    for (const x of c.nodes) before.set(x.name, { pid: await mainPid(x), etc: await etcMysql(x) });
    const convert = (x: ClusterNode): Promise<ExecResult> =>
      x.node.exec(['bash', '-euo', 'pipefail', '-c', `cd /root && ${conversionScript(x)}`], {
        timeoutMs: 300000,
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      });
    // The block's precheck stops it on a node that is not Synced (here Desynced, as during a backup)
    // before it changes anything.
    const [db1] = c.nodes;
    await c.sql(db1, 'SET GLOBAL wsrep_desync = ON');
    await waitFor('db1 Desynced', async () => /Desynced/.test((await c.view(db1))?.state ?? ''), 30000, 200);
    const refused = await convert(db1);
    await c.sql(db1, 'SET GLOBAL wsrep_desync = OFF');
    assert.equal(refused.code, 1, `db1 Desynced: the block went on:\n${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr, /not converting db1: it is 'Primary Donor\/Desynced', not 'Primary Synced'/);
    assert.equal((await db1.node.exec(['dpkg', '-s', 'galera-agentx'])).code, 1, 'the package installed');
    assert.equal((await db1.node.exec(['test', '-e', '/etc/snmp/snmpd.conf.d/site.conf'])).code, 1);
    await waitFor('db1 Synced', async () => (await c.view(db1))?.state === 'Synced', 30000, 200);
    const t0 = Date.now();
    for (const [i, x] of c.nodes.entries()) {
      if (i === 0) await x.node.sh(readmeBlock('conversion-account'));
      const t = Date.now();
      const r = await convert(x);
      assert.equal(r.code, 0, `${x.name}: the conversion block failed:\n${r.stdout}\n${r.stderr}`);
      console.log(`      ${x.name} converted in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      // The same server process, its config untouched; its start at boot is galera-init's now.
      assert.equal(await x.node.prop('mariadb.service', 'ActiveState'), 'active');
      assert.equal(await mainPid(x), before.get(x.name)!.pid, `${x.name}: the server was restarted`);
      assert.equal(await etcMysql(x), before.get(x.name)!.etc, `${x.name}: a file under /etc/mysql changed`);
      assert.equal((await x.node.exec(['systemctl', 'is-enabled', 'mariadb.service'])).stdout.trim(), 'disabled');
      for (const u of ['galera-init.service', 'galera-agentx.service', 'galera-recover.timer'])
        assert.equal((await x.node.exec(['systemctl', 'is-enabled', u])).stdout.trim(), 'enabled', u);
      assert.equal(await x.node.prop('galera-init.service', 'Result'), 'success');
      assert.match(await x.node.journal('galera-init.service'), /the local server is already up/);
      // galera-init read the members from the operator's wsrep_cluster_address: its dry run asks
      // all three (the unconverted ones have no agent yet).
      const dry = await x.node.exec(['galera-init', '--dry-run'], { timeoutMs: 120000 });
      for (const y of c.nodes)
        assert.match(dry.stdout, new RegExp(`^${y.addr.replace(/\./g, '\\.')}\\b`, 'm'), dry.stdout);
    }
    console.log(`      the three conversions took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const writes = new Map<string, string>();
    for (const [i, x] of c.nodes.entries()) writes.set(x.name, await writers[i].stop());
    const samples = new Map<string, string>();
    for (const [i, x] of c.nodes.entries()) samples.set(x.name, await samplers[i].stop());
    // At least one sample a second on each node, for the whole conversion.
    assertSamples(samples, [3], Math.floor((Date.now() - t0) / 1000 / SLACK / 2));
    let acked = 0;
    for (const [name, log] of writes) {
      const lines = log.trim().split('\n');
      const failed = lines.filter((l) => l !== 'ok');
      assert.deepEqual(failed, [], `${name}: writes failed during the conversion`);
      acked += lines.length;
    }
    await c.waitCluster(3);
    for (const x of c.nodes) assert.equal(await count(x), acked, `${x.name}: rows`);
    console.log(
      `      ${acked} acknowledged writes, all on every node; ${[...samples.values()].join('\n').trim().split('\n').length} samples, all Primary of 3`,
    );
    // Every member's agent answers every other member now: galera-init sees the whole cluster.
    for (const x of c.nodes) {
      const dry = await x.node.run(['galera-init', '--dry-run'], { timeoutMs: 120000 });
      assert.match(dry, /^decision: done/m, `${x.name}:\n${dry}`);
      assert.doesNotMatch(dry, /no answer/, `${x.name}:\n${dry}`);
    }
  });

  it('a converted node reboots: galera-init brings its server back; the others stay Primary', async () => {
    const [db1, db2, db3] = c.nodes;
    const samplers = [db1, db3].map((x) => loop(x, 'samples', SAMPLE));
    const rows = await count(db1);
    await db2.node.shutdown(120000);
    await c.sql(db1, "INSERT INTO gx.t (node, v) VALUES ('db1', -1)");
    await db2.node.boot('multi-user.target', 60000);
    await c.waitCluster(3);
    const init = await db2.node.journal('galera-init.service');
    assert.match(init, /"decision":"join"/, init);
    assert.equal(await db2.node.prop('galera-init.service', 'Result'), 'success');
    await waitFor(
      'the row written while db2 was down, on db2',
      async () => (await count(db2)) === rows + 1,
      60000,
      250,
    );
    const samples = new Map<string, string>();
    for (const [i, x] of [db1, db3].entries()) samples.set(x.name, await samplers[i].stop());
    assertSamples(samples, [2, 3], 1);
  });
});
