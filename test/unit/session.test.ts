// The AgentX session against a scripted master on a unix socket: the defects of net-snmp's
// Subagent that this session exists to fix, one test each.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentxSession, parseMasterAddress } from '../../src/snmp/agentx/session';
import { HEADER_SIZE, Pdu, PduType, ValueType, decodePdu, encodePdu, payloadLength } from '../../src/snmp/agentx/pdu';
import { makeView } from '../../src/snmp/view';
import { silentLogger } from '../../src/log';

const ROOT = [1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 3306];
const view = makeView([[...ROOT, 1]], [{ oid: [...ROOT, 1, 0], value: { type: ValueType.OctetString, value: 'x' } }]);

interface FakeMaster { server: net.Server; received: Pdu[]; conns: net.Socket[]; answerRegister: boolean; path: string }

async function fakeMaster(dir: string, answerRegister = true): Promise<FakeMaster> {
  const m: FakeMaster = { server: net.createServer(), received: [], conns: [], answerRegister, path: path.join(dir, 'master.sock') };
  m.server.on('connection', (sock) => {
    m.conns.push(sock);
    let buf = Buffer.alloc(0);
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= HEADER_SIZE && buf.length >= HEADER_SIZE + payloadLength(buf)) {
        const pdu = decodePdu(buf.subarray(0, HEADER_SIZE + payloadLength(buf)));
        buf = buf.subarray(HEADER_SIZE + payloadLength(buf));
        m.received.push(pdu);
        const reply = (sessionId: number): void => {
          sock.write(encodePdu({ type: PduType.Response, flags: 0, sessionId, transactionId: pdu.transactionId, packetId: pdu.packetId, sysUpTime: 0, error: 0, index: 0, varbinds: [] }));
        };
        if (pdu.type === PduType.Open) reply(m.conns.length);
        else if (pdu.type === PduType.Register && m.answerRegister) reply(pdu.sessionId);
        else if (pdu.type === PduType.Ping || pdu.type === PduType.Close) reply(pdu.sessionId);
      }
    });
  });
  await new Promise<void>((r) => m.server.listen(m.path, r));
  return m;
}

const get = (packetId: number): Buffer => encodePdu({ type: PduType.Get, flags: 0, sessionId: 1, transactionId: packetId, packetId, ranges: [{ start: [...ROOT, 1, 0], include: false, end: [] }] });

async function until(what: string, fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AgentX session', () => {
  let dir: string;
  let session: AgentxSession;
  let master: FakeMaster;
  const make = (m: FakeMaster, over: Partial<ConstructorParameters<typeof AgentxSession>[0]> = {}): AgentxSession =>
    new AgentxSession({ master: m.path, id: ROOT, descr: 't', subtrees: [ROOT, [...ROOT, 99]], adminTimeoutMs: 200, pingIntervalMs: 60000,
      reconnectMinMs: 20, reconnectMaxMs: 100, log: silentLogger(), view: () => view, ...over });

  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-sess-')); });
  afterEach(async () => {
    await session?.stop();
    master?.conns.forEach((c) => c.destroy());
    await new Promise((r) => master?.server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers every subtree, and answers every PDU of a read that holds several (defect 1)', async () => {
    master = await fakeMaster(dir);
    session = make(master);
    session.start();
    await until('registration', () => session.state === 'registered');
    assert.equal(master.received.filter((p) => p.type === PduType.Register).length, 2, 'both register callbacks fire');
    const sock = master.conns[0];
    const responses: Pdu[] = [];
    let buf = Buffer.alloc(0);
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= HEADER_SIZE && buf.length >= HEADER_SIZE + payloadLength(buf)) {
        responses.push(decodePdu(buf.subarray(0, HEADER_SIZE + payloadLength(buf))));
        buf = buf.subarray(HEADER_SIZE + payloadLength(buf));
      }
    });
    sock.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => get(1000 + i))));
    const split = get(2000);
    sock.write(split.subarray(0, 13));
    await new Promise((r) => setTimeout(r, 20));
    sock.write(split.subarray(13));
    await until('51 responses', () => responses.length === 51);
    assert.deepEqual(responses.map((r) => r.packetId), [...Array.from({ length: 50 }, (_, i) => 1000 + i), 2000]);
  });

  it('reconnects and re-registers after the master goes away (defect 2)', async () => {
    master = await fakeMaster(dir);
    session = make(master);
    let registered = 0;
    session.on('registered', () => registered++);
    session.start();
    await until('first registration', () => registered === 1);
    master.conns[0].destroy();
    await until('second registration', () => registered === 2);
    assert.equal(master.received.filter((p) => p.type === PduType.Register).length, 4);
  });

  it('times out a Register that is never answered and tries again, without crashing (defect 3)', async () => {
    master = await fakeMaster(dir, false);
    session = make(master);
    session.start();
    await until('three connections', () => master.conns.length >= 3);
    assert.notEqual(session.state, 'registered');
  });

  it('survives a master that is not there (ECONNREFUSED/ENOENT), then finds it (defect 3)', async () => {
    const p = path.join(dir, 'master.sock');
    session = new AgentxSession({ master: p, id: ROOT, descr: 't', subtrees: [ROOT], adminTimeoutMs: 200, pingIntervalMs: 60000,
      reconnectMinMs: 20, reconnectMaxMs: 50, log: silentLogger(), view: () => view });
    session.start();
    await new Promise((r) => setTimeout(r, 200));
    master = await fakeMaster(dir);
    await until('registration', () => session.state === 'registered');
  });

  it('refuses a SET at TestSet with notWritable', async () => {
    master = await fakeMaster(dir);
    session = make(master);
    session.start();
    await until('registration', () => session.state === 'registered');
    const got = new Promise<Pdu>((resolve) => master.conns[0].once('data', (c) => resolve(decodePdu(c))));
    master.conns[0].write(encodePdu({ type: PduType.TestSet, flags: 0, sessionId: 1, transactionId: 5, packetId: 5, varbinds: [{ oid: [...ROOT, 1, 0], value: { type: ValueType.Integer, value: 1 } }] }));
    const r = await got as unknown as { error: number; index: number };
    assert.equal(r.error, 17);
    assert.equal(r.index, 1);
  });

  it('says Close(shutdown) on stop', async () => {
    master = await fakeMaster(dir);
    session = make(master);
    session.start();
    await until('registration', () => session.state === 'registered');
    await session.stop();
    await until('Close', () => master.received.some((p) => p.type === PduType.Close));
    assert.equal(session.state, 'stopped');
  });

  it('parses unix paths and tcp:HOST:PORT (defect 5)', () => {
    assert.deepEqual(parseMasterAddress('/var/agentx/master'), { path: '/var/agentx/master' });
    assert.deepEqual(parseMasterAddress('unix:/x/y'), { path: '/x/y' });
    assert.deepEqual(parseMasterAddress('tcp:127.0.0.1:705'), { host: '127.0.0.1', port: 705 });
    assert.deepEqual(parseMasterAddress('tcp:[::1]:705'), { host: '::1', port: 705 });
  });
});
