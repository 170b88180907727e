// The shipped docs/keepalived.conf, run by the real keepalived (Debian 2.2.7) in three network
// namespaces on one bridge. Node 1's track file is written by a real galera-agentx watching a real
// MariaDB Galera node; nodes 2 and 3 by the agent's TrackFile class. Who holds the VIP is read
// with `ip -4 addr show` in each namespace. Only the track file path is filled into the shipped
// file (the interface is eth0 in every namespace, the addresses are the shipped ones).

import { strict as assert } from 'node:assert';
import { ChildProcess, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { AgentProc, startAgent, stopAgent } from '../helpers/agent';
import {
  alive,
  cleanupAll,
  freeTcpPort,
  ROOT,
  SLACK,
  sleep,
  start,
  stopChild,
  tempDir,
  waitFor,
} from '../helpers/proc';
import { GaleraNode, createNode, sql, startServer, stopServer, waitSynced } from '../helpers/galera';
import { Lan, addresses, createLan, deleteLan, netnsUnavailable } from '../helpers/netns';
import { TrackFile } from '../../src/daemon/outputs/trackfile';
import { silentLogger } from '../../src/log';

const SHIPPED = path.join(ROOT, 'docs', 'keepalived.conf');
const SHIPPED_TRACK = '/run/galera-agentx/keepalived.track';
const ADVERT_MS = 1000; // the shipped advert_int
const CHECK = path.join(ROOT, 'dist', 'src', 'cli', 'check.js');
const pexec = promisify(execFile);

function keepalivedConf(trackFile: string): string {
  const text = fs.readFileSync(SHIPPED, 'utf8');
  assert.equal(
    text.split(SHIPPED_TRACK).length,
    3,
    `${SHIPPED} names ${SHIPPED_TRACK} once in a comment and once in track_file`,
  );
  assert.match(text, /^\s*advert_int 1\b/m);
  assert.match(text, /^\s*interface eth0\b/m);
  return text.split(SHIPPED_TRACK).join(trackFile);
}

describe('keepalived (real, 3 network namespaces) with the shipped docs/keepalived.conf', function () {
  this.timeout(180000 * SLACK);
  const prefix = `gxka-${process.pid}`;
  const VIP = /^192\.0\.2\.100\/24$/;
  let lan: Lan | null = null;
  const kas: { child: ChildProcess; vrrpPidFile: string; log: string }[] = [];
  let node: GaleraNode | null = null;
  let agent: AgentProc | null = null;
  const tracks: string[] = [];
  let peers: TrackFile[] = [];
  let httpPort = 0;

  const holders = (): number[] =>
    lan!.nodes.map((ns, i) => (addresses(ns).some((a) => VIP.test(a)) ? i + 1 : 0)).filter((i) => i > 0);
  const holder = async (what: string, want: (h: number[]) => boolean, timeoutMs: number): Promise<number[]> =>
    waitFor(
      what,
      () => {
        const h = holders();
        return want(h) ? h : null;
      },
      timeoutMs,
      20,
    ) as Promise<number[]>;

  before(async function () {
    const why = !fs.existsSync('/usr/sbin/keepalived')
      ? 'keepalived is not installed (apt-get install keepalived)'
      : netnsUnavailable(prefix);
    if (why) {
      process.stdout.write(`skipped: ${why}\n`);
      this.skip();
    }
    lan = createLan(prefix, 3, '192.0.2');
    const dir = tempDir('gxka-');
    for (let i = 1; i <= 3; i++) tracks.push(path.join(dir, `n${i}.track`));
    // Peers 2 and 3 start unhealthy, so node 1 (healthy once its agent sees its server) is elected.
    // Node 3 has no file at all, as before its agent's first start: the shipped init_file must
    // make that unhealthy, or node 3 (equal priority, higher address) would win the election.
    peers = [tracks[1], tracks[2]].map((f) => new TrackFile(f, silentLogger()));
    peers[0].write(-50);

    node = await createNode('ka1');
    startServer(node, { bootstrap: true });
    await waitSynced(node);
    const optionFile = path.join(node.dir, 'agent.cnf');
    fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${node.socket}\n`, { mode: 0o600 });
    httpPort = await freeTcpPort();
    agent = startAgent({
      master: path.join(dir, 'no-snmpd'),
      datadir: node.datadir,
      optionFile,
      nodeName: 'ka1',
      extra: {
        keepalived: { trackFile: tracks[0] },
        http: { listen: `127.0.0.1:${httpPort}` },
        mysql: { optionFile, refreshIntervalMs: 200 },
        log: { level: 'info' },
      },
    });
    await waitFor('the agent to write 0 (healthy)', () => fs.readFileSync(tracks[0], 'utf8') === '0\n', 15000, 50);

    for (let i = 1; i <= 3; i++) {
      const d = path.join(dir, `ka${i}`);
      fs.mkdirSync(d);
      const conf = path.join(d, 'keepalived.conf');
      fs.writeFileSync(conf, keepalivedConf(tracks[i - 1]));
      const log = path.join(d, 'keepalived.log');
      // ip netns exec execs keepalived itself: the child's PID is keepalived's parent process.
      const child = start(
        'ip',
        [
          'netns',
          'exec',
          lan.nodes[i - 1],
          '/usr/sbin/keepalived',
          '-n',
          '-l',
          '-D',
          '-f',
          conf,
          '-p',
          path.join(d, 'keepalived.pid'),
          '-r',
          path.join(d, 'vrrp.pid'),
          '-c',
          path.join(d, 'checkers.pid'),
        ],
        { logFile: log },
      );
      kas.push({ child, vrrpPidFile: path.join(d, 'vrrp.pid'), log });
    }
    await holder('node 1 to be elected', (h) => h.length === 1 && h[0] === 1, 15000);
    assert.equal(
      fs.readFileSync(tracks[2], 'utf8').trim(),
      '-50',
      'keepalived created the missing file as unhealthy (init_file)',
    );
  });

  after(async () => {
    for (const k of kas) {
      let vrrp = 0;
      try {
        vrrp = Number(fs.readFileSync(k.vrrpPidFile, 'utf8').trim());
      } catch {
        /* not started */
      }
      await stopChild(k.child, 'SIGTERM', 5000);
      // The parent stops its VRRP child; should it not have, that PID is ours to stop.
      if (vrrp && alive(vrrp) && fs.readFileSync(`/proc/${vrrp}/cmdline`, 'utf8').startsWith('/usr/sbin/keepalived'))
        process.kill(vrrp, 'SIGKILL');
    }
    if (agent) await stopAgent(agent);
    if (node) await stopServer(node, 'SIGKILL');
    if (lan) deleteLan(lan);
    await cleanupAll();
  });

  it('healthy peers do not take the VIP from a healthy holder (equal priorities)', async () => {
    for (const p of peers) p.write(0);
    const until = Date.now() + 3 * ADVERT_MS;
    while (Date.now() < until) {
      assert.deepEqual(holders(), [1]);
      await sleep(100);
    }
  });

  let holderAfterDesync = 0;
  it('a desynced node (wsrep_desync=ON, seen by its agent) loses the VIP within 3 advert intervals; a peer takes it', async () => {
    const t0 = Date.now();
    await sql(node!, 'SET GLOBAL wsrep_desync = ON');
    await holder('the VIP to leave node 1', (h) => !h.includes(1), 3 * ADVERT_MS);
    const left = Date.now() - t0;
    assert.equal(fs.readFileSync(tracks[0], 'utf8'), '-50\n', 'the agent wrote the unhealthy weight');
    const [h] = await holder('a healthy peer to take the VIP', (x) => x.length === 1, 3 * ADVERT_MS);
    const moved = Date.now() - t0;
    assert.ok(h === 2 || h === 3);
    holderAfterDesync = h;
    process.stdout.write(
      `      VIP left node 1 ${left} ms after SET GLOBAL wsrep_desync=ON (agent + keepalived), on node ${h} after ${moved} ms\n`,
    );
    assert.match(fs.readFileSync(kas[0].log, 'utf8'), /Entering FAULT STATE/);
  });

  it('does not flap back when the node recovers', async () => {
    await sql(node!, 'SET GLOBAL wsrep_desync = OFF');
    await waitFor('the agent to write 0 again', () => fs.readFileSync(tracks[0], 'utf8') === '0\n', 10000, 50);
    const until = Date.now() + 5 * ADVERT_MS;
    while (Date.now() < until) {
      assert.deepEqual(holders(), [holderAfterDesync], 'the VIP stays on the peer');
      await sleep(100);
    }
  });

  /** The agent's HTTP answer: the same verdict as the track file, with its reason. */
  const endpoint = async (): Promise<{ status: number; body: string }> => {
    const r = await fetch(`http://127.0.0.1:${httpPort}/`);
    return { status: r.status, body: await r.text() };
  };
  /** galera-check healthy against the same server, with the agent's config and other health keys. */
  const checkWith = async (keepalived: Record<string, boolean>): Promise<{ code: number; out: string }> => {
    const doc = YAML.parse(fs.readFileSync(agent!.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
    const file = path.join(agent!.dir, `check-${Object.keys(keepalived).join('-')}.yaml`);
    fs.writeFileSync(
      file,
      YAML.stringify({ ...doc, http: { listen: '' }, keepalived: { ...doc.keepalived, ...keepalived } }),
      {
        mode: 0o600,
      },
    );
    return pexec(process.execPath, [CHECK, '--config', file, 'healthy']).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
  };
  /** Returns once the agent has finished a whole poll begun after this call (its SHOW VARIABLES counted). */
  const agentPolled = async (): Promise<void> => {
    const shows = async (): Promise<number> =>
      Number((await sql<{ Value: string }[]>(node!, "SHOW GLOBAL STATUS LIKE 'Com_show_variables'"))[0].Value);
    const from = await shows();
    await waitFor('two more polls by the agent', async () => (await shows()) >= from + 2, 5000, 20);
  };

  it("read_only, wsrep_reject_queries, wsrep_sst_donor_rejects_queries: the operator's health rule, on the real server", async () => {
    for (const p of peers) p.write(-50);
    await holder('the VIP back on node 1', (h) => h.length === 1 && h[0] === 1, 5 * ADVERT_MS);
    for (const p of peers) p.write(0);

    // read_only: a node that serves reads stays in by default (clustercheck's available_when_readonly).
    await sql(node!, 'SET GLOBAL read_only = ON');
    await agentPolled();
    assert.equal(fs.readFileSync(tracks[0], 'utf8'), '0\n', 'a read-only node keeps the healthy weight by default');
    assert.deepEqual(await endpoint(), { status: 200, body: 'Galera node is synced.\r\n' });
    assert.deepEqual(await checkWith({ readOnlyIsHealthy: false }), {
      code: 1,
      out: 'Galera node is read-only (read_only=ON, readOnlyIsHealthy off).\n',
    });
    assert.deepEqual(holders(), [1]);
    await sql(node!, 'SET GLOBAL read_only = OFF');
    assert.equal((await checkWith({ readOnlyIsHealthy: false })).code, 0);

    // wsrep_reject_queries=ALL: the drain switch. The VIP leaves, the 503 says why.
    const t0 = Date.now();
    await sql(node!, 'SET GLOBAL wsrep_reject_queries = ALL');
    try {
      await holder('the VIP to leave the rejecting node', (h) => !h.includes(1), 3 * ADVERT_MS);
      const left = Date.now() - t0;
      assert.equal(fs.readFileSync(tracks[0], 'utf8'), '-50\n');
      assert.deepEqual(await endpoint(), {
        status: 503,
        body: 'Galera node rejects client queries (wsrep_reject_queries=ALL).\r\n',
      });
      assert.deepEqual(await checkWith({}), {
        code: 1,
        out: 'Galera node rejects client queries (wsrep_reject_queries=ALL).\n',
      });
      assert.equal((await checkWith({ rejectQueriesIsHealthy: true })).code, 0, 'the option ignores it');
      await holder('a peer to take the VIP', (h) => h.length === 1, 3 * ADVERT_MS);
      process.stdout.write(`      VIP left node 1 ${left} ms after SET GLOBAL wsrep_reject_queries=ALL\n`);
    } finally {
      await sql(node!, 'SET GLOBAL wsrep_reject_queries = NONE');
    }
    await waitFor('the agent to write 0 again', () => fs.readFileSync(tracks[0], 'utf8') === '0\n', 10000, 50);

    // wsrep_sst_donor_rejects_queries on a Donor/Desynced node that donorIsHealthy lets serve.
    await sql(node!, 'SET GLOBAL wsrep_sst_donor_rejects_queries = ON');
    await sql(node!, 'SET GLOBAL wsrep_desync = ON');
    try {
      await waitFor('Donor/Desynced', async () => (await checkWith({ donorIsHealthy: true })).code === 1, 10000, 100);
      assert.deepEqual(await checkWith({ donorIsHealthy: true }), {
        code: 1,
        out: 'Galera node is Donor/Desynced and rejects client queries (wsrep_sst_donor_rejects_queries=ON).\n',
      });
      assert.equal((await checkWith({ donorIsHealthy: true, donorRejectsQueriesIsHealthy: true })).code, 0);
      await sql(node!, 'SET GLOBAL wsrep_sst_donor_rejects_queries = OFF');
      assert.deepEqual(await checkWith({ donorIsHealthy: true }), {
        code: 0,
        out: 'Galera node is Donor/Desynced, serving (donorIsHealthy).\n',
      });
    } finally {
      await sql(node!, 'SET GLOBAL wsrep_desync = OFF');
      await sql(node!, 'SET GLOBAL wsrep_sst_donor_rejects_queries = OFF');
    }
    await waitFor('the agent to write 0 again', () => fs.readFileSync(tracks[0], 'utf8') === '0\n', 10000, 50);
  });

  it('a node whose agent stops gives up the VIP', async () => {
    // Bring the VIP back to node 1 first: both peers unhealthy, then healthy again.
    for (const p of peers) p.write(-50);
    await holder('the VIP back on node 1', (h) => h.length === 1 && h[0] === 1, 5 * ADVERT_MS);
    for (const p of peers) p.write(0);
    await sleep(2 * ADVERT_MS);
    assert.deepEqual(holders(), [1]);
    const t0 = Date.now();
    await stopAgent(agent!);
    agent = null;
    assert.equal(fs.readFileSync(tracks[0], 'utf8'), '-50\n', 'the stopping agent left the unhealthy weight behind');
    await holder('the VIP to leave node 1', (h) => !h.includes(1), 3 * ADVERT_MS);
    const [h] = await holder('a peer to take the VIP', (x) => x.length === 1, 3 * ADVERT_MS);
    process.stdout.write(`      VIP on node ${h} ${Date.now() - t0} ms after SIGTERM to node 1's agent\n`);
  });
});
