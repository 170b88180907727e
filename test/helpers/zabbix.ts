// Debian's real Zabbix server and frontend for tests: a private MariaDB holding the Zabbix schema,
// zabbix_server with its own config, ports and files, the frontend's API served by PHP's built-in
// server, and the trap path (snmptrapd → SNMPTT → Zabbix's trap file) set up with the README's lines.
// Nothing is written under /etc: the frontend reads its config from a fixed path
// (/etc/zabbix/zabbix.conf.php, CConfigFile::CONFIG_FILE_PATH), so PHP runs in a mount namespace of
// its own where a temp dir is bind-mounted over /etc/zabbix. The same helpers run another Debian
// release's Zabbix from a root filesystem (debroot.ts): server and PHP chrooted into it, in a mount
// namespace where their temp dirs are bound into the root, on the host's network and database.

import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import mysql from 'mysql2/promise';
import { freeTcpPort, freeUdpPort, start, stopChild, tempDir, waitFor } from './proc';
import { installDatadir } from './galera';
import { readmeBlock } from './production';

export const ZABBIX_SERVER = '/usr/sbin/zabbix_server';
export const FRONTEND_DIR = '/usr/share/zabbix';
const SCHEMA_DIR = '/usr/share/zabbix-server-mysql';
const MARIADBD = fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';

/**
 * Why a Zabbix test cannot run here, or null when it can. `withZabbix`: the host's own Zabbix
 * packages too (a Zabbix from a Debian root needs only the database, the trap path and root).
 */
export function zabbixUnavailable(withZabbix = true): string | null {
  const need: [string, string][] = [
    ['/usr/sbin/snmptt', 'snmptt'],
    ['/usr/sbin/snmptrapd', 'snmptrapd'],
    [MARIADBD, 'mariadb-server'],
  ];
  if (withZabbix)
    need.push(
      [ZABBIX_SERVER, 'zabbix-server-mysql'],
      [path.join(FRONTEND_DIR, 'api_jsonrpc.php'), 'zabbix-frontend-php'],
      [path.join(SCHEMA_DIR, 'schema.sql.gz'), 'zabbix-server-mysql'],
      ['/usr/bin/php', 'php-cli'],
    );
  const missing = need.filter(([f]) => !fs.existsSync(f)).map(([f, pkg]) => `${f} (Debian package ${pkg})`);
  if (missing.length) return `missing ${missing.join(', ')}`;
  if (process.getuid?.() !== 0) return 'needs root (mariadbd --user=mysql, a mount namespace for the frontend)';
  try {
    execFileSync('perl', ['-MNet::IP', '-e1'], { stdio: 'ignore' });
  } catch {
    return 'Perl Net::IP missing (Debian package libnet-ip-perl): Debian’s snmptt dies at every trap without it';
  }
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' });
  } catch {
    return 'unshare --mount fails here (no CAP_SYS_ADMIN): the frontend cannot get its private /etc/zabbix';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The database

export interface ZabbixDb {
  dir: string;
  port: number;
  socket: string;
  user: string;
  password: string;
  child: ChildProcess;
}

/**
 * A private MariaDB (no Galera) with the Zabbix schema, images and data of the server installed in
 * `root` ('/' for the host's).
 */
export async function startZabbixDb(root = '/'): Promise<ZabbixDb> {
  const dir = tempDir('gx-zbxdb-');
  const datadir = path.join(dir, 'data');
  fs.mkdirSync(datadir);
  execFileSync('chown', ['-R', 'mysql:mysql', dir]);
  installDatadir(datadir, dir);
  const port = await freeTcpPort();
  const socket = path.join(dir, 'mysqld.sock');
  const child = start(
    MARIADBD,
    [
      '--no-defaults',
      '--user=mysql',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      `--log-error=${path.join(dir, 'error.log')}`,
      '--skip-name-resolve',
      '--performance-schema=OFF',
      '--innodb-buffer-pool-size=64M',
      // A throwaway database: no fsync per commit while the schema's thousands of rows go in.
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-doublewrite=0',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_bin',
    ],
    { logFile: path.join(dir, 'stdout.log'), cwd: dir },
  );
  const admin = await waitFor(
    'the Zabbix database server to accept connections',
    () => mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 1000 }),
    60000,
    200,
  );
  const password = 'zbx-Test-1';
  try {
    await admin.query('CREATE DATABASE zabbix CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.query(`CREATE USER 'zabbix'@'127.0.0.1' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT ALL ON zabbix.* TO 'zabbix'@'127.0.0.1'`);
  } finally {
    await admin.end();
  }
  // As README.Debian says: schema, images, data, in that order.
  const sql = ['schema', 'images', 'data'].map((f) => path.join(root, SCHEMA_DIR, `${f}.sql.gz`));
  // One transaction for the rows (DDL still commits itself): data.sql is thousands of INSERTs.
  const script =
    '{ echo "SET autocommit=0; SET unique_checks=0; SET foreign_key_checks=0;"; zcat "$@"; echo "COMMIT;"; } | mariadb --no-defaults --socket="$S" -uroot zabbix';
  execFileSync('bash', ['-c', script, 'import', ...sql], {
    env: { ...process.env, S: socket },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 20,
  });
  return { dir, port, socket, user: 'zabbix', password, child };
}

