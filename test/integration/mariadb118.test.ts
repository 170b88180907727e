// MariaDB 11.8 as Debian 13 ships it, the wsrep provider loaded as a plugin: wsrep_provider_options
// is read-only there and each provider option is a variable of its own (issue 19). The agent's own
// code (the MySQL source, executeStatement, the promoter's hint) against a real one-node 11.8
// Galera cluster, run from a cached Debian 13 root (test/helpers/debroot.ts): the root is only read;
// the server's files live in a host temp dir bound at /srv (tmpfs on /tmp and /run), in a mount and
// network namespace of its own that dies with it.

import { strict as assert } from 'node:assert';
import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MysqlSource, executeStatement } from '../../src/sources/mysql';
import { parseWsrepStatus, PC_BOOTSTRAP_OPTIONS, PC_BOOTSTRAP_VARIABLE } from '../../src/core/wsrep-status';
import { pcBootstrapHint } from '../../src/daemon/promoter';
import { silentLogger } from '../../src/log';
import { debianRoot, debianRootUnavailable } from '../helpers/debroot';
import { STOCK_TRIXIE } from '../helpers/roots';
import { cleanupAll, SLACK, start, stopChild, tempDir, waitFor } from '../helpers/proc';

// The stock Debian 13 server's root (it has mariadb-server and galera-4): one root less to build.
const SPEC = STOCK_TRIXIE;

/** argv run inside `root` with `dir` at /srv: private mounts and network (loopback up), then chroot. */
function inRoot(root: string, dir: string, argv: string[]): [string, string[]] {
  return [
    'unshare',
    [
      '--mount',
      '--net',
      '--propagation',
      'private',
      'sh',
      '-c',
      'R="$0" D="$1"; shift; mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev" && ' +
        'mount --bind "$D" "$R/srv" && ' +
        'mount -t tmpfs tmpfs "$R/tmp" && mount -t tmpfs tmpfs "$R/run" && ip link set lo up && exec chroot "$R" "$@"',
      root,
      dir,
      ...argv,
    ],
  ];
}

/** uid:gid of a user as the root's /etc/passwd has it. */
function owner(root: string, user: string): string {
  const f = fs
    .readFileSync(path.join(root, 'etc', 'passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`))
    ?.split(':');
  if (!f) throw new Error(`${root}/etc/passwd has no ${user}: is mariadb-server installed there?`);
  return `${f[2]}:${f[3]}`;
}

describe('MariaDB 11.8 (Debian 13), the wsrep provider as a plugin: the pc.bootstrap statement', function () {
  this.timeout(900000 * SLACK);
  let root = '';
  let dir = '';
  let server: ChildProcess | null = null;
  let version = '';

  const socket = (): string => path.join(dir, 'mysqld.sock');
  const options = () => ({
    optionFile: path.join(dir, 'client.cnf'),
    refreshIntervalMs: 1000,
    connectTimeoutMs: 5000,
    queryTimeoutMs: 5000,
    log: silentLogger(),
  });

  /**
   * A one-node cluster from a fresh datadir. Debian's 11.8.9 loads the wsrep provider plugin by
   * default (information_schema.PLUGINS: wsrep_provider ACTIVE); `plugin: false` turns it off.
   */
  async function startServer(plugin: boolean): Promise<void> {
    fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'data'));
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    execFileSync('chown', ['-R', owner(root, 'mysql'), dir]);
    const [cmd, args] = inRoot(root, dir, [
      'mariadb-install-db',
      '--no-defaults',
      '--user=mysql',
      '--datadir=/srv/data',
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
      // No /etc/hosts in a debootstrap root and no DNS in the namespace: resolveip cannot work.
      '--skip-name-resolve',
      '--force',
    ]);
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }); // its stderr in the error
    const [scmd, sargs] = inRoot(root, dir, [
      'mariadbd',
      '--no-defaults',
      '--user=mysql',
      '--datadir=/srv/data',
      '--tmpdir=/srv/tmp',
      '--socket=/srv/mysqld.sock',
      '--pid-file=/srv/mysqld.pid',
      '--log-error=/srv/error.log',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--binlog-format=ROW',
      '--wsrep-on=ON',
      '--wsrep-provider=/usr/lib/galera/libgalera_smm.so',
      '--wsrep-cluster-address=gcomm://',
      '--wsrep-node-address=127.0.0.1',
      ...(plugin ? [] : ['--plugin-wsrep-provider=OFF']),
    ]);
    server = start(scmd, sargs, { logFile: path.join(dir, 'stdout.log') });
    const ready = async (): Promise<boolean> => {
      const f = await new MysqlSource(options()).refreshOnce();
      return f.reachable && f.status?.wsrep_cluster_status === 'Primary';
    };
    await waitFor(
      `the 11.8 server to be Primary (${path.join(dir, 'error.log')})`,
      async () => {
        if (server?.exitCode !== null) {
          const log = fs.existsSync(path.join(dir, 'error.log'))
            ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8')
            : '';
          throw new Error(`the server exited:\n${log.split('\n').slice(-15).join('\n')}`);
        }
        return ready();
      },
      120000 * SLACK,
      250,
    );
  }

  async function stopServer(): Promise<void> {
    if (server) await stopChild(server, 'SIGKILL');
    server = null;
  }

  before(async function () {
    const why = debianRootUnavailable(SPEC);
    if (why) {
      process.stdout.write(`      skipped: ${why}\n`);
      this.skip();
    }
    root = await debianRoot(SPEC);
    version = execFileSync('chroot', [root, 'mariadbd', '--version'], { encoding: 'utf8' }).trim();
    dir = tempDir('gx-m118-');
    fs.writeFileSync(path.join(dir, 'client.cnf'), `[client]\nuser=root\nsocket=${socket()}\n`, { mode: 0o600 });
  });

  afterEach(stopServer);
  after(cleanupAll);

  it('as Debian ships it (the plugin loaded): the agent picks SET GLOBAL wsrep_provider_pc_bootstrap=ON, which works; the classic statement fails and its error names the real cause', async () => {
    await startServer(true);
    const facts = await new MysqlSource(options()).refreshOnce();
    const w = parseWsrepStatus(facts.status, facts.variables, facts.members, facts.reachable, facts.at);
    assert.equal(w.pcBootstrap, PC_BOOTSTRAP_VARIABLE, `${version}: wsrep_provider_pc_bootstrap is offered`);
    const classic = await executeStatement(options(), PC_BOOTSTRAP_OPTIONS);
    assert.equal(classic.ok, false);
    assert.equal(classic.code, 'ER_WRONG_ARGUMENTS', classic.error);
    assert.match(classic.error ?? '', /cannot be changed while the wsrep-provider plugin is loaded/);
    const hint = pcBootstrapHint(PC_BOOTSTRAP_OPTIONS, classic);
    assert.doesNotMatch(hint, /SUPER/);
    assert.match(hint, /SET GLOBAL wsrep_provider_pc_bootstrap=ON/);
    assert.deepEqual(await executeStatement(options(), w.pcBootstrap), { ok: true });
    process.stdout.write(`      ${version}: ${classic.error}\n`);
  });

  it('with the plugin turned off: the agent picks the classic statement, which works there', async () => {
    await startServer(false);
    const facts = await new MysqlSource(options()).refreshOnce();
    const w = parseWsrepStatus(facts.status, facts.variables, facts.members, facts.reachable, facts.at);
    assert.equal(w.pcBootstrap, PC_BOOTSTRAP_OPTIONS);
    assert.deepEqual(await executeStatement(options(), w.pcBootstrap), { ok: true });
  });
});
