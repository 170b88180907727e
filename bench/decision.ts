// Decision time of galera-init's ask-everyone round for 3, 9 and 25 peers, with simulated agents
// (net-snmp's own SNMP agent serving the five objects) and with silent peers. It must be about one
// round trip (or one timeout), not one per peer: the peers are asked in parallel.

import * as dgram from 'node:dgram';
import * as snmp from 'net-snmp';
import { loadMib } from '../src/snmp/mib';
import { PeerTarget, askPeers } from '../src/snmp/peers';
import { decide } from '../src/core/decide';

const mib = loadMib();

async function simulatedAgent(seqno: number): Promise<{ port: number; close: () => void }> {
  const port = await new Promise<number>((r) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
  const agent = snmp.createAgent(
    {
      port,
      address: '127.0.0.1',
      disableAuthorization: true,
      accessControlModelType: snmp.AccessControlModelType.None,
    },
    () => undefined,
  );
  const m = agent.getMib();
  const scalars: [string, number, unknown][] = [
    ['galeraStatus', snmp.ObjectType.Integer, 5],
    ['galeraSeqno', snmp.ObjectType.OctetString, String(seqno)],
    ['galeraStateUuid', snmp.ObjectType.OctetString, '84e32a09-e6d7-11f1-92ef-87e236721ec1'],
    ['galeraSafeToBootstrap', snmp.ObjectType.Integer, 2],
    ['galeraNodeName', snmp.ObjectType.OctetString, `sim${seqno}`],
  ];
  for (const [name, type, value] of scalars) {
    m.registerProvider({
      name,
      type: snmp.MibProviderType.Scalar,
      oid: mib.object(name).oid.join('.'),
      scalarType: type,
      maxAccess: snmp.MaxAccess['read-only'],
    });
    m.setScalarValue(name, value);
  }
  return { port, close: () => agent.close() };
}

export async function decisionBench(out: NodeJS.WritableStream): Promise<void> {
  const TIMEOUT = 1000;
  const target = (port: number, i: number): PeerTarget => ({
    id: `127.0.0.1:${port}#${i}`,
    host: '127.0.0.1',
    port,
    version: '2c',
    community: 'public',
    timeoutMs: TIMEOUT,
    retries: 0,
  });
  out.write(
    `\n| peers | answering: decision ms | silent: decision ms | yardstick: one SNMP timeout |\n|---:|---:|---:|---:|\n`,
  );
  for (const n of [3, 9, 25]) {
    const agents = await Promise.all(Array.from({ length: n }, (_, i) => simulatedAgent(100 + i)));
    const self = {
      id: 'self',
      self: true,
      answered: true,
      status: 'locked' as const,
      seqno: 1n,
      uuid: '84e32a09-e6d7-11f1-92ef-87e236721ec1',
      safeToBootstrap: false,
    };
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      const answers = await askPeers(
        mib,
        agents.map((a, i) => target(a.port, i)),
      );
      const d = decide([self, ...answers], { force: false, quorumAfterMs: 0 });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (answers.some((a) => !a.answered) || d.action !== 'wait') throw new Error(`simulated peers: ${d.reason}`);
    }
    agents.forEach((a) => a.close());
    // Silent peers: ports where nothing answers.
    const silent = Array.from({ length: n }, (_, i) => target(9, i));
    const t0 = process.hrtime.bigint();
    const answers = await askPeers(mib, silent);
    const silentMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (answers.some((a) => a.answered)) throw new Error('a silent peer answered');
    times.sort((a, b) => a - b);
    out.write(`| ${n} | ${times[2].toFixed(1)} (median of 5) | ${silentMs.toFixed(0)} | ${TIMEOUT} |\n`);
  }
}

if (require.main === module) void decisionBench(process.stdout);
