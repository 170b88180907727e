// A split brain caught while it runs, on a real 3-node MariaDB Galera cluster whose nodes live in
// network namespaces on one bridge: Galera's own ports are cut between c3 and the others with
// nftables inside c3's namespace (SNMP and the health port stay open), c3 is made Primary on its
// own with pc.bootstrap, and the agents' watch must see it: galeraSplitBrain at a real snmptrapd,
// c3 answering 503 and taken out by a real HAProxy, its keepalived track file unhealthy,
// galera-check healthy exiting 1 on c3, and the alert cleared once c3 rejoins.

import { strict as assert } from 'node:assert';
import { ChildProcess, execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import {
  GaleraNode,
  createNode,
  serverArgs,
  sql,
  stopServer,
  waitSynced,
  rowCount,
  writeGaleraCnf,
} from '../helpers/galera';
import { Lan, createLan, deleteLan, netnsUnavailable } from '../helpers/netns';
import { ROOT, SLACK, cleanupAll, start, stopChild, tempDir, waitFor } from '../helpers/proc';
import { parseTrapLog } from '../helpers/traps';
import { loadMib } from '../../src/snmp/mib';

const pexec = promisify(execFile);
const SERVER = fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';
const INTERVAL_S = 2;
const GALERA_PORTS = '{ 4567, 4568, 4444 }';
const mib = loadMib();
const oidOf = (name: string): string => (mib.notifications.get(name)?.oid ?? []).join('.');

interface Node {
  g: GaleraNode;
  ns: string;
  addr: string;
  dir: string;
  snmpd: ChildProcess;
  agent: ChildProcess | null;
  agentConfig: string;
  fenceFile: string;
}

const inNs = (ns: string, cmd: string, args: string[]): [string, string[]] => [
  'ip',
  ['netns', 'exec', ns, cmd, ...args],
];

/** The node's option file, on its own address with Galera's default ports: its namespace is its host. */
function writeCnf(g: GaleraNode, addr: string, all: string[]): void {
  writeGaleraCnf(g, { clusterName: 'gxsplit', members: all, address: addr });
}

function startServerIn(n: Node, opts: { bootstrap?: boolean } = {}): void {
  const [cmd, args] = inNs(n.ns, SERVER, serverArgs(n.g, opts));
  n.g.child = start(cmd, args, { logFile: path.join(n.g.dir, 'stdout.log'), cwd: n.g.dir });
}

async function health(n: Node, bridge: string): Promise<number> {
  const r = await pexec('ip', [
    'netns',
    'exec',
    bridge,
    'curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--max-time',
    '2',
    `http://${n.addr}:9200/`,
  ]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '000' }));
  return Number(r.stdout);
}

function statsCommand(socket: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket, () => c.end(`${cmd}\n`));
    let out = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

/** srv_op_state per server from `show servers state`: 2 UP, 0 DOWN. */
async function serverStates(socket: string): Promise<Record<string, number>> {
  const lines = (await statsCommand(socket, 'show servers state galera')).split('\n');
  const header = (lines.find((l) => l.startsWith('# be_id')) ?? '').slice(2).split(' ');
  const [name, op] = [header.indexOf('srv_name'), header.indexOf('srv_op_state')];
  return Object.fromEntries(
    lines
      .filter((l) => /^\d+ galera /.test(l))
      .map((l) => l.split(' '))
      .map((f) => [f[name], Number(f[op])]),
  );
}

