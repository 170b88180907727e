// Real MariaDB + Galera nodes on loopback, each in its own temp dirs, run as --user=mysql.
// Used by the integration tests (one node) and by the cluster tests (several).

import { ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import mysql from 'mysql2/promise';
import { freeTcpPort, start, stopChild, tempDir, waitFor } from './proc';

export const PROVIDER = '/usr/lib/galera/libgalera_smm.so';
const SERVER = fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';

export interface GaleraNode {
  name: string;
  dir: string;
  datadir: string;
  runDir: string;
  socket: string;
  port: number;
  gcommPort: number;
  istPort: number;
  sstPort: number;
  cnf: string;
  child: ChildProcess | null;
}

function chownMysql(p: string): void {
  execFileSync('chown', ['-R', 'mysql:mysql', p]);
}

/** Creates the node's dirs, installs a fresh system schema, writes its option file. */
export async function createNode(name: string, clusterPorts?: number[]): Promise<GaleraNode> {
  const dir = tempDir(`gx-${name}-`);
  const datadir = path.join(dir, 'data');
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(datadir);
  fs.mkdirSync(runDir);
  chownMysql(dir);
  const [port, gcommPort, istPort, sstPort] = [
    await freeTcpPort(),
    await freeTcpPort(),
    await freeTcpPort(),
    await freeTcpPort(),
  ];
  const node: GaleraNode = {
    name,
    dir,
    datadir,
    runDir,
    socket: path.join(runDir, 'mysqld.sock'),
    port,
    gcommPort,
    istPort,
    sstPort,
    cnf: path.join(dir, 'my.cnf'),
    child: null,
  };
  writeCnf(node, clusterPorts ?? [gcommPort]);
  installDatadir(datadir, dir, ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M']);
  return node;
}

/** The system tables in an empty datadir, owned by mysql, root by unix socket only, no test db. */
export function installDatadir(datadir: string, cwd: string, extra: string[] = []): void {
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      '--user=mysql',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
      ...extra,
    ],
    { stdio: 'ignore', cwd },
  );
}

/** Fast failure detection for tests: a peer that goes is noticed in about 2 s, not 15. */
const FAST_EVS =
  'gcache.size=8M;evs.suspect_timeout=PT1S;evs.inactive_timeout=PT2S;evs.keepalive_period=PT0.2S;evs.install_timeout=PT2S;evs.join_retrans_period=PT0.2S;pc.recovery=false';

/**
 * A node's option file. On loopback (the default) every node has ports of its own; in a network
 * namespace (`address`) a node is a host of its own with Galera's default ports.
 */
export function writeGaleraCnf(
  node: GaleraNode,
  o: { clusterName: string; members: string[]; address?: string },
): void {
  const own = o.address === undefined;
  const addr = o.address ?? '127.0.0.1';
  const lines = [
    '[mariadbd]',
    `datadir=${node.datadir}`,
    `socket=${node.socket}`,
    `port=${own ? node.port : 3306}`,
    `bind-address=${addr}`,
    `pid-file=${node.runDir}/mysqld.pid`,
    `log-error=${node.runDir}/error.log`,
    'innodb-buffer-pool-size=16M',
    'innodb-log-file-size=4M',
    'performance-schema=OFF',
    'skip-name-resolve',
    'binlog_format=ROW',
    'wsrep_on=ON',
    `wsrep_provider=${PROVIDER}`,
    `wsrep_cluster_name=${o.clusterName}`,
    `wsrep_node_name=${node.name}`,
    `wsrep_node_address=${own ? `127.0.0.1:${node.gcommPort}` : addr}`,
    `wsrep_cluster_address=gcomm://${o.members.join(',')}`,
    'wsrep_sst_method=rsync',
    ...(own ? [`wsrep_sst_receive_address=127.0.0.1:${node.sstPort}`] : []),
    `wsrep_provider_options="${own ? `gmcast.listen_addr=tcp://127.0.0.1:${node.gcommPort};ist.recv_addr=127.0.0.1:${node.istPort};` : ''}${FAST_EVS}"`,
  ];
  fs.writeFileSync(node.cnf, `${lines.join('\n')}\n`);
}

export function writeCnf(node: GaleraNode, clusterPorts: number[]): void {
  writeGaleraCnf(node, { clusterName: 'gxtest', members: clusterPorts.map((p) => `127.0.0.1:${p}`) });
}

/** The server's argv: --datadir on the command line so each agent can tell its own server apart. */
export function serverArgs(node: GaleraNode, opts: { bootstrap?: boolean } = {}): string[] {
  const args = [`--defaults-file=${node.cnf}`, '--user=mysql', `--datadir=${node.datadir}`];
  if (opts.bootstrap) args.push('--wsrep-new-cluster');
  return args;
}

