// galeraStatusChanged as a real snmptrapd receives it (snmpd forwards the agent's AgentX Notify),
// and what happens to a notification while the AgentX session is down: it is not queued.
// No MariaDB: the lock file alone moves the status (stopped <-> locked).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentProc, startAgent, stopAgent } from '../helpers/agent';
import { cleanupAll, SLACK, start, stopChild, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd, stopSnmpd } from '../helpers/snmp';
import { Trap, Trapd, startTrapd, stopTrapd } from '../helpers/traps';
import { loadMib } from '../../src/snmp/mib';

const mib = loadMib();
const oid = (name: string): string => `${mib.object(name).oid.join('.')}.0`;
const STATUS = { locked: '4', stopped: '5' };

describe('notifications through a real snmpd to a real snmptrapd', function () {
  this.timeout(60000 * SLACK);
  let trapd: Trapd;
  let master: Snmpd;
  let agent: AgentProc;
  let lock: string;
  const statusTraps = (): Trap[] =>
    trapd.traps().filter((t) => t.trapOid === mib.notifications.get('galeraStatusChanged')!.oid.join('.'));

  before(async () => {
    trapd = await startTrapd();
    master = await startSnmpd({ trapPort: trapd.port });
    const dir = tempDir('gx-traps-');
    const datadir = path.join(dir, 'data');
    fs.mkdirSync(datadir);
    lock = path.join(dir, 'galera-init.lock');
    agent = startAgent({ master: master.socket, datadir, lockFile: lock, nodeName: 'trapnode' });
    await waitFor(
      'registration',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'stopped',
      15000,
      100,
    );
  });
  after(async () => {
    await stopAgent(agent);
    await stopTrapd(trapd);
    await cleanupAll();
  });

  it('galeraStatusChanged: the new status, the previous one and the node name, both ways', async () => {
    const owner = start('sleep', ['600']);
    try {
      fs.writeFileSync(lock, `${owner.pid}\npurpose=galera-init\n`);
      await waitFor('the locked trap', () => statusTraps().length >= 1, 10000, 100);
      fs.rmSync(lock);
      await waitFor('the stopped trap', () => statusTraps().length >= 2, 10000, 100);
    } finally {
      await stopChild(owner);
    }
    const [to, back] = statusTraps();
    assert.deepEqual(
      [to.varbinds.get(oid('galeraStatus')), to.varbinds.get(oid('galeraPrevStatus'))],
      [STATUS.locked, STATUS.stopped],
      to.line,
    );
    assert.deepEqual(
      [back.varbinds.get(oid('galeraStatus')), back.varbinds.get(oid('galeraPrevStatus'))],
      [STATUS.stopped, STATUS.locked],
      back.line,
    );
    assert.equal(to.varbinds.get(oid('galeraNodeName')), 'trapnode');
  });

  it('a change while the session is down is not queued: the next change after re-registration is sent', async () => {
    const before = statusTraps().length;
    const owner = start('sleep', ['600']);
    try {
      await stopSnmpd(master, 'SIGKILL');
      await waitFor('the agent to lose the master', () => /lost the AgentX master/.test(agent.log()), 10000, 50);
      const sent = (agent.log().match(/"notification":"galeraStatusChanged"/g) ?? []).length;
      fs.writeFileSync(lock, `${owner.pid}\npurpose=galera-init\n`);
      await waitFor(
        'the agent to try to send it',
        () => (agent.log().match(/"notification":"galeraStatusChanged"/g) ?? []).length > sent,
        10000,
        50,
      );
      master = await startSnmpd({ dir: master.dir, port: master.port, trapPort: trapd.port });
      await waitFor(
        'registered again, locked',
        async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraStatus.0')) === 'locked',
        15000,
        100,
      );
      // Not replayed: the next trap to arrive is the next change (locked -> stopped), not the one
      // made during the outage (stopped -> locked).
      fs.rmSync(lock);
      await waitFor('the next change, sent', () => statusTraps().length >= before + 1, 10000, 100);
      assert.equal(statusTraps().length, before + 1, 'the change made during the outage is not replayed');
      const t = statusTraps()[before];
      assert.deepEqual(
        [t.varbinds.get(oid('galeraStatus')), t.varbinds.get(oid('galeraPrevStatus'))],
        [STATUS.stopped, STATUS.locked],
        t.line,
      );
    } finally {
      await stopChild(owner);
    }
  });
});
