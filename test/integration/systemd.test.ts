// The shipped units under a real systemd 252 booted as PID 1 in a throwaway container, with the
// real snmpd (Debian's unit, the shipped snmpd.conf), the real agent and galera-init, and a stand-in
// server unit named mariadb.service that starts the way Debian's does (galera_new_cluster's
// environment file, $_WSREP_NEW_CLUSTER, Restart=on-abnormal).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupAll, ROOT, SLACK, sleep, waitFor } from '../helpers/proc';
import { maskGenerators, Node, NODE_ROOT, systemdUnavailable } from '../helpers/systemd';

const OID = '.1.3.6.1.4.1.8072.9999.9999.3306';
const STATUS = `${OID}.1.1.1.0`;
const NODE_NAME = `${OID}.1.1.9.0`;

/**
 * A server stand-in: its comm is `mariadbd`, it takes the bootstrap flag the way Debian's unit passes
 * it, and it answers MySQL on a unix socket as a Synced node does (the project's MySQL-protocol
 * fake), so galera-init and the agent see it become ready.
 */
const FAKE_SERVER = `#!/usr/bin/node
// argv: --wsrep-new-cluster when galera_new_cluster started it
const fs = require('fs');
require(${JSON.stringify(path.join(NODE_ROOT, 'dist/test/helpers/fakemysql.js'))}).startFakeMysql('/run/mysqld').then((f) => fs.chmodSync(f.socket, 0o666));
`;

const STAND_IN_UNIT = `[Unit]
Description=stand-in MariaDB server (gxsd test)
After=network.target
[Service]
Type=simple
RuntimeDirectory=mysqld
# A real server works in its datadir; galera-init (root) reads a server's cwd to tell which node's it is.
WorkingDirectory=/var/lib/mysql
EnvironmentFile=-/run/mariadb-wsrep-new-cluster
ExecStart=/usr/local/sbin/mariadbd $_WSREP_NEW_CLUSTER
# A start that takes a while, like a real one: a start job ordered wrongly stays visible.
ExecStartPost=/bin/sleep 0.5
Restart=on-abnormal
RestartSec=1
`;

/** The package's commands as npm installs them: node scripts named galera-*, so the process names match. */
function installBins(n: Node): void {
  for (const [bin, js] of [
    ['galera-agentx', 'agent'],
    ['galera-init', 'init'],
    ['galera-check', 'check'],
  ]) {
    n.writeFile(
      `/usr/bin/${bin}`,
      `#!/usr/bin/node\nrequire(${JSON.stringify(path.join(NODE_ROOT, 'dist/src/cli', `${js}.js`))});\n`,
      0o755,
    );
  }
}

/** The shipped snmpd.conf with its example addresses replaced, as the README says to. */
export function shippedSnmpdConf(mgmt: string, nms: string, peers: string): string {
  return fs
    .readFileSync(path.join(ROOT, 'snmpd/snmpd.conf'), 'utf8')
    .replaceAll('192.0.2.0/24', peers)
    .replaceAll('192.0.2.21', mgmt)
    .replaceAll('192.0.2.10', nms);
}

