// galera-init end to end: a real 3-node MariaDB Galera cluster on loopback, one snmpd + agent per
// node, galera-init deciding for real. Every story writes a row count before and checks it after.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { stopAgent } from '../helpers/agent';
import { ROOT, cleanupAll, sleep, tempDir, waitFor } from '../helpers/proc';
import { snmpgetOne } from '../helpers/snmp';
import { readGrastate, rowCount, serverPid, sql, stopServerByPid, waitSynced, wsrepStatus } from '../helpers/galera';
import { Harness, HarnessNode, INIT_BIN as INIT, createHarness, exitCode } from '../helpers/harness';

const pexec = promisify(execFile);

describe('galera-init on a real 3-node cluster', function () {
  this.timeout(300000);
  let h: Harness;
  let nodes: HarnessNode[] = [];
  const runInit = (n: HarnessNode, extra: string[] = []): ReturnType<Harness['runInit']> => h.runInit(n, extra);
  const bringUpAgent = (n: HarnessNode): Promise<void> => h.bringUpAgent(n);
  const bringDownAgent = (n: HarnessNode): Promise<void> => h.bringDownAgent(n);

  before(async () => {
    h = await createHarness(3, { prefix: 'i' });
    nodes = h.nodes;
  });

  after(async () => {
    for (const n of nodes) await stopServerByPid(n.g, 'SIGKILL').catch(() => undefined);
    for (const n of nodes) await stopAgent(n.agent).catch(() => undefined);
    await cleanupAll();
  });

  const allRunning = async (): Promise<void> => {
    for (const n of nodes) await waitSynced(n.g, 60000);
    assert.equal((await wsrepStatus(nodes[0].g)).wsrep_cluster_size, '3');
  };

  it('--dry-run prints the members table and the decision, and starts nothing', async () => {
    const { stdout } = await pexec(process.execPath, [INIT, '--config', nodes[0].agent.configFile, '--dry-run']);
    assert.match(stdout, /member\s+answered\s+status\s+seqno/);
    // A fresh cluster: all seqnos -1, so the tie-break picks the first member id.
    const first = [...nodes].map((n) => n.target).sort()[0];
    if (first === nodes[0].target) assert.match(stdout, /decision: bootstrap/);
    else assert.match(stdout, new RegExp(`decision: wait\\nreason:   ${first.replace(/\./g, '\\.')} is the most advanced`));
    for (const n of nodes) assert.match(stdout, new RegExp(n.target.replace(/\./g, '\\.')));
    assert.equal(serverPid(nodes[0].g), null);
  });

  it('fresh cluster, three initiators at the same moment: exactly one bootstraps, two join', async () => {
    const inits = nodes.map((n) => runInit(n));
    const codes = await Promise.all(inits.map(exitCode));
    assert.deepEqual(codes, [0, 0, 0], inits.map((i) => i.output().split('\n').slice(-3).join('\n')).join('\n---\n'));
    const boots = inits.filter((i) => /bootstrapped a new cluster/.test(i.output()));
    const joins = inits.filter((i) => /joined the cluster/.test(i.output()));
    assert.equal(boots.length, 1);
    assert.equal(joins.length, 2);
    await allRunning();
    const { stdout } = await pexec(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', 'check.js'), '--config', nodes[0].agent.configFile, 'cluster']);
    assert.equal((stdout.match(/\syes\s+running\s/g) ?? []).length, 3, stdout);
    assert.match(stdout, /decision: done/);
    await sql(nodes[0].g, 'CREATE DATABASE e2e');
    await sql(nodes[0].g, 'CREATE TABLE e2e.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    for (let i = 0; i < 20; i++) await sql(nodes[i % 3].g, 'INSERT INTO e2e.t (v) VALUES (1)');
  });

  it('one node restarted while the others run: it simply joins', async () => {
    const n = nodes[2];
    await stopServerByPid(n.g, 'SIGTERM');
    await sql(nodes[0].g, 'INSERT INTO e2e.t (v) VALUES (2)');
    const init = runInit(n);
    assert.equal(await exitCode(init), 0, init.output());
    assert.match(init.output(), /joined the cluster/);
    await waitSynced(n.g);
    assert.equal(await rowCount(n.g, 'e2e.t'), 21);
  });

  it('clean full shutdown: the last node stopped (safe_to_bootstrap: 1) bootstraps, the others join', async () => {
    const before = await rowCount(nodes[0].g, 'e2e.t');
    for (const n of [nodes[0], nodes[1], nodes[2]]) await stopServerByPid(n.g, 'SIGTERM');
    assert.match(readGrastate(nodes[2].g), /safe_to_bootstrap: 1/);
    const inits = nodes.map((n) => runInit(n));
    assert.deepEqual(await Promise.all(inits.map(exitCode)), [0, 0, 0]);
    assert.match(inits[2].output(), /bootstrapped a new cluster/);
    await allRunning();
    for (const n of nodes) assert.equal(await rowCount(n.g, 'e2e.t'), before);
  });

  it('kill -9 of every node: seqnos recovered, the most advanced bootstraps, nothing lost', async () => {
    // Stagger the crashes so that node 1 (index 0) is behind the others.
    await stopServerByPid(nodes[0].g, 'SIGKILL');
    await sql(nodes[1].g, 'INSERT INTO e2e.t (v) VALUES (3)');
    await stopServerByPid(nodes[2].g, 'SIGKILL');
    await sleep(3000); // let the survivor see it is alone (non-Primary) before it too dies
    await stopServerByPid(nodes[1].g, 'SIGKILL');
    const want = 22;
    for (const n of nodes) {
      await waitFor(`${n.g.name} recovered seqno`, async () => (await snmpgetOne(n.master.port, 'GALERA-MIB::galeraSeqnoSource.0')) === 'recovered', 30000, 100);
    }
    const seqnos = await Promise.all(nodes.map(async (n) => BigInt(await snmpgetOne(n.master.port, 'GALERA-MIB::galeraSeqno.0'))));
    const max = seqnos.reduce((a, b) => (b > a ? b : a));
    const uuidBefore = await snmpgetOne(nodes[1].master.port, 'GALERA-MIB::galeraStateUuid.0');
    assert.ok(seqnos[0] < max, `seqnos ${seqnos.join(', ')}: node 1 missed a write`);
    const inits = nodes.map((n) => runInit(n));
    assert.deepEqual(await Promise.all(inits.map(exitCode)), [0, 0, 0], inits.map((i) => i.output().split('\n').slice(-2).join('\n')).join('\n---\n'));
    const booted = inits.map((i, k) => (/bootstrapped a new cluster/.test(i.output()) ? k : -1)).filter((k) => k >= 0);
    assert.equal(booted.length, 1, 'exactly one bootstrap');
    assert.equal(seqnos[booted[0]], max, `the bootstrapper (node ${booted[0] + 1}) has the highest seqno ${max}`);
    // Started at its recovered position, the cluster keeps its history: same state UUID, seqno goes on.
    const after = await wsrepStatus(nodes[booted[0]].g);
    assert.equal(after.wsrep_local_state_uuid, uuidBefore);
    assert.ok(BigInt(after.wsrep_last_committed) >= max, `seqno ${after.wsrep_last_committed} continues from ${max}`);
    await allRunning();
    for (const n of nodes) assert.equal(await rowCount(n.g, 'e2e.t'), want);
  });

  it('the galera_initiator drawback: the stale node comes up alone and waits; the advanced one bootstraps later; nothing lost', async () => {
    // Node 1 (index 0) stops first and misses writes; nodes 2 and 3 stop later.
    await stopServerByPid(nodes[0].g, 'SIGTERM');
    for (let i = 0; i < 5; i++) await sql(nodes[1].g, 'INSERT INTO e2e.t (v) VALUES (4)');
    const want = await rowCount(nodes[1].g, 'e2e.t');
    await stopServerByPid(nodes[2].g, 'SIGTERM');
    await stopServerByPid(nodes[1].g, 'SIGTERM');
    // The advanced nodes are "down": their agents do not answer.
    await bringDownAgent(nodes[1]);
    await bringDownAgent(nodes[2]);
    const stale = runInit(nodes[0]);
    await sleep(4000);
    assert.equal(stale.exitCode, null, 'still waiting');
    assert.equal(serverPid(nodes[0].g), null, 'did not start the stale node');
    assert.match(stale.output(), /no bootstrap on incomplete information: waiting for 127\.0\.0\.1:\d+ \(no answer/);
    assert.equal(await snmpgetOne(nodes[0].master.port, 'GALERA-MIB::galeraStatus.0'), 'initiating');
    // The advanced nodes come back.
    await bringUpAgent(nodes[1]);
    await bringUpAgent(nodes[2]);
    const others = [runInit(nodes[1]), runInit(nodes[2])];
    assert.deepEqual(await Promise.all([stale, ...others].map(exitCode)), [0, 0, 0]);
    assert.ok(!/bootstrapped/.test(stale.output()), 'the stale node joined, it did not bootstrap');
    await allRunning();
    for (const n of nodes) assert.equal(await rowCount(n.g, 'e2e.t'), want);
  });

  it('a peer that never answers: --once exits 75 naming the peer; never bootstraps; joins once someone runs', async () => {
    const n = nodes[0];
    await stopServerByPid(n.g, 'SIGTERM');
    // Only this node and a silent member: no running peer, so the silence is a real doubt.
    const cfg = fs.readFileSync(n.agent.configFile, 'utf8').replace(/members:\n(\s+- .*\n)+/, `members:\n    - ${n.target}\n    - 127.0.0.1:9\n`);
    const file = path.join(tempDir('gx-cfg-'), 'config.yaml');
    fs.writeFileSync(file, cfg, { mode: 0o600 });
    const r = await pexec(process.execPath, [INIT, '--config', file, '--once']).catch((e: { code: number; stderr: string; stdout: string }) => e);
    assert.equal((r as { code: number }).code, 75);
    assert.match((r as { stderr: string }).stderr, /waiting for 127\.0\.0\.1:9 \(no answer/);
    assert.equal(serverPid(n.g), null, 'did not start');
    // With the real member list the others are running: joining is always safe.
    const init = runInit(n);
    assert.equal(await exitCode(init), 0);
    assert.match(init.output(), /joined the cluster/);
    await waitSynced(n.g);
  });
});
