// A clean stop of a real MariaDB Galera node, as the NMS sees it: galeraStatusChanged to stopped,
// and no galeraMysqlLost on the way (the server resets the agent's connection, then refuses new
// ones until its process exits: that is it closing, not the agent losing it).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentProc, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, SLACK, sleep, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd } from '../helpers/snmp';
import { Trap, Trapd, startTrapd, stopTrapd } from '../helpers/traps';
import { GaleraNode, createNode, startServer, stopServer, waitSynced } from '../helpers/galera';
import { loadMib } from '../../src/snmp/mib';

const mib = loadMib();
const notif = (name: string): string => mib.notifications.get(name)!.oid.join('.');

describe('a clean stop of a real Galera node', function () {
  this.timeout(120000 * SLACK);
  let trapd: Trapd;
  let master: Snmpd;
  let node: GaleraNode;
  let agent: AgentProc;
  const trapsOf = (name: string): Trap[] => trapd.traps().filter((t) => t.trapOid === notif(name));

  before(async () => {
    trapd = await startTrapd();
    master = await startSnmpd({ trapPort: trapd.port });
    node = await createNode('cs1');
    const optionFile = path.join(tempDir('gx-cs-'), 'my.cnf');
    fs.writeFileSync(optionFile, `[client]\nuser=root\nsocket=${node.socket}\n`, { mode: 0o600 });
    agent = startAgent({
      master: master.socket,
      datadir: node.datadir,
      optionFile,
      nodeName: 'cs1',
      extra: { mysql: { optionFile, refreshIntervalMs: 100, queryTimeoutMs: 5000 } },
    });
    startServer(node, { bootstrap: true });
    await waitSynced(node);
    await waitFor(
      'running',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'running',
      20000,
      100,
    );
  });

  after(async () => {
    if (node) await stopServer(node, 'SIGKILL');
    if (agent) await stopAgent(agent);
    if (trapd) await stopTrapd(trapd);
    await cleanupAll();
  });

  it('sends galeraStatusChanged (stopped) and no galeraMysqlLost', async () => {
    // The agent must see the server closing (a query that fails while its process still runs) for
    // this to test anything; a stop can be quicker than a poll, so stop and start again until one
    // did (polls every 100 ms, the least the config takes).
    const failedQueries = (): number =>
      agent
        .log()
        .split('\n')
        .filter((l) => l.includes('MySQL status query failed')).length;
    for (let cycle = 1; ; cycle++) {
      const stoppedBefore = trapsOf('galeraStatusChanged').filter((t) => [...t.varbinds.values()].includes('5')).length;
      const failedBefore = failedQueries();
      await stopServer(node, 'SIGTERM');
      await waitFor(
        'the stopped trap',
        () =>
          trapsOf('galeraStatusChanged').filter((t) => [...t.varbinds.values()].includes('5')).length > stoppedBefore,
        20000,
        100,
      );
      await sleep(500); // a late trap would arrive within this
      const lost = trapsOf('galeraMysqlLost');
      assert.equal(
        lost.length,
        0,
        `spurious galeraMysqlLost: ${lost.map((t) => t.line).join('\n')}\nagent log:\n${agent
          .log()
          .split('\n')
          .filter((l) => /MySQL|notification/.test(l))
          .join('\n')}`,
      );
      if (failedQueries() > failedBefore) break;
      assert.ok(cycle < 5, `in 5 clean stops the agent never saw the server closing:\n${agent.log()}`);
      startServer(node, { bootstrap: true });
      await waitSynced(node);
      await waitFor(
        'running',
        async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'running',
        20000,
        50,
      );
    }
  });
});