describe('systemd units under a real systemd (PID 1 in a container)', function () {
  this.timeout(180000 * SLACK);
  let node: Node;

  before(function () {
    const why = systemdUnavailable();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    node = new Node({ hostname: 'node1' });
    maskGenerators(node);
    installBins(node);
    node.writeFile('/usr/local/sbin/mariadbd', FAKE_SERVER, 0o755);
    node.writeUnit('mariadb.service', STAND_IN_UNIT);
    for (const u of ['galera-agentx.service', 'galera-init.service'])
      node.writeUnit(u, fs.readFileSync(path.join(ROOT, 'systemd', u), 'utf8'));
    // The runtime directory's one owner, as the package and the README install it.
    node.writeFile('/etc/tmpfiles.d/galera-agentx.conf', fs.readFileSync(path.join(ROOT, 'systemd/tmpfiles.conf')));
    node.writeTarget('gxsd.target', ['snmpd.service', 'galera-agentx.service', 'galera-init.service']);
    node.writeTarget('gxsd-empty.target', []);
    node.writeFile('/etc/snmp/snmpd.conf', shippedSnmpdConf('127.0.0.2', '127.0.0.1', '127.0.0.0/8'), 0o600);
    // The datadir as a clean shutdown leaves it: this node may bootstrap.
    node.writeFile(
      '/var/lib/mysql/grastate.dat',
      '# GALERA saved state\nversion: 2.1\nuuid:    6c8a8e36-e6d7-11f1-92ef-87e236721ec1\nseqno:   7\nsafe_to_bootstrap: 1\n',
      0o660,
      mysqlId(),
      mysqlId(true),
    );
    // root:mysql 0640, as the README says: galera-init (root) and the agent (group mysql) read it.
    node.writeFile(
      '/etc/galera-agentx/my.cnf',
      '[client]\nuser=root\nsocket=/run/mysqld/fake-mysqld.sock\n',
      0o640,
      0,
      mysqlId(true),
    );
    node.writeFile(
      '/etc/galera-agentx/config.yaml',
      'nodeName: node1\nmysql:\n  optionFile: /etc/galera-agentx/my.cnf\ninit:\n  members: ["127.0.0.2:161"]\n  self: "127.0.0.2:161"\n  pollIntervalMs: 300\n',
      0o600,
    );
    node.writeFile(
      '/etc/galera-agentx/agent.yaml',
      'nodeName: node1\nagentx:\n  master: /run/agentx/master\nmysql:\n  optionFile: /etc/galera-agentx/my.cnf\nrecovery:\n  enabled: false\n',
      0o640,
      0,
      mysqlId(true),
    );
  });

  after(async () => {
    await node?.destroy();
    await cleanupAll();
  });

  it('boots in well under a second with only the units under test', async function () {
    await node.boot('gxsd-empty.target');
    await node.waitState('gxsd-empty.target', ['active'], 10000);
    console.log(`      boot to a manager answering: ${node.lastBootMs} ms`);
    // The README's user step; a reboot then starts the units as a real boot does.
    await node.run(['useradd', '-r', '-g', 'mysql', '-s', '/usr/sbin/nologin', 'galera-agentx']);
    await node.shutdown(30000);
  });

  it('galera-init starts the server unit (galera_new_cluster) and finishes: no ordering deadlock', async () => {
    await node.boot('gxsd.target');
    // A deadlock shows here: the boot's jobs never finish.
    await node.waitBooted(60000).catch(async (e) => {
      const server = await node.exec(['systemctl', '--no-pager', 'status', 'mariadb.service']);
      const seen = await node.exec(['galera-check', '--config', '/etc/galera-agentx/agent.yaml', '--json', 'status'], {
        timeoutMs: 20000,
      });
      throw new Error(
        `${(e as Error).message}\n${await node.journal('galera-init.service')}\n${server.stdout}${await node.journal('mariadb.service')}` +
          `\nthe agent:\n${await node.journal('galera-agentx.service')}\ngalera-check: ${seen.stdout}${seen.stderr}`,
      );
    });
    assert.equal(
      await node.prop('galera-init.service', 'Result'),
      'success',
      await node.journal('galera-init.service'),
    );
    assert.notEqual(await node.prop('galera-init.service', 'ExecMainStartTimestampMonotonic'), '0', 'galera-init ran');
    assert.equal(await node.prop('galera-init.service', 'ExecMainStatus'), '0');
    assert.equal(await node.prop('mariadb.service', 'ActiveState'), 'active');
    // galera_new_cluster's environment file reached the server: this was a bootstrap.
    const pid = await node.prop('mariadb.service', 'MainPID');
    assert.match((await node.run(['cat', `/proc/${pid}/cmdline`])).replace(/\0/g, ' '), /mariadbd --wsrep-new-cluster/);
    assert.equal((await node.systemctl('list-jobs')).stdout.trim(), 'No jobs running.');
    assert.match(await node.journal('galera-init.service'), /bootstrapped a new cluster from this node/);
  });

  it('the agent runs as galera-agentx:mysql and registers with the real snmpd over /run/agentx/master (shipped snmpd.conf, no warning)', async () => {
    await node.waitState('galera-agentx.service', ['active'], 10000);
    const name = await waitFor(
      'the agent registered',
      async () => {
        const r = await node.exec(['snmpget', '-v2c', '-c', 'public', '-Oqv', '127.0.0.2', NODE_NAME]);
        return /node1/.test(r.stdout) ? r.stdout : '';
      },
      20000,
      200,
    ).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await node.journal('galera-agentx.service')}`);
    });
    assert.match(name, /node1/);
    // The shipped snmpd.conf under Debian's unit (-I -smux): no unknown token, no unnamed user.
    const snmpdLog = await node.journal('snmpd.service');
    assert.doesNotMatch(snmpdLog, /Unknown token|Can't identify|Warning|rror/, snmpdLog);
    const pid = await node.prop('galera-agentx.service', 'MainPID');
    const st = await node.run(['ps', '-o', 'user:20=,group:20=', '-p', pid]);
    assert.match(st, /galera-agentx\s+mysql/);
    // galera-init (root) has run in the runtime directory: it is still the agent's alone.
    assert.equal((await node.run(['stat', '-c', '%U:%G %a', '/run/galera-agentx'])).trim(), 'galera-agentx:mysql 755');
    // It reads the server through the option file (root:mysql 0640): ready, so running.
    await waitFor(
      'galeraStatus running',
      async () =>
        /^2$|running/.test(
          (await node.exec(['snmpget', '-v2c', '-c', 'public', '-Oqv', '127.0.0.2', STATUS])).stdout.trim(),
        ),
      10000,
      200,
    ).catch(async (e) => {
      const seen = await node.exec(['snmpget', '-v2c', '-c', 'public', '-Oqv', '127.0.0.2', STATUS]);
      const dir = await node.exec(['ls', '-la', '/run/galera-agentx']);
      throw new Error(
        `${(e as Error).message}: ${seen.stdout}${seen.stderr}\n${dir.stdout}\n${await node.journal('galera-agentx.service')}`,
      );
    });
  });

  it('starting galera-init again with the server running is a no-op (exit 0, same server)', async () => {
    const before = await node.prop('mariadb.service', 'MainPID');
    const r = await node.systemctl('start', 'galera-init.service');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await node.prop('galera-init.service', 'Result'), 'success');
    assert.equal(await node.prop('mariadb.service', 'MainPID'), before);
    assert.match(await node.journal('galera-init.service'), /nothing to do/);
  });

  it('after a clean stop of the server, starting galera-init decides again and starts it', async () => {
    assert.equal((await node.systemctl('stop', 'mariadb.service')).code, 0);
    const r = await node.systemctl('start', 'galera-init.service');
    assert.equal(r.code, 0, `${r.stderr}\n${await node.journal('galera-init.service')}`);
    // galera-init returns once the server is ready; its unit's ExecStartPost may still be running.
    await node.waitState('mariadb.service', ['active'], 10000);
  });

  it('a crashed server (kill -9) is restarted by its own unit; galera-init then finds it running', async () => {
    const before = await node.prop('mariadb.service', 'MainPID');
    await node.run(['kill', '-9', before]);
    await waitFor(
      'the server restarted',
      async () => {
        const p = await node.prop('mariadb.service', 'MainPID');
        return p !== '0' && p !== before && (await node.prop('mariadb.service', 'ActiveState')) === 'active';
      },
      15000,
      100,
    );
    assert.equal(await node.prop('mariadb.service', 'NRestarts'), '1');
    const r = await node.systemctl('start', 'galera-init.service');
    assert.equal(r.code, 0);
  });

  it('the agent stops cleanly (SIGTERM: Close to the master, exit 0) and starts again', async () => {
    assert.equal((await node.systemctl('stop', 'galera-agentx.service')).code, 0);
    assert.equal(await node.prop('galera-agentx.service', 'ActiveState'), 'inactive');
    assert.equal(await node.prop('galera-agentx.service', 'Result'), 'success');
    assert.match(await node.journal('galera-agentx.service'), /"msg":"stopped"/);
    assert.equal((await node.systemctl('start', 'galera-agentx.service')).code, 0);
    await node.waitState('galera-agentx.service', ['active'], 10000);
  });

  it('a bad agent config (exit 78) stops the unit at once instead of restarting it in a loop', async () => {
    await node.run(['chmod', '0644', '/etc/galera-agentx/agent.yaml']);
    await node.systemctl('restart', 'galera-agentx.service');
    await node.waitState('galera-agentx.service', ['failed'], 15000);
    await sleep(2500); // RestartSec=2: a restart would show by now
    assert.equal(await node.prop('galera-agentx.service', 'ActiveState'), 'failed');
    assert.equal(await node.prop('galera-agentx.service', 'NRestarts'), '0');
    assert.equal(await node.prop('galera-agentx.service', 'ExecMainStatus'), '78');
    await node.run(['chmod', '0640', '/etc/galera-agentx/agent.yaml']);
    await node.systemctl('reset-failed', 'galera-agentx.service');
    assert.equal((await node.systemctl('start', 'galera-agentx.service')).code, 0);
  });

  it('a clean poweroff stops everything and the next boot starts the server again (bootstrap from the clean node)', async () => {
    await node.shutdown(60000);
    await node.boot('gxsd.target');
    await node.waitBooted(60000);
    assert.equal(
      await node.prop('galera-init.service', 'Result'),
      'success',
      await node.journal('galera-init.service'),
    );
    assert.equal(await node.prop('mariadb.service', 'ActiveState'), 'active');
    console.log(`      second boot: ${node.lastBootMs} ms to a manager answering`);
  });
});

function mysqlId(group = false): number {
  const f = fs.readFileSync(group ? '/etc/group' : '/etc/passwd', 'utf8');
  const line = f.split('\n').find((l) => l.startsWith('mysql:'));
  if (!line) throw new Error('no mysql user/group on this host (install mariadb-server)');
  return Number(line.split(':')[2]);
}
