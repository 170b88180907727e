// The Debian package, installed by the real apt and dpkg on a throwaway systemd node (systemd 252
// as PID 1, Debian's snmpd and mariadb units running with their stock configs): what `npm run
// package:deb` builds is what an operator's `apt install ./galera-agentx_*.deb` gets, and its
// maintainer scripts do what the README says: install, upgrade with an edited conffile, remove and
// purge, never stopping the database.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cleanupAll, SLACK, tempDir, waitFor } from '../helpers/proc';
import { maskGenerators, Node, systemdUnavailable } from '../helpers/systemd';
import { buildDeb, changeConffile } from '../helpers/production';

const pexec = promisify(execFile);
const OLD = '0.1.0~gxtest1';
const NEW = '0.1.0~gxtest2';
const TRACK = '/run/galera-agentx/keepalived.track';
const CONFFILES = [
  '/etc/galera-agentx/agent.cnf',
  '/etc/galera-agentx/agent.yaml',
  '/etc/galera-agentx/config.yaml',
  '/etc/snmp/snmpd.conf.d/galera-agentx.conf',
];
// The operator's edit of a conffile, which an upgrade must keep.
const EDIT = `keepalived:\n  trackFile: ${TRACK}\n`;
// What the newer release changes in the same conffile.
const NEW_LINE = `# changed in ${NEW}\n`;

function unavailable(): string | null {
  const why = systemdUnavailable();
  if (why) return why;
  for (const f of [
    '/usr/bin/dpkg-deb',
    '/usr/bin/apt-get',
    '/usr/sbin/snmpd',
    '/usr/sbin/mariadbd',
    '/usr/bin/snmpget',
  ])
    if (!fs.existsSync(f)) return `${f} not installed (Debian packages dpkg-dev apt snmpd mariadb-server snmp)`;
  for (const u of ['snmpd.service', 'mariadb.service'])
    if (!fs.existsSync(`/lib/systemd/system/${u}`)) return `Debian's ${u} is not installed`;
  return null;
}

/**
 * Debian's mariadb-server and mariadb-server-core .debs of the installed version, for a reinstall on
 * the node (which has no network): from apt's cache, else `apt-get download` here, now. Null when
 * neither can give them.
 */
async function mariadbDebs(dir: string): Promise<string[] | null> {
  const out: string[] = [];
  for (const pkg of ['mariadb-server-core', 'mariadb-server']) {
    const { stdout } = await pexec('dpkg-query', ['-W', '-f=${Version} ${Architecture}', pkg]).catch(() => ({
      stdout: '',
    }));
    const [version, arch] = stdout.trim().split(' ');
    if (!version) return null;
    const name = `${pkg}_${version.replace(':', '%3a')}_${arch}.deb`;
    const cached = path.join('/var/cache/apt/archives', name);
    if (fs.existsSync(cached)) {
      out.push(cached);
      continue;
    }
    const got = await pexec('apt-get', ['download', `${pkg}=${version}`], { cwd: dir }).then(
      () => true,
      () => false,
    );
    if (!got || !fs.existsSync(path.join(dir, name))) return null;
    out.push(path.join(dir, name));
  }
  return out;
}

