// Issue 3 on a real 3-node MariaDB Galera cluster on loopback: one snmpd + galera-agentx per node,
// one real snmptrapd receiving what the masters forward. Kills, desync, writes, a frozen server.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as snmp from 'net-snmp';
import { AgentProc, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, SLACK, sleep, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpTool, snmpgetOne, startSnmpd } from '../helpers/snmp';
import { Trap, Trapd, startTrapd } from '../helpers/traps';
import { GaleraNode, connect, createCluster, sql, startCluster, stopServer, wsrepStatus } from '../helpers/galera';
import { loadMib } from '../../src/snmp/mib';
import { commandOids, runService, servicesNotOk } from '../helpers/nagios';

const mib = loadMib();
const oid = (name: string): string => `${mib.object(name).oid.join('.')}.0`;
const notif = (name: string): string => mib.notifications.get(name)!.oid.join('.');

interface Member {
  node: GaleraNode;
  master: Snmpd;
  agent: AgentProc;
  track: string;
}

describe('the shipped Nagios commands', () => {
  it('name only OIDs that GALERA-MIB defines', () => {
    const known = new Set([...mib.objects.values()].map((o) => `.${o.oid.join('.')}.0`));
    for (const o of commandOids()) assert.ok(known.has(o), `${o} is not a GALERA-MIB scalar instance`);
  });
});

