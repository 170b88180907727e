// galeraAgentDataAge and galeraSourceAge through a real snmpd, as an NMS reads them: they stay
// under 2 s on an idle node (stopped or running, MySQL polling off or on), because a live watch
// or the backstop keeps confirming the facts; only a source that really fails grows old (a
// mysqld frozen with SIGSTOP). The Nagios, Icinga, Zabbix and Prometheus thresholds rest on this.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as snmp from 'net-snmp';
import { AgentProc, NO_LOCAL_PROCESSES, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, SLACK, sleep, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, startSnmpd, stopSnmpd } from '../helpers/snmp';
import { GaleraNode, createAgentUser, createNode, startServer, stopServer, waitSynced } from '../helpers/galera';
import { loadMib } from '../../src/snmp/mib';

const mib = loadMib();
/** galeraSourceIndex of each source (src/sources/index.ts). */
const ROW = { processes: 1, lock: 2, grastate: 3, mysql: 4, recovery: 5, gvwstate: 6 };

/** The ages as an NMS reads them: galeraAgentDataAge.0 and galeraSourceAge.1..6, in one GET. */
function ages(port: number): Promise<{ data: number; source: number[] }> {
  const oids = [
    `${mib.object('galeraAgentDataAge').oid.join('.')}.0`,
    ...Object.values(ROW).map((i) => `${mib.object('galeraSourceAge').oid.join('.')}.${i}`),
  ];
  return new Promise((resolve, reject) => {
    const s = snmp.createSession('127.0.0.1', 'public', { port, version: 1, timeout: 2000, retries: 1 });
    s.get(oids, (err: Error | null, vbs: { value: unknown }[]) => {
      s.close();
      if (err) reject(err);
      else resolve({ data: Number(vbs[0].value), source: vbs.slice(1).map((v) => Number(v.value)) });
    });
  });
}

const stateOf = async (port: number, row: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = snmp.createSession('127.0.0.1', 'public', { port, version: 1, timeout: 2000, retries: 1 });
    s.get(
      [`${mib.object('galeraSourceState').oid.join('.')}.${row}`],
      (err: Error | null, vbs: { value: unknown }[]) => {
        s.close();
        if (err) reject(err);
        else resolve(Number(vbs[0].value));
      },
    );
  });

/** Samples the ages for `ms`; returns the largest galeraAgentDataAge and per-row source ages seen. */
async function worstOver(port: number, ms: number, rows: number[]): Promise<{ data: number; source: number }> {
  let data = 0;
  let source = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const a = await ages(port);
    data = Math.max(data, a.data);
    for (const r of rows) source = Math.max(source, a.source[r - 1]);
    await sleep(250);
  }
  return { data, source };
}

describe('data age that means what it says', function () {
  this.timeout(180000 * SLACK);
  let master: Snmpd | null = null;
  let agent: AgentProc | null = null;

  afterEach(async () => {
    if (agent) await stopAgent(agent);
    if (master) await stopSnmpd(master);
    agent = null;
    master = null;
  });
  after(cleanupAll);

  it('an idle stopped node with MySQL polling off keeps every age <= 2 s for a minute', async () => {
    master = await startSnmpd();
    const work = tempDir('gx-age-');
    const datadir = path.join(work, 'data');
    fs.mkdirSync(datadir);
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      '# GALERA saved state\nversion: 2.1\nuuid:    84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno:   42\nsafe_to_bootstrap: 0\n',
    );
    agent = startAgent({
      master: master.socket,
      datadir,
      lockFile: path.join(work, 'galera-init.lock'),
      extra: { ...NO_LOCAL_PROCESSES, mysql: { enabled: false }, log: { level: 'info' } },
    });
    const port = master.port;
    await waitFor('registration', async () => (await ages(port)).data < 2000, 15000, 100);
    // Every row but mysql (idle: polling off) and recovery (idle: nothing to recover).
    const worst = await worstOver(port, 60_000, [ROW.processes, ROW.lock, ROW.grastate, ROW.gvwstate]);
    assert.ok(worst.data <= 2000, `galeraAgentDataAge reached ${worst.data} ms in a minute of idle`);
    assert.ok(worst.source <= 2000, `a galeraSourceAge reached ${worst.source} ms in a minute of idle`);
  });

  it('a running idle node stays <= 2 s with polling on; a SIGSTOPped mysqld makes the mysql age grow', async function () {
    let node: GaleraNode;
    try {
      node = await createNode('age');
    } catch (err) {
      console.log(`      skipped: MariaDB with Galera cannot start here (${(err as Error).message.split('\n')[0]})`);
      this.skip();
    }
    master = await startSnmpd();
    const port = master.port;
    const child = startServer(node, { bootstrap: true });
    try {
      await waitSynced(node, 60000);
      const optionFile = path.join(node.dir, 'agent.cnf');
      await createAgentUser(node, 'agentx', 'age-pw-3f9a', optionFile);
      agent = startAgent({
        master: master.socket,
        datadir: node.datadir,
        optionFile,
        extra: { mysql: { enabled: true, optionFile, refreshIntervalMs: 1000, queryTimeoutMs: 1000 } },
      });
      await waitFor('mysql answering', async () => (await stateOf(port, ROW.mysql)) === 1, 30000, 200);
      const running = await worstOver(port, 15_000, [ROW.processes, ROW.lock, ROW.grastate, ROW.mysql]);
      assert.ok(running.data <= 2000, `galeraAgentDataAge reached ${running.data} ms on a running idle node`);
      assert.ok(running.source <= 2000, `a galeraSourceAge reached ${running.source} ms on a running idle node`);
      // Frozen: it holds its socket and answers nothing. The mysql row grows, the others do not.
      process.kill(child.pid!, 'SIGSTOP');
      try {
        await waitFor(
          'the mysql age past 5 s',
          async () => (await ages(port)).source[ROW.mysql - 1] > 5000,
          30000,
          250,
        );
        const a = await ages(port);
        assert.ok(a.data > 5000, `galeraAgentDataAge follows the oldest source: ${a.data} ms`);
        assert.ok(a.source[ROW.processes - 1] <= 2000, `the process table is still confirmed: ${a.source[0]} ms`);
        assert.equal(await stateOf(port, ROW.mysql), 2, 'the mysql row is failing');
      } finally {
        process.kill(child.pid!, 'SIGCONT');
      }
      await waitFor('fresh again', async () => (await ages(port)).data <= 2000, 30000, 250);
    } finally {
      await stopServer(node, 'SIGKILL');
    }
  });
});