describe('a split brain caught while it runs, on a real 3-node cluster in network namespaces', function () {
  this.timeout(600000 * SLACK);
  const prefix = `gxsb${process.pid % 10000}`;
  const subnet = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
  const trapAddr = `${subnet}.254`;
  let lan: Lan | null = null;
  const nodes: Node[] = [];
  let trapd: ChildProcess | null = null;
  let trapLog = '';
  let haproxy: ChildProcess | null = null;
  let haSocket = '';

  before(async function () {
    const why =
      netnsUnavailable(prefix) ??
      (spawnSync('nft', ['--version']).status === 0 ? null : 'nft is not installed (apt-get install nftables)') ??
      (fs.existsSync('/usr/sbin/haproxy') ? null : 'haproxy is not installed (apt-get install haproxy)') ??
      (spawnSync('curl', ['--version']).status === 0 ? null : 'curl is not installed');
    if (why) {
      process.stdout.write(`skipped: ${why}\n`);
      this.skip();
    }
    lan = createLan(prefix, 3, subnet);
    // The bridge's own namespace hosts the NMS side: snmptrapd and HAProxy, reaching every node.
    execFileSync('ip', ['-n', lan.bridge, 'addr', 'add', `${trapAddr}/24`, 'dev', 'br0']);
    execFileSync('ip', ['-n', lan.bridge, 'link', 'set', 'lo', 'up']);
    const dir = tempDir('gx-split-');
    const tconf = path.join(dir, 'snmptrapd.conf');
    fs.writeFileSync(tconf, 'disableAuthorization yes\nformat2 TRAP %V\\t %v\\n\n');
    trapLog = path.join(dir, 'traps.log');
    {
      const [cmd, args] = inNs(lan.bridge, 'snmptrapd', [
        '-f',
        '-C',
        '-c',
        tconf,
        '-Lf',
        trapLog,
        '-On',
        `udp:${trapAddr}:162`,
      ]);
      trapd = start(cmd, args, { env: { ...process.env, MIBDIRS: dir, MIBS: '', SNMP_PERSISTENT_DIR: dir } });
    }
    await waitFor(
      'snmptrapd',
      () => fs.existsSync(trapLog) && fs.readFileSync(trapLog, 'utf8').includes('NET-SNMP'),
      10000,
    );

    const addrs = [1, 2, 3].map((i) => `${subnet}.${i}`);
    for (const [i, ns] of lan.nodes.entries()) {
      const g = await createNode(`c${i + 1}`);
      writeCnf(g, addrs[i], addrs);
      const ndir = tempDir(`gx-split-c${i + 1}-`);
      const conf = path.join(ndir, 'snmpd.conf');
      fs.writeFileSync(
        conf,
        [
          `agentaddress udp:${addrs[i]}:161`,
          'master agentx',
          `agentxsocket ${path.join(ndir, 'agentx.sock')}`,
          'agentxperms 0660 0770',
          'agentxtimeout 1',
          'agentxretries 2',
          `rocommunity galera-peers ${subnet}.0/24`,
          `trap2sink ${trapAddr}:162 public`,
          `[snmp] clientaddr ${addrs[i]}`,
          '',
        ].join('\n'),
      );
      fs.mkdirSync(path.join(ndir, 'persist'));
      const [cmd, args] = inNs(ns, '/usr/sbin/snmpd', [
        '-f',
        '-C',
        '-c',
        conf,
        '-Lf',
        path.join(ndir, 'snmpd.log'),
        '-I',
        '-smux,mteTrigger,mteTriggerConf,mteEvent,mteEventConf',
      ]);
      const snmpd = start(cmd, args, {
        env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(ndir, 'persist'), MIBDIRS: ndir, MIBS: '' },
      });
      nodes.push({
        g,
        ns,
        addr: addrs[i],
        dir: ndir,
        snmpd,
        agent: null,
        agentConfig: '',
        fenceFile: path.join(ndir, 'fenced'),
      });
    }
    startServerIn(nodes[0], { bootstrap: true });
    await waitSynced(nodes[0].g, 60000);
    for (const n of nodes.slice(1)) {
      startServerIn(n);
      await waitSynced(n.g, 120000);
    }
    await sql(nodes[0].g, 'CREATE DATABASE gx');
    await sql(nodes[0].g, 'CREATE TABLE gx.t (id INT PRIMARY KEY)');
    for (const n of nodes) {
      const optionFile = path.join(n.dir, 'agent.cnf');
      fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${n.g.socket}\n`, { mode: 0o600 });
      // The peers' community lives in the credentials file (owner-only), not in the agent's config.
      const creds = path.join(n.dir, 'peers.yaml');
      fs.writeFileSync(creds, 'community: galera-peers\n', { mode: 0o600 });
      n.agentConfig = path.join(n.dir, 'agent.yaml');
      fs.writeFileSync(
        n.agentConfig,
        YAML.stringify({
          nodeName: n.g.name,
          datadir: n.g.datadir,
          lockFile: path.join(n.dir, 'galera-init.lock'),
          agentx: { master: path.join(n.dir, 'agentx.sock'), reconnectMinMs: 100, reconnectMaxMs: 1000 },
          mysql: { optionFile, refreshIntervalMs: 300 },
          recovery: { enabled: false },
          notifications: { holdMs: 100 },
          http: { listen: `${n.addr}:9200` },
          keepalived: { trackFile: path.join(n.dir, 'keepalived.track') },
          init: {
            members: nodes.map((m) => `${m.addr}:161`),
            self: `${n.addr}:161`,
            snmpTimeoutMs: 500,
            snmpRetries: 0,
          },
          watch: { intervalSeconds: INTERVAL_S, credentialsFile: creds, fenceFile: n.fenceFile },
          log: { level: 'info' },
          // Never the host's /var/lib/galera-agentx: this node's mark and maintenance are its own.
          stateDir: n.dir,
          maintenanceFile: path.join(n.dir, 'maintenance'),
        }),
        { mode: 0o640 },
      );
      const [cmd, args] = inNs(n.ns, process.execPath, [
        path.join(ROOT, 'dist', 'src', 'cli', 'agent.js'),
        '--config',
        n.agentConfig,
      ]);
      n.agent = start(cmd, args, { logFile: path.join(n.dir, 'agent.log') });
    }
    for (const n of nodes)
      await waitFor(`${n.g.name} healthy`, async () => (await health(n, lan!.bridge)) === 200, 30000, 200);
    // The shipped HAProxy config, with this cluster's addresses and a fast check.
    let conf = fs.readFileSync(path.join(ROOT, 'integrations', 'haproxy', 'haproxy.cfg'), 'utf8');
    haSocket = path.join(dir, 'haproxy.sock');
    conf = conf
      .replace(/^(\s*bind) :3306$/m, `$1 ${trapAddr}:3306`)
      .replace(/(stats socket) \/run\/haproxy\/galera\.sock/, `$1 ${haSocket}`)
      .replace(/(default-server inter) 2s\b/, '$1 200ms');
    nodes.forEach((n, i) => (conf = conf.replace(`192.0.2.1${i + 1}:3306`, `${n.addr}:3306`)));
    assert.ok(
      nodes.every((n) => conf.includes(`${n.addr}:3306 check port 9200`)),
      'the shipped haproxy.cfg changed shape',
    );
    const haconf = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(haconf, conf);
    {
      const [cmd, args] = inNs(lan.bridge, '/usr/sbin/haproxy', ['-db', '-f', haconf]);
      haproxy = start(cmd, args, { logFile: path.join(dir, 'haproxy.log') });
    }
    await waitFor(
      'HAProxy sees every server UP',
      async () => {
        if (!fs.existsSync(haSocket)) return null;
        const s = await serverStates(haSocket);
        return Object.keys(s).length === 3 && Object.values(s).every((v) => v === 2) ? true : null;
      },
      20000,
      100,
    );
  });

  after(async () => {
    if (haproxy) await stopChild(haproxy, 'SIGTERM').catch(() => undefined);
    for (const n of nodes) if (n.agent) await stopChild(n.agent, 'SIGTERM').catch(() => undefined);
    for (const n of nodes) await stopServer(n.g, 'SIGKILL').catch(() => undefined);
    for (const n of nodes) await stopChild(n.snmpd, 'SIGTERM').catch(() => undefined);
    if (trapd) await stopChild(trapd, 'SIGTERM').catch(() => undefined);
    if (lan) deleteLan(lan);
    await cleanupAll();
  });

  it('raises galeraSplitBrain within 2 intervals, fences the smaller side (HAProxy takes it out), and clears once it rejoins', async () => {
    const [c1, , c3] = nodes;
    const bridge = lan!.bridge;
    const traps = (name: string) => parseTrapLog(trapLog).filter((t) => t.trapOid === oidOf(name));
    assert.equal(traps('galeraSplitBrain').length, 0, 'no split before the cut');
    // Galera's traffic cut both ways inside c3's namespace; SNMP (udp 161) and health (9200) open.
    execFileSync('ip', ['netns', 'exec', c3.ns, 'nft', '-f', '-'], {
      input: `table inet gxsplit {
  chain in { type filter hook input priority 0; tcp dport ${GALERA_PORTS} drop; tcp sport ${GALERA_PORTS} drop; }
  chain out { type filter hook output priority 0; tcp dport ${GALERA_PORTS} drop; tcp sport ${GALERA_PORTS} drop; }
}
`,
    });
    await waitFor(
      'c3 non-Primary',
      async () => {
        const r = await sql<{ Value: string }[]>(c3.g, "SHOW STATUS LIKE 'wsrep_cluster_status'").catch(() => []);
        return r[0]?.Value === 'non-Primary' ? true : null;
      },
      30000,
      100,
    );
    await waitFor(
      'c1 Primary of 2',
      async () => {
        const r = await sql<{ Value: string }[]>(c1.g, "SHOW STATUS LIKE 'wsrep_cluster_size'");
        return r[0]?.Value === '2' ? true : null;
      },
      30000,
      100,
    );
    // A write on the majority moves its seqno on: the sides differ in size and position.
    await sql(c1.g, 'INSERT INTO gx.t VALUES (1)');
    // The double bootstrap: c3 made Primary on its own while the others run.
    await sql(c3.g, "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'");
    await waitFor(
      'c3 Primary on its own',
      async () => {
        const r = await sql<{ Value: string }[]>(c3.g, "SHOW STATUS LIKE 'wsrep_cluster_status'");
        return r[0]?.Value === 'Primary' ? true : null;
      },
      30000,
      50,
    );
    const splitAt = Date.now();
    // The bar: two watch intervals, plus the round's GETs and the trap's way (scaled on a busy host).
    const budget = 2 * INTERVAL_S * 1000 + 1000;
    const raised = await waitFor(
      'galeraSplitBrain at snmptrapd',
      () => traps('galeraSplitBrain')[0] ?? null,
      budget,
      50,
    );
    const alertMs = Date.now() - splitAt;
    assert.ok(alertMs <= 2 * INTERVAL_S * 1000 + 1000 * SLACK, `galeraSplitBrain took ${alertMs} ms`);
    const sides =
      [...raised.varbinds.entries()].find(([oid]) =>
        oid.startsWith(`${mib.object('galeraWatchSides').oid.join('.')}.`),
      )?.[1] ?? '';
    assert.match(
      sides,
      /c1,c2 \(size 2, seqno \d+, conf \d+, uuid [0-9a-f-]{36}\) \/ c3 \(size 1, seqno \d+/,
      raised.line,
    );
    await waitFor('c3 answers 503', async () => ((await health(c3, bridge)) === 503 ? true : null), budget, 50);
    const fenceMs = Date.now() - splitAt;
    assert.ok(fenceMs <= 2 * INTERVAL_S * 1000 + 1000 * SLACK, `the 503 took ${fenceMs} ms`);
    for (const n of nodes.slice(0, 2)) assert.equal(await health(n, bridge), 200, `${n.g.name} keeps serving`);
    const track = (n: Node): string => fs.readFileSync(path.join(n.dir, 'keepalived.track'), 'utf8');
    assert.deepEqual(nodes.map(track), ['0\n', '0\n', '-50\n'], 'the keepalived track files');
    await waitFor(
      'HAProxy takes c3 out',
      async () => ((await serverStates(haSocket)).db3 === 0 ? true : null),
      10000,
      50,
    );
    const check = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        c3.ns,
        process.execPath,
        path.join(ROOT, 'dist', 'src', 'cli', 'check.js'),
        '--config',
        c3.agentConfig,
        'healthy',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(check.status, 1, `galera-check healthy on c3: ${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /fenced by the split-brain watch/);
    const fencedTrap = await waitFor(
      'a galeraSplitBrain saying c3 is fenced',
      () => traps('galeraSplitBrain').find((t) => t.line.includes('must not take traffic')) ?? null,
      budget,
      50,
    );
    assert.ok(fencedTrap);
    process.stdout.write(
      `      split seen at snmptrapd ${alertMs} ms after c3 became Primary, 503 after ${fenceMs} ms (interval ${INTERVAL_S} s)\n`,
    );

    // c3 rejoins: its server stops, the cut is lifted, and it joins the majority again (IST).
    await stopServer(c3.g, 'SIGTERM');
    execFileSync('ip', ['netns', 'exec', c3.ns, 'nft', 'delete', 'table', 'inet', 'gxsplit']);
    startServerIn(c3);
    await waitSynced(c3.g, 120000);
    await waitFor(
      'galeraSplitBrainCleared',
      () => traps('galeraSplitBrainCleared')[0] ?? null,
      4 * INTERVAL_S * 1000 + 5000,
      100,
    );
    await waitFor('c3 answers 200 again', async () => ((await health(c3, bridge)) === 200 ? true : null), 30000, 100);
    assert.equal(await rowCount(c3.g, 'gx.t'), 1, 'c3 has the row written on the majority during the split');
    assert.equal(fs.existsSync(c3.fenceFile), false, 'the fence file is gone');
    assert.equal(track(c3), '0\n', "c3's track file healthy again");
  });
});