describe('a real 3-node Galera cluster, one agent per node', function () {
  this.timeout(180000 * SLACK);
  let trapd: Trapd;
  const members: Member[] = [];
  const get = (m: Member, name: string): Promise<string> => snmpgetOne(m.master.port, `GALERA-MIB::${name}.0`);
  const trapsOf = (name: string, node?: string): Trap[] =>
    trapd.traps().filter((t) => t.trapOid === notif(name) && (!node || t.varbinds.get(oid('galeraNodeName')) === node));

  before(async () => {
    trapd = await startTrapd();
    const nodes = await createCluster(3);
    // The recovery stories (e2e) turn pc.recovery off; here it is on, as in production, so the
    // saved primary component (gvwstate.dat) is real.
    for (const n of nodes)
      fs.writeFileSync(n.cnf, fs.readFileSync(n.cnf, 'utf8').replace('pc.recovery=false', 'pc.recovery=true'));
    await startCluster(nodes);
    for (const node of nodes) {
      const master = await startSnmpd({ trapPort: trapd.port });
      const dir = tempDir('gx-cl-');
      const optionFile = path.join(dir, 'my.cnf');
      fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${node.socket}\n`, { mode: 0o600 });
      const track = path.join(dir, 'track');
      const agent = startAgent({
        master: master.socket,
        datadir: node.datadir,
        optionFile,
        nodeName: node.name,
        extra: {
          mysql: { optionFile, refreshIntervalMs: 300, queryTimeoutMs: 1000 },
          window: { desiredSeconds: 1000000, shortSpanSeconds: 3, longSpanSeconds: 30 },
          keepalived: { trackFile: track, unhealthyWeight: -50 },
          log: { level: 'info' },
        },
      });
      members.push({ node, master, agent, track });
    }
    for (const m of members)
      await waitFor(`${m.node.name} agent`, async () => (await get(m, 'galeraClusterSize')) === '3', 20000, 100);
  });

  after(async () => {
    for (const m of members) {
      await stopServer(m.node, 'SIGKILL');
      await stopAgent(m.agent);
    }
    await cleanupAll();
  });

  it('shows each node Primary, Synced, ready, in a component of 3 with its members', async () => {
    for (const m of members) {
      assert.equal(await get(m, 'galeraClusterStatus'), 'primary');
      assert.equal(await get(m, 'galeraLocalState'), 'synced');
      assert.equal(await get(m, 'galeraReady'), 'true');
      assert.equal(await get(m, 'galeraStatus'), 'running');
      assert.equal(await get(m, 'galeraWsrepNodeName'), m.node.name);
      assert.equal(await get(m, 'galeraGcacheSize'), String(8 * 1024));
      const walk = await snmpTool('snmpwalk', [
        '-v2c',
        '-c',
        'public',
        '-Oqv',
        `127.0.0.1:${m.master.port}`,
        'GALERA-MIB::galeraMemberName',
      ]);
      assert.deepEqual(walk.trim().split('\n').sort(), members.map((x) => x.node.name).sort());
      assert.equal(fs.readFileSync(m.track, 'utf8'), '0\n', 'keepalived weight 0 when healthy');
      assert.equal(await get(m, 'galeraEvsState'), 'operational');
      assert.equal(await get(m, 'galeraEvsDelayedCount'), '0');
      assert.equal(await get(m, 'galeraEvsEvictCount'), '0');
    }
    // Galera saves the primary component when it forms; the view id is the same on every member.
    const saved = async (m: Member): Promise<string> =>
      `${await get(m, 'galeraSavedPcMembers')} ${await get(m, 'galeraSavedPcViewId')}`;
    await waitFor(
      'saved component of 3 on every node',
      async () => (await Promise.all(members.map(saved))).every((v) => v.startsWith('3 ')),
      10000,
      100,
    );
    assert.equal(new Set(await Promise.all(members.map(saved))).size, 1);
  });

  it('Nagios: every shipped service is OK on a healthy node, with perfdata', async () => {
    const m = members[0];
    assert.deepEqual(await servicesNotOk(m.master.port), []);
    assert.match((await runService('Galera cluster size', m.master.port)).output, /galeraClusterSize=3/);
  });

  it('counts write conflicts from two nodes on one row: BF aborts and certification failures, in the MIB and Nagios', async () => {
    const [a, b] = members;
    await sql(a.node, 'CREATE DATABASE IF NOT EXISTS conflicts');
    await sql(a.node, 'CREATE TABLE IF NOT EXISTS conflicts.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB');
    await sql(a.node, 'INSERT INTO conflicts.t VALUES (1, 0), (2, 0) ON DUPLICATE KEY UPDATE v = v');
    const counter = async (m: Member, name: string): Promise<bigint> => BigInt((await wsrepStatus(m.node))[name]);
    const published = (m: Member, object: string, variable: string): Promise<unknown> =>
      waitFor(
        `${m.node.name}: ${object} = ${variable}`,
        async () => (await get(m, object)) === String(await counter(m, variable)),
        10000,
        100,
      );
    // check_snmp --rate counts whole seconds: two runs in one second are UNKNOWN.
    const aSecondAfter = (t: number): Promise<unknown> =>
      waitFor('a second since the last rate check', () => Date.now() - t >= 1100, 5000, 50);
    await aSecondAfter(Date.now());
    // Nagios's rate starts from here (this run stores the counter; a run before stored it too).
    const baseline = await runService('Galera brute-force aborts', a.master.port);
    assert.equal(baseline.state, 'OK', baseline.output);
    const t0 = Date.now();
    const bf0 = await counter(a, 'wsrep_local_bf_aborts');

    // A BF abort: a transaction open on A holds the row; B commits a write to it; once A has
    // applied B's write-set (a causal read on A waits for it), A's transaction is aborted.
    const bfAbortOnA = async (): Promise<void> => {
      const ca = await connect(a.node);
      const reader = await connect(a.node);
      try {
        await ca.query('BEGIN');
        await ca.query('UPDATE conflicts.t SET v = v + 1 WHERE id = 1');
        await sql(b.node, 'UPDATE conflicts.t SET v = v + 100 WHERE id = 1');
        await reader.query('SET SESSION wsrep_sync_wait = 1');
        await reader.query('SELECT v FROM conflicts.t WHERE id = 2');
        await assert.rejects(ca.query('COMMIT'), /deadlock/i);
      } finally {
        ca.destroy();
        reader.destroy();
      }
    };
    // Enough aborts for four times Nagios's warning (6/min) since the baseline: check_snmp rounds the
    // time to whole seconds.
    let aborts = 0n;
    while (aborts === 0n || (Number(aborts) * 60) / ((Date.now() - t0) / 1000) < 24) {
      await bfAbortOnA();
      aborts = (await counter(a, 'wsrep_local_bf_aborts')) - bf0;
    }
    await published(a, 'galeraLocalBfAborts', 'wsrep_local_bf_aborts');
    await aSecondAfter(t0);
    const bfCheck = await runService('Galera brute-force aborts', a.master.port);
    assert.notEqual(bfCheck.state, 'OK', bfCheck.output);
    assert.match(bfCheck.output, /galeraBfAbortsPerMin=\d/, bfCheck.output);

    // A certification failure: the same row changed on A and on B in two open transactions, both
    // committed at once. The write-set ordered second fails certification on its own node (or, when
    // the first arrives before it leaves, is BF-aborted): either way its client gets a deadlock.
    const certTotal = async (): Promise<bigint> =>
      (await counter(a, 'wsrep_local_cert_failures')) + (await counter(b, 'wsrep_local_cert_failures'));
    const cert0 = await certTotal();
    let attempts = 0;
    while ((await certTotal()) === cert0) {
      assert.ok(++attempts <= 200, 'no certification failure in 200 simultaneous commits');
      const [ca, cb] = [await connect(a.node), await connect(b.node)];
      try {
        for (const [c, n] of [
          [ca, 1],
          [cb, 2],
        ] as const) {
          await c.query('BEGIN');
          // v + n, not v = n: an update that leaves the row as it was writes no row, so its
          // write-set is empty and both commits win (seen under load, once an earlier pass had left
          // v at that value).
          await c.query(`UPDATE conflicts.t SET v = v + ${n} WHERE id = 2`);
        }
        const results = await Promise.allSettled([ca.query('COMMIT'), cb.query('COMMIT')]);
        const failed = results.filter((r) => r.status === 'rejected');
        assert.equal(failed.length, 1, 'one of the two commits wins');
        assert.match(String(failed[0].reason), /deadlock/i);
      } finally {
        ca.destroy();
        cb.destroy();
      }
    }
    for (const m of [a, b]) {
      await published(m, 'galeraLocalCertFailures', 'wsrep_local_cert_failures');
      await published(m, 'galeraLocalBfAborts', 'wsrep_local_bf_aborts');
    }
    process.stdout.write(
      `      ${aborts} BF aborts on ${a.node.name}; a certification failure after ${attempts} simultaneous commit(s); Nagios: ${bfCheck.output}\n`,
    );
  });

  it('answers 10,000 GETs correctly between refreshes with no extra MySQL queries', async () => {
    const m = members[0];
    const count = async (): Promise<number> =>
      Number((await sql<{ Value: string }[]>(m.node, "SHOW GLOBAL STATUS LIKE 'Com_show_status'"))[0].Value);
    const c0 = await count();
    const t0 = Date.now();
    const sessions = Array.from({ length: 8 }, () =>
      snmp.createSession('127.0.0.1', 'public', { port: m.master.port, version: 1, timeout: 3000, retries: 1 }),
    );
    let done = 0;
    const wrong: string[] = [];
    let correct = 0;
    await Promise.all(
      sessions.map(async (s) => {
        while (done < 10000) {
          done++;
          await new Promise<void>((r) =>
            s.get([oid('galeraClusterSize')], (err: Error | null, vbs?: { value: unknown }[]) => {
              if (!err && vbs && vbs.length === 1 && !snmp.isVarbindError(vbs[0]) && vbs[0].value === 3) correct++;
              else if (wrong.length < 5) wrong.push(err ? String(err) : JSON.stringify(vbs));
              r();
            }),
          );
        }
      }),
    );
    sessions.forEach((s) => s.close());
    const elapsed = Date.now() - t0;
    assert.equal(correct, 10000, `${10000 - correct} GETs without galeraClusterSize = 3, e.g. ${wrong.join('; ')}`);
    const delta = (await count()) - c0 - 1; // our own second SHOW STATUS
    // One SHOW STATUS per refresh (300 ms), whatever the GET rate.
    assert.ok(delta <= Math.ceil(elapsed / 300) + 2, `${delta} SHOW STATUS queries in ${elapsed} ms`);
  });

  it('moves the write rate and the window with writes, and raises then clears the window alarm', async () => {
    const m = members[0];
    await sql(m.node, 'CREATE DATABASE IF NOT EXISTS w');
    await sql(m.node, 'CREATE TABLE IF NOT EXISTS w.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(2000))');
    const until = Date.now() + 2500;
    while (Date.now() < until) await sql(m.node, `INSERT INTO w.t (v) VALUES (REPEAT('x', 2000))`);
    await waitFor('a write rate', async () => Number(await get(m, 'galeraWriteRateShort')) > 1000, 10000, 100);
    const win = Number(await get(m, 'galeraWindowShort'));
    assert.ok(win > 0 && win < 1000000, `window ${win} s`);
    for (const x of members)
      await waitFor(
        `${x.node.name} window alarm`,
        () => trapsOf('galeraWindowLowAlarm', x.node.name).length >= 1,
        10000,
      );
    // No writes for longer than the short span: the rate falls to 0 and the window is unbounded.
    for (const x of members)
      await waitFor(
        `${x.node.name} window recovered`,
        () => trapsOf('galeraWindowRecovered', x.node.name).length >= 1,
        20000,
      );
    assert.equal(await get(m, 'galeraWindowShort'), '4294967295');
  });

  it('sends local-state notifications both ways on SET GLOBAL wsrep_desync', async () => {
    const m = members[1];
    await sql(m.node, 'SET GLOBAL wsrep_desync = ON');
    await waitFor('donor/desynced', async () => (await get(m, 'galeraLocalState')) === 'donorDesynced', 10000, 100);
    await waitFor('the trap', () => trapsOf('galeraLocalStateChanged', m.node.name).length >= 1, 5000);
    assert.equal(
      (await runService('Galera local state', m.master.port)).state,
      'WARNING',
      'Nagios: a Donor/Desynced node warns',
    );
    await sql(m.node, 'SET GLOBAL wsrep_desync = OFF');
    await waitFor('the trap back', () => trapsOf('galeraLocalStateChanged', m.node.name).length >= 2, 10000);
    const [down, up] = trapsOf('galeraLocalStateChanged', m.node.name);
    assert.equal(down.varbinds.get(oid('galeraLocalState')), '2');
    assert.equal(down.varbinds.get(oid('galeraPrevLocalState')), '4');
    assert.equal(up.varbinds.get(oid('galeraLocalState')), '4');
    assert.equal(up.varbinds.get(oid('galeraPrevLocalState')), '2');
  });

  it('keeps answering from the snapshot while the server is frozen, and says so (MySQL lost / regained)', async () => {
    const m = members[2];
    process.kill(m.node.child!.pid!, 'SIGSTOP');
    try {
      await waitFor('unreachable', async () => (await get(m, 'galeraWsrepReachable')) === 'false', 10000, 100);
      assert.equal(await get(m, 'galeraClusterSize'), '3', 'the last values are still served');
      assert.ok(Number(await get(m, 'galeraWsrepDataAge')) >= 1000);
      await waitFor('MySQL lost', () => trapsOf('galeraMysqlLost', m.node.name).length >= 1, 10000);
      assert.equal(
        fs.readFileSync(m.track, 'utf8'),
        '-50\n',
        'keepalived weight drops when the agent loses the server',
      );
    } finally {
      process.kill(m.node.child!.pid!, 'SIGCONT');
    }
    await waitFor('MySQL regained', () => trapsOf('galeraMysqlRegained', m.node.name).length >= 1, 15000);
    await waitFor('reachable', async () => (await get(m, 'galeraWsrepReachable')) === 'true', 10000, 100);
  });

  it("tells the survivors' NMS that the size dropped when a node is killed", async () => {
    // The frozen node may have been evicted and readmitted meanwhile: start from a settled 3.
    for (const m of members)
      await waitFor(
        `${m.node.name} back at size 3`,
        async () => (await get(m, 'galeraClusterSize')) === '3',
        30000,
        100,
      );
    await sleep(300);
    const seen = new Map(members.map((m) => [m.node.name, trapsOf('galeraClusterSizeChanged', m.node.name).length]));
    await stopServer(members[2].node, 'SIGKILL');
    const fresh = (m: Member): Trap[] => trapsOf('galeraClusterSizeChanged', m.node.name).slice(seen.get(m.node.name));
    for (const m of members.slice(0, 2)) {
      await waitFor(`${m.node.name} size 2`, async () => (await get(m, 'galeraClusterSize')) === '2', 20000, 100);
      await waitFor(
        `${m.node.name} size trap`,
        () => fresh(m).some((t) => t.varbinds.get(oid('galeraClusterSize')) === '2'),
        5000,
      );
      // The first change after the kill starts from 3. (On a loaded machine a survivor may pass
      // through a component of 1 before re-forming with the other: 3 -> 1 -> 2, each reported.)
      assert.equal(fresh(m)[0].varbinds.get(oid('galeraPrevClusterSize')), '3');
      assert.equal(
        (await runService('Galera cluster size', m.master.port)).state,
        'WARNING',
        'Nagios: one node short warns',
      );
    }
    await waitFor(
      'status stopped on the killed node',
      async () => (await get(members[2], 'galeraStatus')) === 'stopped',
      5000,
      100,
    );
    // The killed node keeps the component it was in (Galera only rewrites the file in a new
    // primary component). Whether the survivors form one of 2 is Galera's call on a loaded
    // machine (a survivor may see both peers go at once and stay non-Primary); what the agent owes
    // is to serve what each node's gvwstate.dat says.
    assert.equal(await get(members[2], 'galeraSavedPcMembers'), '3');
    for (const m of members.slice(0, 2)) {
      const onDisk = (): string =>
        String((fs.readFileSync(path.join(m.node.datadir, 'gvwstate.dat'), 'utf8').match(/^member:/gm) ?? []).length);
      await waitFor(
        `${m.node.name} serves its saved component`,
        async () => (await get(m, 'galeraSavedPcMembers')) === onDisk(),
        5000,
        100,
      );
    }
  });

  it('MySQL lost ends silently when the server stops: a status change, never "regained"', async () => {
    // Frozen (MySQL lost), then killed while frozen: the loss ends because the server is gone, which
    // galeraStatusChanged tells; a galeraMysqlRegained would say the opposite of what happened.
    const m = members[1];
    const statusSeen = trapsOf('galeraStatusChanged', m.node.name).length;
    const lostSeen = trapsOf('galeraMysqlLost', m.node.name).length;
    const regainedSeen = trapsOf('galeraMysqlRegained', m.node.name).length;
    process.kill(m.node.child!.pid!, 'SIGSTOP');
    await waitFor('MySQL lost', () => trapsOf('galeraMysqlLost', m.node.name).length > lostSeen, 15000);
    await stopServer(m.node, 'SIGKILL');
    await waitFor(
      'the stop told by galeraStatusChanged',
      () =>
        trapsOf('galeraStatusChanged', m.node.name)
          .slice(statusSeen)
          .some((t) => t.varbinds.get(oid('galeraStatus')) === String(mib.enumValue('galeraStatus', 'stopped'))),
      10000,
    );
    // The watch ended with the snapshot that sent the status change; a regained would have been
    // held 50 ms at most. Wait well past that before saying it never came.
    await sleep(1000);
    assert.equal(
      trapsOf('galeraMysqlRegained', m.node.name).length,
      regainedSeen,
      'no galeraMysqlRegained after the server stopped',
    );
  });

  it('pages when the last node loses quorum: Primary -> non-Primary, and writes the keepalived track file unhealthy', async () => {
    await stopServer(members[1].node, 'SIGKILL'); // already stopped by the test before, when run in order
    const m = members[0];
    await waitFor('non-Primary', async () => (await get(m, 'galeraClusterStatus')) === 'nonPrimary', 30000, 100);
    await waitFor(
      'the non-Primary trap',
      () =>
        trapsOf('galeraClusterStatusChanged', m.node.name).some(
          (t) => t.varbinds.get(oid('galeraClusterStatus')) === '2',
        ),
      5000,
    );
    const t = trapsOf('galeraClusterStatusChanged', m.node.name).find(
      (x) => x.varbinds.get(oid('galeraClusterStatus')) === '2',
    )!;
    assert.equal(t.varbinds.get(oid('galeraPrevClusterStatus')), '1');
    assert.equal(await get(m, 'galeraClusterConfId'), '-1');
    assert.equal(
      (await runService('Galera cluster Primary', m.master.port)).state,
      'CRITICAL',
      'Nagios: non-Primary pages',
    );
    await waitFor(
      'Nagios: a lone node is critical',
      async () => (await runService('Galera cluster size', m.master.port)).state === 'CRITICAL',
      10000,
      200,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message} (galeraClusterSize ${await get(m, 'galeraClusterSize')})`);
    });
    await waitFor('track file unhealthy', () => fs.readFileSync(m.track, 'utf8') === '-50\n', 5000);
    await stopAgent(m.agent);
    assert.equal(fs.readFileSync(m.track, 'utf8'), '-50\n', 'left unhealthy on stop');
  });
});
