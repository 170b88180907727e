// 2 data nodes + the real Galera arbitrator (garbd, Debian's galera-arbitrator-4) on loopback: a
// real MariaDB, snmpd and galera-agentx per data node, garbd with an agent of its own (role:
// arbitrator), and galera-init deciding for real. The data nodes name garbd in init.arbitrators
// too, as the README tells operators to; one story drops that and leans on garbd's agent alone.
// Every story counts the acknowledged rows before and checks them on both data nodes after.

import { strict as assert } from 'node:assert';
import { ChildProcess, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { AgentProc, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, SLACK, start, stopChild, tempDir, freeTcpPort, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd, stopSnmpd } from '../helpers/snmp';
import { rowCount, serverPid, sql, stopServerByPid, waitSynced, wsrepStatus } from '../helpers/galera';
import { Harness, HarnessNode, INIT_BIN as INIT, createHarness, exitCode } from '../helpers/harness';

const pexec = promisify(execFile);
const GARBD = '/usr/bin/garbd';
/** As the data nodes' FAST_EVS (helpers/galera.ts): a member that goes is noticed in about 2 s. */
const EVS =
  'evs.suspect_timeout=PT1S;evs.inactive_timeout=PT2S;evs.keepalive_period=PT0.2S;evs.install_timeout=PT2S;evs.join_retrans_period=PT0.2S;pc.recovery=false';

describe('2 data nodes + garbd (the real arbitrator)', function () {
  this.timeout(300000 * SLACK);
  let h: Harness;
  let nodes: HarnessNode[] = [];
  let gMaster: Snmpd;
  let gAgent: AgentProc | null = null;
  let garbd: ChildProcess | null = null;
  let gPort = 0;
  let gDir = '';
  let gTarget = '';

  const startGarbdAgent = async (): Promise<void> => {
    gMaster = await startSnmpd({ dir: gMaster.dir, port: gMaster.port });
    gAgent = startAgent({
      master: gMaster.socket,
      // garbd has no datadir: an empty directory stands for the one a garbd host does not have.
      datadir: path.join(gDir, 'nodata'),
      nodeName: 'garbd1',
      extra: { role: 'arbitrator' },
    });
    await waitFor(
      'the arbitrator agent',
      async () => (await snmpgetOne(gMaster.port, 'GALERA-MIB::galeraRole.0')) === 'arbitrator',
      15000 * SLACK,
      100,
    );
  };
  const stopGarbdAgent = async (): Promise<void> => {
    if (gAgent) await stopAgent(gAgent);
    gAgent = null;
    await stopSnmpd(gMaster);
  };
  const garbdStatus = (): Promise<string> => snmpgetOne(gMaster.port, 'GALERA-MIB::galeraStatus.0');
  const startGarbd = async (): Promise<void> => {
    const peers = nodes.map((n) => `127.0.0.1:${n.g.gcommPort}`).join(',');
    garbd = start(
      GARBD,
      [
        '--address',
        `gcomm://${peers}`,
        '--group',
        'gxtest',
        '--name',
        'garbd1',
        '--options',
        `gmcast.listen_addr=tcp://127.0.0.1:${gPort};${EVS}`,
      ],
      { logFile: path.join(gDir, 'garbd.log'), cwd: gDir },
    );
    await waitFor(
      'garbd in the cluster (wsrep_cluster_size 3)',
      async () => {
        if (garbd?.exitCode !== null) throw new Error(`garbd exited: ${garbdLog()}`);
        const up = nodes.find((n) => serverPid(n.g) !== null);
        return up !== undefined && (await wsrepStatus(up.g)).wsrep_cluster_size === '3';
      },
      60000 * SLACK,
      200,
    );
    if (gAgent) await waitFor('garbd running, as its agent sees it', async () => (await garbdStatus()) === 'running');
  };
  const stopGarbd = async (signal: NodeJS.Signals): Promise<void> => {
    if (garbd) await stopChild(garbd, signal);
    garbd = null;
  };
  const garbdLog = (): string => {
    try {
      return fs.readFileSync(path.join(gDir, 'garbd.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
    } catch {
      return '(no log)';
    }
  };
  /** This node's config with init.arbitrators taken out: garbd is then known by its own agent only. */
  const withoutArbitrators = (n: HarnessNode): string => {
    const doc = YAML.parse(fs.readFileSync(n.agent.configFile, 'utf8')) as { init: Record<string, unknown> };
    delete doc.init.arbitrators;
    const file = path.join(tempDir('gx-noarb-'), 'config.yaml');
    fs.writeFileSync(file, YAML.stringify(doc), { mode: 0o600 });
    return file;
  };
  const runInitWith = (file: string): ChildProcess & { output: () => string } => {
    const log = path.join(tempDir('gx-init-'), 'init.log');
    const child = start(process.execPath, [INIT, '--config', file], { logFile: log });
    return Object.assign(child, { output: () => fs.readFileSync(log, 'utf8') });
  };
  const recovered = async (n: HarnessNode): Promise<void> => {
    await waitFor(
      `${n.g.name} recovered seqno`,
      async () => (await snmpgetOne(n.master.port, 'GALERA-MIB::galeraSeqnoSource.0')) === 'recovered',
      60000 * SLACK,
      100,
    );
  };
  const primaryOf = async (n: HarnessNode, size: string): Promise<void> => {
    await waitFor(
      `${n.g.name} Primary with ${size} members`,
      async () => {
        const s = await wsrepStatus(n.g);
        return s.wsrep_cluster_status === 'Primary' && s.wsrep_cluster_size === size && s.wsrep_ready === 'ON';
      },
      30000 * SLACK,
      100,
    );
  };
  const insert = async (n: HarnessNode, count: number, v: number): Promise<void> => {
    for (let i = 0; i < count; i++) await sql(n.g, `INSERT INTO e2e.t (v) VALUES (${v})`);
  };
  const outputs = (inits: { output: () => string }[]): string =>
    inits.map((i) => i.output().split('\n').slice(-3).join('\n')).join('\n---\n');

  before(async function () {
    if (!fs.existsSync(GARBD)) {
      process.stdout.write('skipped: garbd is not installed (apt-get install galera-arbitrator-4)\n');
      this.skip();
    }
    gDir = tempDir('gx-garbd-');
    fs.mkdirSync(path.join(gDir, 'nodata'));
    gPort = await freeTcpPort();
    gMaster = await startSnmpd();
    gTarget = `127.0.0.1:${gMaster.port}`;
    h = await createHarness(2, {
      prefix: 'a',
      extraMembers: [{ gcomm: `127.0.0.1:${gPort}`, target: gTarget }],
      init: { arbitrators: [gTarget] },
    });
    nodes = h.nodes;
    await stopSnmpd(gMaster);
    await startGarbdAgent();
  });

  after(async () => {
    await stopGarbd('SIGKILL').catch(() => undefined);
    for (const n of nodes) await stopServerByPid(n.g, 'SIGKILL').catch(() => undefined);
    for (const n of nodes) await stopAgent(n.agent).catch(() => undefined);
    if (gAgent) await stopAgent(gAgent).catch(() => undefined);
    await cleanupAll();
  });

  it('a fresh cluster: garbd stopped is not waited for; one data node bootstraps, the other joins, garbd joins them', async () => {
    assert.equal(await garbdStatus(), 'stopped');
    const inits = nodes.map((n) => h.runInit(n));
    assert.deepEqual(await Promise.all(inits.map(exitCode)), [0, 0], outputs(inits));
    assert.equal(inits.filter((i) => /bootstrapped a new cluster/.test(i.output())).length, 1, outputs(inits));
    assert.equal(inits.filter((i) => /joined the cluster/.test(i.output())).length, 1, outputs(inits));
    for (const n of nodes) await waitSynced(n.g, 60000 * SLACK);
    await startGarbd();
    // The split-brain watch takes garbd's agent for an answer, never a side: clear, not incomplete.
    await waitFor(
      'the split-brain watch clear with garbd running',
      async () => (await snmpgetOne(nodes[0].master.port, 'GALERA-MIB::galeraWatchState.0')) === 'clear',
      45000 * SLACK,
      500,
    );
    await sql(nodes[0].g, 'CREATE DATABASE e2e');
    await sql(nodes[0].g, 'CREATE TABLE e2e.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    await insert(nodes[0], 5, 1);
    await insert(nodes[1], 5, 1);
    for (const n of nodes) assert.equal(await rowCount(n.g, 'e2e.t'), 10);
  });

  it('one data node crashes (kill -9) while garbd and the other run: it joins them, never bootstraps', async () => {
    await stopServerByPid(nodes[1].g, 'SIGKILL');
    // garbd's vote keeps the survivor Primary: 2 of 3.
    await primaryOf(nodes[0], '2');
    await insert(nodes[0], 5, 2);
    const want = await rowCount(nodes[0].g, 'e2e.t');
    const init = h.runInit(nodes[1]);
    assert.equal(await exitCode(init), 0, init.output());
    assert.match(init.output(), /joined the cluster/);
    assert.doesNotMatch(init.output(), /bootstrapped a new cluster/);
    await waitSynced(nodes[1].g, 60000 * SLACK);
    await primaryOf(nodes[1], '3');
    for (const n of nodes) assert.equal(await rowCount(n.g, 'e2e.t'), want);
  });

  it('full crash (kill -9) of both data nodes, garbd and its host down too: the most advanced bootstraps, the other joins, garbd rejoins', async () => {
    // a1 dies first and misses the last writes, which a2 and garbd acknowledge (2 of 3, Primary).
    await stopServerByPid(nodes[0].g, 'SIGKILL');
    await primaryOf(nodes[1], '2');
    await insert(nodes[1], 5, 3);
    const want = await rowCount(nodes[1].g, 'e2e.t');
    await stopGarbd('SIGKILL');
    await stopGarbdAgent();
    await stopServerByPid(nodes[1].g, 'SIGKILL');
    for (const n of nodes) await recovered(n);
    const seqnos = await Promise.all(
      nodes.map(async (n) => BigInt(await snmpgetOne(n.master.port, 'GALERA-MIB::galeraSeqno.0'))),
    );
    assert.ok(seqnos[0] < seqnos[1], `seqnos ${seqnos.join(', ')}: a1 missed the last writes`);
    // What galera-init did before init.arbitrators: garbd's silent host is a member it waits for.
    const before = await pexec(process.execPath, [INIT, '--config', withoutArbitrators(nodes[1]), '--dry-run']);
    assert.match(before.stdout, /decision: wait/);
    assert.match(before.stdout, new RegExp(`waiting for ${gTarget.replace(/\./g, '\\.')} \\(no answer`));
    const dry = await pexec(process.execPath, [INIT, '--config', nodes[0].agent.configFile, '--dry-run']);
    assert.match(dry.stdout, /arbitrator \(garbd\): not waited for/);
    const inits = nodes.map((n) => h.runInit(n));
    assert.deepEqual(await Promise.all(inits.map(exitCode)), [0, 0], outputs(inits));
    assert.match(inits[1].output(), /bootstrapped a new cluster/, 'a2, the most advanced, bootstrapped');
    assert.match(inits[0].output(), /joined the cluster/);
    for (const n of nodes) await waitSynced(n.g, 60000 * SLACK);
    await startGarbdAgent();
    await startGarbd();
    for (const n of nodes) assert.equal(await rowCount(n.g, 'e2e.t'), want);
  });

  it('full crash again, garbd stopped, its agent up, and no init.arbitrators: its agent alone says it is an arbitrator', async () => {
    await insert(nodes[0], 3, 4);
    const want = await rowCount(nodes[0].g, 'e2e.t');
    await stopGarbd('SIGTERM');
    await Promise.all(nodes.map((n) => stopServerByPid(n.g, 'SIGKILL')));
    await waitFor('garbd stopped, as its agent sees it', async () => (await garbdStatus()) === 'stopped');
    for (const n of nodes) await recovered(n);
    const inits = nodes.map((n) => runInitWith(withoutArbitrators(n)));
    assert.deepEqual(await Promise.all(inits.map(exitCode)), [0, 0], outputs(inits));
    assert.equal(inits.filter((i) => /bootstrapped a new cluster/.test(i.output())).length, 1, outputs(inits));
    assert.equal(inits.filter((i) => /joined the cluster/.test(i.output())).length, 1, outputs(inits));
    for (const n of nodes) await waitSynced(n.g, 60000 * SLACK);
    await startGarbd();
    for (const n of nodes) assert.equal(await rowCount(n.g, 'e2e.t'), want);
  });
});
