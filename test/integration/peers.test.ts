// galera-init's peer client against a real snmpd + agent: SNMPv2c and SNMPv3 authPriv, and wrong
// credentials, which must make a peer unknown (never stopped).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startAgent, stopAgent, AgentProc } from '../helpers/agent';
import { cleanupAll, SLACK, tempDir, waitFor } from '../helpers/proc';
import { Snmpd, snmpgetOne, startSnmpd } from '../helpers/snmp';
import { askPeer, PeerTarget } from '../../src/snmp/peers';
import { loadMib } from '../../src/snmp/mib';
import { detectLatencyMs, loadConfig } from '../../src/config';

const mib = loadMib();

describe('asking a peer agent over SNMP', function () {
  this.timeout(60000 * SLACK);
  let master: Snmpd;
  let agent: AgentProc;
  const base = (over: Partial<PeerTarget>): PeerTarget => ({
    id: 'p',
    host: '127.0.0.1',
    port: master.port,
    version: '2c',
    community: 'public',
    timeoutMs: 500,
    retries: 0,
    ...over,
  });

  before(async () => {
    process.env.SNMPV3_USER = 'nms';
    process.env.SNMPV3_AUTH = 'auth-pass-123';
    process.env.SNMPV3_PRIV = 'priv-pass-456';
    try {
      master = await startSnmpd();
    } finally {
      delete process.env.SNMPV3_USER;
      delete process.env.SNMPV3_AUTH;
      delete process.env.SNMPV3_PRIV;
    }
    const datadir = path.join(tempDir('gx-peer-'), 'data');
    fs.mkdirSync(datadir);
    fs.writeFileSync(
      path.join(datadir, 'grastate.dat'),
      'uuid: 84e32a09-e6d7-11f1-92ef-87e236721ec1\nseqno: 4242\nsafe_to_bootstrap: 1\n',
    );
    agent = startAgent({ master: master.socket, datadir });
    await waitFor(
      'registration',
      async () => (await snmpgetOne(master.port, 'GALERA-MIB::galeraSeqno.0')) === '4242',
      15000,
      100,
    );
  });
  after(async () => {
    await stopAgent(agent);
    await cleanupAll();
  });

  it('reads status, seqno, uuid, safe_to_bootstrap and the newer objects over SNMPv2c', async () => {
    const f = await askPeer(mib, base({}));
    assert.ok(f.instance && /^[0-9a-f-]{36}$/.test(f.instance), `instance ${f.instance}`);
    assert.deepEqual(
      { ...f, instance: 'x' },
      {
        id: 'p',
        name: 'test-node',
        instance: 'x',
        self: false,
        answered: true,
        status: 'stopped',
        seqno: 4242n,
        uuid: '84e32a09-e6d7-11f1-92ef-87e236721ec1',
        safeToBootstrap: true,
        seqnoSource: 'grastate',
        clusterStatus: 'unknown',
        lockPid: 0,
        serverPid: 0,
        // What the agent publishes for its config (defaults here): 2 × processes.backstopMs + 400.
        detectMs: detectLatencyMs(loadConfig(agent.configFile)),
        // Its datadir holds no schema with a table; no galera-init has run there.
        userData: false,
        userSchemas: undefined,
        initDecision: 'none',
        role: 'data',
      },
    );
  });

  it('reads them over SNMPv3 authPriv (SHA/AES)', async () => {
    const f = await askPeer(
      mib,
      base({
        version: '3',
        user: 'nms',
        authProtocol: 'sha',
        authKey: 'auth-pass-123',
        privProtocol: 'aes',
        privKey: 'priv-pass-456',
      }),
    );
    assert.equal(f.answered, true, f.error);
    assert.equal(f.seqno, 4242n);
  });

  it('makes a wrong community or key an unknown peer with the reason, never stopped', async () => {
    for (const t of [
      base({ community: 'wrong' }),
      base({ version: '3', user: 'nms', authKey: 'wrong-pass-000', privKey: 'priv-pass-456' }),
      base({ port: 9 }),
    ]) {
      const f = await askPeer(mib, t);
      assert.equal(f.answered, false);
      assert.equal(f.status, undefined);
      assert.ok(f.error && f.error.length > 0);
    }
  });
});