// ---------------------------------------------------------------------------------------------
// The server

export interface ZabbixServer {
  dir: string;
  port: number;
  child: ChildProcess;
  logFile: string;
  log(): string;
}

/**
 * The command that runs `argv` inside `root` (null: on the host as it is): a private mount namespace
 * with /proc, /dev and each `binds` host dir (host path -> path inside the root, an existing
 * directory there) mounted, then chroot. It execs all the way down, so the PID is the program's.
 */
function inRoot(root: string | null, binds: [string, string][], argv: string[]): [string, string[]] {
  if (!root) return [argv[0], argv.slice(1)];
  const mounts = [
    `mount -t proc proc "$R/proc"`,
    `mount --rbind /dev "$R/dev"`,
    ...binds.map(([, inside], i) => `mount --bind "\${B${i}}" "$R${inside}"`),
  ];
  const env = binds.map(([host], i) => `B${i}=${JSON.stringify(host)}`).join(' ');
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `${env} R="$0"; ${mounts.join(' && ')} && exec chroot "$R" "$@"`,
      root,
      ...argv,
    ],
  ];
}

/** A user's uid:gid as the root's /etc/passwd has it: a chrooted program runs as the root's user. */
function owner(root: string | null, user: string): string {
  const passwd = fs.readFileSync(path.join(root ?? '/', 'etc', 'passwd'), 'utf8');
  const f = passwd
    .split('\n')
    .find((l) => l.startsWith(`${user}:`))
    ?.split(':');
  if (!f) throw new Error(`${root ?? '/'}/etc/passwd has no ${user} user: is zabbix-server-mysql installed there?`);
  return `${f[2]}:${f[3]}`;
}

/**
 * zabbix_server in the foreground as the zabbix user, on its own port and files. `extra` lines come
 * after the test's, e.g. the README's StartSNMPTrapper/SNMPTrapperFile block. With a `root`, the
 * server is that root's; its dir is /srv inside, and `binds` add more host dirs (the trap file's).
 */
export async function startZabbixServer(
  db: ZabbixDb,
  extra: string[],
  root: string | null = null,
  binds: [string, string][] = [],
): Promise<ZabbixServer> {
  const dir = tempDir('gx-zbxsrv-');
  const inside = root ? '/srv' : dir;
  const port = await freeTcpPort();
  const logFile = path.join(dir, 'zabbix_server.log');
  const conf = path.join(dir, 'zabbix_server.conf');
  fs.writeFileSync(
    conf,
    [
      `LogFile=${inside}/zabbix_server.log`,
      'LogFileSize=0',
      'DebugLevel=3',
      `PidFile=${inside}/zabbix_server.pid`,
      `SocketDir=${inside}`,
      'ListenIP=127.0.0.1',
      `ListenPort=${port}`,
      'DBHost=127.0.0.1',
      `DBPort=${db.port}`,
      'DBName=zabbix',
      `DBUser=${db.user}`,
      `DBPassword=${db.password}`,
      // Debian 12's 6.0.14 refuses its own MariaDB 10.11 without it (README).
      'AllowUnsupportedDBVersions=1',
      // Configuration changes made through the API reach the pollers within seconds, not a minute.
      'CacheUpdateFrequency=2',
      // The fewest processes that poll SNMP, run "check now" tasks and evaluate triggers: two cores
      // are shared with the rest of the suite.
      'StartPollers=1',
      'StartPollersUnreachable=1',
      'StartPingers=0',
      'StartDiscoverers=0',
      'StartHTTPPollers=0',
      'StartTrappers=1',
      'StartTimers=1',
      'StartEscalators=1',
      'StartAlerters=1',
      'StartLLDProcessors=1',
      'StartPreprocessors=1',
      'StartHistoryPollers=1',
      'StartODBCPollers=0',
      'StartReportWriters=0',
      'HousekeepingFrequency=0',
      'Timeout=4',
      ...extra,
    ].join('\n') + '\n',
  );
  execFileSync('chown', ['-R', owner(root, 'zabbix'), dir]);
  const [cmd, args] = inRoot(
    root,
    [[dir, '/srv'], ...binds],
    [ZABBIX_SERVER, '-f', '-c', `${inside}/zabbix_server.conf`],
  );
  // Its own process group: zabbix_server forks ~25 processes, which outlive a SIGKILLed parent.
  const child = start(cmd, args, { logFile: path.join(dir, 'stdout.log'), cwd: dir, detached: true });
  const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  await waitFor(
    'zabbix_server to start its processes',
    () => {
      if (child.exitCode !== null) throw new Error(`zabbix_server exited ${child.exitCode}: ${log().slice(-2000)}`);
      return /server #\d+ started \[trapper #1\]/.test(log());
    },
    60000,
    200,
  );
  return { dir, port, child, logFile, log };
}