export function recoveryCommand(node: GaleraNode): string[] {
  return [
    SERVER,
    `--defaults-file=${node.cnf}`,
    '--wsrep-recover',
    '--disable-log-error',
    '--datadir={datadir}',
    '--user=mysql',
  ];
}

export function startServer(node: GaleraNode, opts: { bootstrap?: boolean } = {}): ChildProcess {
  node.child = start(SERVER, serverArgs(node, opts), { logFile: path.join(node.dir, 'stdout.log'), cwd: node.dir });
  return node.child;
}

export async function connect(node: GaleraNode): Promise<mysql.Connection> {
  return mysql.createConnection({ socketPath: node.socket, user: 'root', connectTimeout: 2000 });
}

/**
 * One statement on its own connection. `causal`: the node first applies everything the cluster
 * ordered before it (wsrep_sync_wait=15). Galera certifies synchronously but applies on the other
 * nodes asynchronously, so without it a write or a count right after a statement on another node
 * can miss it on a busy machine (a CREATE TABLE not yet applied: "Table doesn't exist").
 */
export async function sql<T = Record<string, unknown>[]>(
  node: GaleraNode,
  query: string,
  opts: { causal?: boolean } = {},
): Promise<T> {
  const c = await connect(node);
  try {
    if (opts.causal) await c.query('SET SESSION wsrep_sync_wait = 15');
    const [rows] = await c.query(query);
    return rows as T;
  } finally {
    await c.end();
  }
}

export async function wsrepStatus(node: GaleraNode): Promise<Record<string, string>> {
  const rows = await sql<{ Variable_name: string; Value: string }[]>(node, "SHOW GLOBAL STATUS LIKE 'wsrep_%'");
  return Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
}

export async function waitSynced(node: GaleraNode, timeoutMs = 30000): Promise<void> {
  let last = '';
  try {
    await waitFor(
      `${node.name} to be Synced`,
      async () => {
        if (node.child && node.child.exitCode !== null) throw new Error(`${node.name} exited: ${errorLogTail(node)}`);
        const s = await wsrepStatus(node);
        last = `${s.wsrep_local_state_comment}/${s.wsrep_cluster_status}/size ${s.wsrep_cluster_size}/ready ${s.wsrep_ready}`;
        return s.wsrep_local_state === '4' && s.wsrep_ready === 'ON';
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; wsrep: ${last || 'never answered'}; error log: ${errorLogTail(node, 8)}`,
    );
  }
}

export function errorLogTail(node: GaleraNode, lines = 5): string {
  try {
    return fs.readFileSync(path.join(node.runDir, 'error.log'), 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no error log)';
  }
}

export async function stopServer(node: GaleraNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (node.child) await stopChild(node.child, signal, 30000);
  node.child = null;
}

/** Writes a [client] option file for the agent with a real password for a real user. */
export async function createAgentUser(node: GaleraNode, user: string, password: string, file: string): Promise<void> {
  await sql(node, `CREATE USER IF NOT EXISTS '${user}'@'localhost' IDENTIFIED BY '${password}'`);
  fs.writeFileSync(file, `[client]\nuser=${user}\npassword=${password}\nsocket=${node.socket}\n`, { mode: 0o600 });
}

export function readGrastate(node: GaleraNode): string {
  return fs.readFileSync(path.join(node.datadir, 'grastate.dat'), 'utf8');
}

/** A cluster of n nodes on loopback: node 0 bootstraps, the others join by SST one after another. */
export async function createCluster(n: number, prefix = 'c'): Promise<GaleraNode[]> {
  const nodes: GaleraNode[] = [];
  for (let i = 0; i < n; i++) nodes.push(await createNode(`${prefix}${i + 1}`));
  for (const node of nodes)
    writeCnf(
      node,
      nodes.map((x) => x.gcommPort),
    );
  return nodes;
}

export async function startCluster(nodes: GaleraNode[]): Promise<void> {
  startServer(nodes[0], { bootstrap: true });
  await waitSynced(nodes[0]);
  for (const node of nodes.slice(1)) {
    startServer(node);
    await waitSynced(node, 60000);
  }
}

/** The PID of the node's server, from its pid file (servers started by galera-init are not our children). */
export function serverPid(node: GaleraNode): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(node.runDir, 'mysqld.pid'), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Stops the node's server, whoever started it, by PID; waits until it is gone. */
export async function stopServerByPid(
  node: GaleraNode,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 60000,
): Promise<void> {
  if (node.child) {
    await stopServer(node, signal);
    return;
  }
  const pid = serverPid(node);
  if (!pid) return;
  process.kill(pid, signal);
  await waitFor(
    `${node.name} (pid ${pid}) to exit`,
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    timeoutMs,
    50,
  );
}

/** The rows a node holds once it has applied all the cluster ordered before the count. */
export async function rowCount(node: GaleraNode, table: string): Promise<number> {
  return Number((await sql<{ n: number }[]>(node, `SELECT COUNT(*) AS n FROM ${table}`, { causal: true }))[0].n);
}