describe('the .deb under real apt/dpkg on a systemd node', function () {
  this.timeout(240000 * SLACK);
  let node: Node;
  const debs: Record<string, string> = {};
  /** The server's packages as files on the node, for a reinstall (null: none to be had). */
  let serverDebs: string[] | null = null;
  const apt = async (...args: string[]): Promise<string> => {
    // No terminal, as under configuration management: stdin is /dev/null.
    const r = await node.exec(['apt-get', '-y', ...args], {
      timeoutMs: 180000,
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.code !== 0) throw new Error(`apt-get ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  };
  const mainPid = async (unit: string): Promise<number> => Number(await node.prop(unit, 'MainPID'));
  const sh = (script: string): Promise<string> => node.sh(script, 60000);
  /** Mariadb as the test left it: the same process, active. */
  let mariadbPid = 0;
  const mariadbUntouched = async (): Promise<void> => {
    assert.equal(await node.prop('mariadb.service', 'ActiveState'), 'active');
    assert.equal(await mainPid('mariadb.service'), mariadbPid, 'mariadb was restarted');
  };
  /** galera-init has never run in this boot: the package does not start it. */
  const galeraInitNeverRan = async (): Promise<void> => {
    assert.equal(await node.prop('galera-init.service', 'InactiveExitTimestampMonotonic'), '0');
  };
  const trackWeight = async (): Promise<string> => (await node.exec(['cat', TRACK])).stdout.trim();
  /** The agent runs again, as another process than `before`. */
  const agentRestarted = async (before: number): Promise<void> => {
    await waitFor(
      'the agent restarted',
      async () =>
        (await node.prop('galera-agentx.service', 'ActiveState')) === 'active' &&
        (await mainPid('galera-agentx.service')) !== before,
      30000,
      100,
    );
  };
  const snmpGet = async (object: string): Promise<string> =>
    (
      await node.exec([
        'snmpget',
        '-v2c',
        '-c',
        'public',
        '-Oqv',
        // GALERA-MIB is found by name in /usr/share/snmp/mibs; the IETF modules it imports are not
        // in Debian main and ship with the package.
        '-M',
        '+/usr/share/galera-agentx/mibs',
        '-m',
        'GALERA-MIB',
        '127.0.0.1',
        `GALERA-MIB::${object}`,
      ])
    ).stdout.trim();

  before(async function () {
    const why = unavailable();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const dir = tempDir('gx-deb-');
    const t0 = Date.now();
    debs.old = await buildDeb(OLD);
    // The newer release changes a conffile the operator edited: the edit must be kept.
    debs.new = await buildDeb(NEW);
    await changeConffile(debs.new, '/etc/galera-agentx/agent.yaml', NEW_LINE);
    console.log(`      two builds of the .deb: ${Math.round((Date.now() - t0) / 1000)} s`);
    node = new Node({ hostname: 'deb1' });
    maskGenerators(node);
    for (const [k, f] of Object.entries(debs)) node.writeFile(`/root/${k}/${path.basename(f)}`, fs.readFileSync(f));
    const server = await mariadbDebs(dir);
    if (server) {
      for (const f of server) node.writeFile(`/root/mariadb/${path.basename(f)}`, fs.readFileSync(f));
      serverDebs = server.map((f) => `/root/mariadb/${path.basename(f)}`);
    }
    // A stock server: Debian's snmpd and mariadb running with their default configs, plus a one-node
    // Galera cluster (gcomm:// bootstraps at every start), so that the agent finds the node
    // healthy and writes the healthy weight into keepalived's track file.
    node.writeFile(
      '/etc/mysql/mariadb.conf.d/99-gxtest-galera.cnf',
      '[galera]\nwsrep_on = ON\nwsrep_provider = /usr/lib/galera/libgalera_smm.so\nwsrep_cluster_address = gcomm://\n' +
        'binlog_format = row\ndefault_storage_engine = InnoDB\ninnodb_autoinc_lock_mode = 2\n',
    );
    node.writeTarget('gxsd.target', ['snmpd.service', 'mariadb.service']);
    await node.boot('gxsd.target');
    await node.waitBooted(60000);
    for (const u of ['snmpd.service', 'mariadb.service']) await node.waitState(u, ['active'], 60000);
    // This machine is a container image whose policy-rc.d forbids every service action (exit
    // 101); a real server has none, and the maintainer scripts respect it (deb-systemd-invoke).
    await sh('rm -f /usr/sbin/policy-rc.d');
    mariadbPid = await mainPid('mariadb.service');
  });

  after(async () => {
    await node?.destroy();
    await cleanupAll();
  });

  it('is lintian-clean (every override carries its reason in the package)', async function () {
    if (!fs.existsSync('/usr/bin/lintian')) {
      console.log('      skipped: lintian not installed (apt-get install lintian)');
      this.skip();
    }
    const r = await pexec('lintian', ['--fail-on', 'error,warning', debs.old]).catch(
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    assert.equal('code' in r ? r.code : 0, 0, `${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout, /^[EW]:/m, r.stdout);
  });

  it('installs with apt from the file: files, user, conffiles, directories, snmpd restarted, nothing else started', async () => {
    const snmpdBefore = await mainPid('snmpd.service');
    const out = await apt('install', `/root/old/galera-agentx_${OLD}_all.deb`);
    assert.match(out, /Setting up galera-agentx/);
    assert.equal(
      await node.run(['dpkg-query', '-W', '-f=${Version} ${db:Status-Abbrev}', 'galera-agentx']),
      `${OLD} ii `,
    );
    // The commands, run through their /usr/bin links with the bundled modules.
    for (const cmd of ['galera-agentx', 'galera-check', 'galera-init'])
      assert.match(await node.run([cmd, '--help']), new RegExp(`^Usage: ${cmd}`));
    assert.match(
      await node.run(['galera-agentx', '--check-config', '--config', '/etc/galera-agentx/agent.yaml']),
      /OK/,
    );
    for (const f of [
      '/lib/systemd/system/galera-agentx.service',
      '/lib/systemd/system/galera-init.service',
      '/lib/systemd/system/galera-recover.service',
      '/lib/systemd/system/galera-recover.timer',
      '/usr/lib/tmpfiles.d/galera-agentx.conf',
      '/usr/lib/sysusers.d/galera-agentx.conf',
      '/usr/share/snmp/mibs/GALERA-MIB.txt',
      '/usr/share/doc/galera-agentx/copyright',
    ])
      await node.run(['test', '-f', f]);
    // The system user, in the database's group.
    assert.match(await node.run(['id', '-nG', 'galera-agentx']), /\bmysql\b/);
    // The configs are conffiles: dpkg keeps an operator's edits of them.
    const conffiles = (await node.run(['dpkg-query', '-W', '-f=${Conffiles}', 'galera-agentx']))
      .trim()
      .split('\n')
      .map((l) => l.trim().split(' ')[0])
      .sort();
    assert.deepEqual(conffiles, CONFFILES);
    assert.equal(
      (await sh('stat -c "%U:%G %a %n" /etc/galera-agentx /etc/galera-agentx/*')).trim(),
      [
        'root:mysql 750 /etc/galera-agentx',
        'root:mysql 640 /etc/galera-agentx/agent.cnf',
        'root:mysql 640 /etc/galera-agentx/agent.yaml',
        'root:root 600 /etc/galera-agentx/config.yaml',
      ].join('\n'),
    );
    assert.equal(
      (await sh('stat -c "%U:%G %a" /run/galera-agentx /var/lib/galera-agentx')).trim(),
      'galera-agentx:mysql 755\ngalera-agentx:mysql 750',
    );
    // snmpd was running with the stock config: the package restarted it to read the drop-in, and it
    // is now the AgentX master on the drop-in's socket.
    assert.notEqual(await mainPid('snmpd.service'), snmpdBefore, 'snmpd was not restarted for its drop-in');
    await node.run(['test', '-S', '/run/agentx/master']);
    await mariadbUntouched();
    assert.equal(await node.prop('galera-agentx.service', 'ActiveState'), 'inactive');
    await galeraInitNeverRan();
  });

  it('the agent registers with snmpd through the drop-in; the runtime dir keeps its one owner after both units start', async () => {
    // The operator's steps: the agent's MySQL account, an edit of its conffile, the enable step.
    await node.run([
      'mariadb',
      '-e',
      "CREATE USER IF NOT EXISTS 'galera-agentx'@'localhost' IDENTIFIED VIA unix_socket",
    ]);
    await sh(`printf '${EDIT.replace(/\n/g, '\\n')}' >> /etc/galera-agentx/agent.yaml`);
    await node.run(['systemctl', 'enable', '--now', 'galera-agentx.service']);
    await node.waitState('galera-agentx.service', ['active']);
    // A real snmpget by name, through Debian's snmpd with the stock config plus the drop-in.
    await waitFor(
      'GALERA-MIB::galeraStatus.0 through snmpd',
      async () => (await snmpGet('galeraStatus.0')) === 'running',
      30000,
      250,
    ).catch(async (e) => {
      throw new Error(
        `${(e as Error).message}: ${await snmpGet('galeraStatus.0')}\n${await node.journal('galera-agentx.service')}`,
      );
    });
    await waitFor('the healthy weight in the track file', () => trackWeight().then((w) => w === '0'), 30000, 100);
    // galera-init (root) runs in /run/galera-agentx too; with the server running it exits 0 at once.
    // Its members (this node alone) are the operator's edit of config.yaml.
    await sh(`sed -i 's/^  members: \\[\\]$/  members: ["127.0.0.1"]/' /etc/galera-agentx/config.yaml`);
    const init = await node.exec(['systemctl', 'start', 'galera-init.service'], { timeoutMs: 120000 });
    assert.equal(init.code, 0, `${init.stderr}\n${await node.journal('galera-init.service')}`);
    assert.equal(await node.prop('galera-init.service', 'Result'), 'success');
    assert.equal((await sh('stat -c "%U:%G %a" /run/galera-agentx')).trim(), 'galera-agentx:mysql 755');
    // The agent still writes its track file there: rewritten on its next start.
    await sh(`rm -f ${TRACK}`);
    await node.run(['systemctl', 'restart', 'galera-agentx.service']);
    await waitFor('the track file again', () => node.exec(['test', '-f', TRACK]).then((r) => r.code === 0), 30000, 100);
    assert.equal((await sh(`stat -c %U ${TRACK}`)).trim(), 'galera-agentx');
    assert.doesNotMatch(await node.journal('galera-agentx.service'), /EACCES|permission denied/i);
    await mariadbUntouched();
  });

  it('upgrades with no terminal, keeping the edited conffile, restarting the agent only; the track file stays healthy', async () => {
    const agentBefore = await mainPid('galera-agentx.service');
    const snmpdBefore = await mainPid('snmpd.service');
    const initRuns = await node.prop('galera-init.service', 'InactiveExitTimestampMonotonic');
    // The agent restarted by the previous case has read its server: the healthy weight.
    await waitFor('the healthy weight in the track file', () => trackWeight().then((w) => w === '0'), 30000, 100);
    // What keepalived reads, every 20 ms, for the whole upgrade: a restart by SIGTERM would leave the
    // unhealthy weight there for seconds (RestartSec=2), and the VIP would leave this healthy node.
    const poll = node.exec(
      ['sh', '-c', `while [ ! -e /root/stop-poll ]; do cat ${TRACK}; sleep 0.02; done > /root/track.log`],
      { timeoutMs: 180000 },
    );
    // The newer release changes agent.yaml too: without --force-confold dpkg would ask, and with no
    // terminal it would fail. The README names the option.
    const out = await apt('-o', 'Dpkg::Options::=--force-confold', 'install', `/root/new/galera-agentx_${NEW}_all.deb`);
    assert.match(out, /Unpacking galera-agentx \(0\.1\.0~gxtest2\) over \(0\.1\.0~gxtest1\)/);
    assert.equal(await node.run(['dpkg-query', '-W', '-f=${Version}', 'galera-agentx']), NEW);
    const kept = await node.run(['cat', '/etc/galera-agentx/agent.yaml']);
    assert.ok(kept.endsWith(EDIT), `the operator's edit is gone:\n${kept}`);
    assert.ok(!kept.includes(NEW_LINE));
    assert.ok((await node.run(['cat', '/etc/galera-agentx/agent.yaml.dpkg-dist'])).endsWith(NEW_LINE));
    // The agent moved to the new code; the database, snmpd (its drop-in unchanged) and galera-init did not.
    await agentRestarted(agentBefore);
    await waitFor('the new agent wrote its weight', () => node.exec(['test', '-f', TRACK]).then((r) => r.code === 0));
    await sh('sleep 1; touch /root/stop-poll');
    await poll;
    const weights = (await node.run(['cat', '/root/track.log'])).trim().split('\n');
    assert.ok(weights.length > 20, `only ${weights.length} reads of the track file`);
    assert.deepEqual([...new Set(weights)], ['0'], 'keepalived would have read another weight during the upgrade');
    assert.equal(await mainPid('snmpd.service'), snmpdBefore, 'snmpd restarted though its drop-in did not change');
    assert.equal(await node.prop('galera-init.service', 'InactiveExitTimestampMonotonic'), initRuns);
    await mariadbUntouched();
    await waitFor(
      'galeraStatus.0 after the upgrade',
      async () => (await snmpGet('galeraStatus.0')) === 'running',
      30000,
      250,
    );
  });

  it('rolls back to the older .deb the same way: configs kept, the agent restarted, the database untouched', async () => {
    const agentBefore = await mainPid('galera-agentx.service');
    await apt(
      '-o',
      'Dpkg::Options::=--force-confold',
      '--allow-downgrades',
      'install',
      `/root/old/galera-agentx_${OLD}_all.deb`,
    );
    assert.equal(await node.run(['dpkg-query', '-W', '-f=${Version}', 'galera-agentx']), OLD);
    assert.ok((await node.run(['cat', '/etc/galera-agentx/agent.yaml'])).endsWith(EDIT));
    await agentRestarted(agentBefore);
    await mariadbUntouched();
    await waitFor(
      'galeraStatus.0 after the rollback',
      async () => (await snmpGet('galeraStatus.0')) === 'running',
      30000,
      250,
    );
  });

  // A mariadb-server reinstall: its preinst stops a running server; mariadb.service is disabled.
  const reinstallServer = async (): Promise<string> => {
    if (!serverDebs) throw new Error('no mariadb-server .debs');
    return apt('install', '--reinstall', ...serverDebs);
  };
  const wsrepState = async (): Promise<string> =>
    (await node.exec(['mariadb', '-N', '-B', '-e', "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'"])).stdout
      .trim()
      .split('\t')[1] ?? '';
  /** Nothing queued: whatever the trigger did, it has done it by the time dpkg returns. */
  const noJobs = async (): Promise<void> =>
    assert.equal((await node.run(['systemctl', 'list-jobs', '--no-legend'])).trim(), '');

  it('a mariadb-server reinstall: the trigger starts galera-init, which brings the server back, Synced', async function () {
    if (!serverDebs) {
      console.log(
        "      skipped: mariadb-server's .debs are neither in apt's cache nor downloadable (apt-get download)",
      );
      this.skip();
    }
    // The README's enable step: the server's own start disabled (its SysV links too, which
    // `systemctl is-enabled` and so deb-systemd-invoke also read), galera-init enabled.
    await node.run(['systemctl', 'disable', 'mariadb.service']);
    await node.run(['systemctl', 'enable', 'galera-init.service']);
    assert.equal((await node.exec(['systemctl', 'is-enabled', 'mariadb.service'])).stdout.trim(), 'disabled');
    const initRuns = await node.prop('galera-init.service', 'InactiveExitTimestampMonotonic');
    const t0 = Date.now();
    const out = await reinstallServer();
    const t1 = Date.now();
    assert.match(out, /Processing triggers for galera-agentx/);
    assert.match(out, /the server upgrade stopped the database: galera-init starts it again/);
    // The upgrade did stop it: a new server process, started by galera-init this time.
    await waitFor(
      'the server back after the reinstall',
      async () =>
        (await node.prop('mariadb.service', 'ActiveState')) === 'active' &&
        (await mainPid('mariadb.service')) !== mariadbPid,
      120000,
      250,
    ).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${out}\n${await node.journal('galera-init.service')}`);
    });
    assert.notEqual(await node.prop('galera-init.service', 'InactiveExitTimestampMonotonic'), initRuns);
    await node.waitState('galera-init.service', ['inactive'], 60000);
    assert.equal(await node.prop('galera-init.service', 'Result'), 'success');
    await waitFor('Synced', async () => (await wsrepState()) === 'Synced', 60000, 250);
    console.log(
      `      the reinstall took ${((t1 - t0) / 1000).toFixed(1)} s; Synced again ${((Date.now() - t1) / 1000).toFixed(1)} s after it`,
    );
    await waitFor(
      'galeraStatus.0 after the reinstall',
      async () => (await snmpGet('galeraStatus.0')) === 'running',
      30000,
      250,
    );
    mariadbPid = await mainPid('mariadb.service');
  });

  it('a server the operator stopped before a mariadb-server reinstall stays stopped', async function () {
    if (!serverDebs) {
      console.log(
        "      skipped: mariadb-server's .debs are neither in apt's cache nor downloadable (apt-get download)",
      );
      this.skip();
    }
    await node.run(['systemctl', 'stop', 'mariadb.service']);
    // dpkg's log counts seconds: the rule reads a stop in the same second as the run's start as the
    // upgrade's. An operator's stop is earlier than that; wait for the clock to say so.
    const stopped = Number(
      (
        await node.run([
          'systemctl',
          'show',
          '--timestamp=unix',
          '-p',
          'InactiveEnterTimestamp',
          '--value',
          'mariadb.service',
        ])
      )
        .trim()
        .replace(/^@/, ''),
    );
    assert.ok(stopped > 0);
    await waitFor('the next second', () => Date.now() / 1000 >= stopped + 1, 5000, 50);
    const initRuns = await node.prop('galera-init.service', 'InactiveExitTimestampMonotonic');
    const out = await reinstallServer();
    assert.match(out, /already stopped before this upgrade: left stopped/);
    await noJobs();
    assert.equal(await node.prop('mariadb.service', 'ActiveState'), 'inactive');
    assert.equal(await node.prop('galera-init.service', 'InactiveExitTimestampMonotonic'), initRuns);
    // The operator's way back, as after any deliberate stop.
    const init = await node.exec(['systemctl', 'start', 'galera-init.service'], { timeoutMs: 120000 });
    assert.equal(init.code, 0, `${init.stderr}\n${await node.journal('galera-init.service')}`);
    await node.waitState('mariadb.service', ['active'], 60000);
    await waitFor('Synced', async () => (await wsrepState()) === 'Synced', 60000, 250);
    mariadbPid = await mainPid('mariadb.service');
  });

  it('remove leaves the database running and says how to hand its start back to mariadb.service', async () => {
    const out = await apt('remove', 'galera-agentx');
    assert.match(out, /To hand its start back to MariaDB, run:\r?\n\s+systemctl enable mariadb\.service/);
    await mariadbUntouched();
    assert.equal(await node.prop('galera-agentx.service', 'ActiveState'), 'inactive');
    assert.notEqual((await node.exec(['test', '-e', '/usr/bin/galera-agentx'])).code, 0);
    // Remove keeps the configs (rc): a reinstall finds the operator's edits.
    assert.equal(await node.run(['dpkg-query', '-W', '-f=${db:Status-Abbrev}', 'galera-agentx']), 'rc ');
    assert.ok((await node.run(['cat', '/etc/galera-agentx/agent.yaml'])).endsWith(EDIT));
  });

  it('purge removes the configs and the snmpd drop-in; the database still runs', async () => {
    await apt('purge', 'galera-agentx');
    for (const p of ['/etc/galera-agentx', '/etc/snmp/snmpd.conf.d/galera-agentx.conf', '/var/lib/galera-agentx'])
      assert.notEqual((await node.exec(['test', '-e', p])).code, 0, `${p} is still there`);
    assert.equal((await node.exec(['dpkg-query', '-W', 'galera-agentx'])).code, 1);
    await mariadbUntouched();
    assert.equal(await node.prop('snmpd.service', 'ActiveState'), 'active');
  });

  // A site file snmpd refuses (the README's conversion first listed loopback a second time: snmpd
  // exits on an address it cannot bind). The install goes on and says why the agent cannot register.
  it('an install whose snmpd restart fails says so in one line, naming where to look and the command', async () => {
    const bad = '/etc/snmp/snmpd.conf.d/site-bad.conf';
    await sh(`printf 'agentaddress udp:192.0.2.254:161\\n' > ${bad}`);
    try {
      const out = await apt('install', `/root/old/galera-agentx_${OLD}_all.deb`);
      assert.match(
        out,
        /galera-agentx: snmpd failed to restart, so the agent cannot register with it: see journalctl -u snmpd .*then systemctl restart snmpd/,
      );
      assert.equal(await node.run(['dpkg-query', '-W', '-f=${db:Status-Abbrev}', 'galera-agentx']), 'ii ');
      assert.equal(await node.prop('snmpd.service', 'ActiveState'), 'failed');
    } finally {
      await node.run(['rm', '-f', bad]);
    }
    await node.run(['systemctl', 'restart', 'snmpd.service']);
    assert.equal(await node.prop('snmpd.service', 'ActiveState'), 'active');
    await mariadbUntouched();
  });
});