/** SIGTERM (zabbix_server stops its own processes), then whatever is left of its group. */
export async function stopZabbixServer(server: ZabbixServer): Promise<void> {
  const pgid = server.child.pid;
  await stopChild(server.child, 'SIGTERM', 20000);
  if (!pgid) return;
  await waitFor(
    'zabbix_server’s processes to exit',
    () => {
      try {
        process.kill(-pgid, 0);
        return false;
      } catch {
        return true;
      }
    },
    10000,
    100,
  ).catch(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The frontend's API

export interface ZabbixFrontend {
  dir: string;
  url: string;
  child: ChildProcess;
}

/** PHP's built-in server on the frontend (the root's, with a `root`), its config bound over /etc/zabbix. */
export async function startFrontend(
  db: ZabbixDb,
  server: ZabbixServer,
  root: string | null = null,
): Promise<ZabbixFrontend> {
  const dir = tempDir('gx-zbxweb-');
  const etc = path.join(dir, 'etc-zabbix');
  fs.mkdirSync(etc);
  fs.writeFileSync(
    path.join(etc, 'zabbix.conf.php'),
    `<?php
$DB['TYPE'] = 'MYSQL';
$DB['SERVER'] = '127.0.0.1';
$DB['PORT'] = '${db.port}';
$DB['DATABASE'] = 'zabbix';
$DB['USER'] = '${db.user}';
$DB['PASSWORD'] = '${db.password}';
$DB['SCHEMA'] = '';
$DB['ENCRYPTION'] = false;
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER = '127.0.0.1';
$ZBX_SERVER_PORT = '${server.port}';
$ZBX_SERVER_NAME = 'galera-agentx test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
`,
  );
  const port = await freeTcpPort();
  // unshare execs sh, sh execs php (via chroot with a root): the PID is php's, and the mounts die
  // with it.
  const php = ['php', '-S', `127.0.0.1:${port}`, '-t', FRONTEND_DIR];
  const [cmd, args] = root
    ? inRoot(root, [[etc, '/etc/zabbix']], php)
    : [
        'unshare',
        ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/zabbix && exec "$@"', etc, ...php],
      ];
  const child = start(cmd, args, { logFile: path.join(dir, 'php.log'), cwd: dir });
  const url = `http://127.0.0.1:${port}/api_jsonrpc.php`;
  await waitFor(
    'the Zabbix API to answer',
    async () => {
      if (child.exitCode !== null)
        throw new Error(`php exited ${child.exitCode}: ${fs.readFileSync(path.join(dir, 'php.log'), 'utf8')}`);
      return (await new ZabbixApi(url).call<string>('apiinfo.version', {})).length > 0;
    },
    30000,
    200,
  );
  return { dir, url, child };
}

/** A JSON-RPC client of the Zabbix API: 6.0 takes the session as "auth", 7.0 as a Bearer header. */
export class ZabbixApi {
  private token: string | null = null;
  private id = 0;
  version = '';

  constructor(private readonly url: string) {}

  async login(): Promise<void> {
    this.version = await this.call<string>('apiinfo.version', {});
    this.token = await this.call<string>('user.login', { username: 'Admin', password: 'zabbix' });
  }

  async call<T>(method: string, params: unknown): Promise<T> {
    const body: Record<string, unknown> = { jsonrpc: '2.0', method, params, id: ++this.id };
    const headers: Record<string, string> = { 'Content-Type': 'application/json-rpc' };
    if (this.token && method !== 'apiinfo.version') {
      if (this.version.startsWith('6.')) body.auth = this.token;
      else headers.Authorization = `Bearer ${this.token}`;
    }
    const res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    let j: { result?: T; error?: { message: string; data: string } };
    try {
      j = JSON.parse(text) as typeof j;
    } catch {
      throw new Error(`${method}: HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (j.error) throw new Error(`${method}: ${j.error.message} ${j.error.data}`);
    return j.result as T;
  }
}

// ---------------------------------------------------------------------------------------------
// The trap path: snmptrapd → SNMPTT → the file zabbix_server reads

export interface TrapPath {
  dir: string;
  port: number;
  trapFile: string;
  child: ChildProcess;
  snmptrapdLog: string;
}

const README_TRAP_FILE = '/var/log/snmptt/snmptt.log';

/** The README's `key=value` lines for zabbix_server.conf, the trap file moved to `trapFile`. */
export function readmeServerLines(trapFile: string): string[] {
  return readmeBlock('zabbix-server')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(README_TRAP_FILE, trapFile));
}

/**
 * Debian's /etc/snmp/snmptt.ini with the README's settings, the log moved into `dir` and the
 * shipped event file listed. Syslog is off only because test machines have no syslog daemon.
 */
function snmpttIni(dir: string, trapFile: string, eventFile: string): string {
  const settings = readmeBlock('zabbix-snmptt')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => {
      const [k, ...v] = l.split('=');
      return [k.trim(), v.join('=').trim().replace(README_TRAP_FILE, trapFile)] as const;
    });
  let ini = fs.readFileSync('/etc/snmp/snmptt.ini', 'utf8');
  for (const [k, v] of [...settings, ['syslog_enable', '0'] as const, ['syslog_system_enable', '0'] as const]) {
    const re = new RegExp(`^#?\\s*${k}\\s*=.*$`, 'm');
    if (!re.test(ini))
      throw new Error(
        `/etc/snmp/snmptt.ini has no setting ${k}: the README's snmptt block names one SNMPTT 1.5 does not know`,
      );
    ini = ini.replace(re, `${k} = ${v}`);
  }
  ini = ini.replace(/^snmptt_conf_files = <<END\n[\s\S]*?\nEND$/m, `snmptt_conf_files = <<END\n${eventFile}\nEND`);
  if (!ini.includes(eventFile))
    throw new Error('snmptt.ini: no [TrapFiles] snmptt_conf_files block to list the event file in');
  fs.writeFileSync(path.join(dir, 'snmptt.ini'), ini);
  return path.join(dir, 'snmptt.ini');
}

/**
 * A real snmptrapd with the README's snmptrapd.conf lines (community set to the test's, snmptt
 * pointed at the test's ini), listening on a private port. Its MIB settings are Debian's defaults:
 * it hands trap OIDs over as `iso.3.6.1...`.
 */
export async function startTrapPath(eventFile: string, community: string): Promise<TrapPath> {
  const dir = tempDir('gx-zbxtrap-');
  const trapFile = path.join(dir, 'snmptt.log');
  const ini = snmpttIni(dir, trapFile, eventFile);
  const conf = readmeBlock('zabbix-snmptrapd')
    .replace('s3cr3t-community', community)
    .replace(/^(traphandle default \/usr\/sbin\/snmptt)$/m, `$1 --ini=${ini}`);
  if (!conf.includes(`--ini=${ini}`))
    throw new Error(`the README's snmptrapd block has no 'traphandle default /usr/sbin/snmptt' line:\n${conf}`);
  fs.writeFileSync(path.join(dir, 'snmptrapd.conf'), conf);
  // The trap file exists before Zabbix looks for it, readable by the zabbix user, as a root
  // snmptt's file is (0644) on a real NMS.
  fs.writeFileSync(trapFile, '', { mode: 0o644 });
  const port = await freeUdpPort();
  const snmptrapdLog = path.join(dir, 'snmptrapd.log');
  const env: NodeJS.ProcessEnv = { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, 'persist') };
  delete env.MIBS;
  delete env.MIBDIRS;
  const child = start(
    '/usr/sbin/snmptrapd',
    ['-f', '-C', '-c', path.join(dir, 'snmptrapd.conf'), '-Lf', snmptrapdLog, `udp:127.0.0.1:${port}`],
    { env, cwd: dir },
  );
  await waitFor(
    'snmptrapd to start',
    () => fs.existsSync(snmptrapdLog) && fs.readFileSync(snmptrapdLog, 'utf8').includes('NET-SNMP version'),
    10000,
  );
  return { dir, port, trapFile, child, snmptrapdLog };
}

/** Net-SNMP's snmptrap: a v2c notification to the trap path, as a node's snmpd would send it. */
export function sendTrap(port: number, community: string, trapOid: string, varbinds: [string, string, string][]): void {
  execFileSync('snmptrap', ['-v2c', '-c', community, `127.0.0.1:${port}`, '', trapOid, ...varbinds.flat()], {
    env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent', SNMP_PERSISTENT_DIR: tempDir('gx-snmptrap-') },
    stdio: 'ignore',
  });
}

export async function stopAll(children: (ChildProcess | undefined)[]): Promise<void> {
  for (const c of children) if (c) await stopChild(c, 'SIGTERM', 15000);
}
