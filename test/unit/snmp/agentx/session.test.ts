// The AgentX session against a scripted master on a unix socket: the defects of net-snmp's
// Subagent that this session exists to fix, one test each.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentxSession, parseMasterAddress } from '../../../../src/snmp/agentx/session';
import {
  HEADER_SIZE,
  Pdu,
  PduType,
  ValueType,
  decodePdu,
  encodePdu,
  payloadLength,
} from '../../../../src/snmp/agentx/pdu';
import { makeView } from '../../../../src/snmp/view';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../../../../src/log';

const ROOT = [1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 3306];
const view = makeView([[...ROOT, 1]], [{ oid: [...ROOT, 1, 0], value: { type: ValueType.OctetString, value: 'x' } }]);

interface FakeMaster {
  server: net.Server;
  received: Pdu[];
  conns: net.Socket[];
  answerRegister: boolean;
  path: string;
  /** false: pings go unanswered (a hung snmpd); a number: the error the master answers them with. */
  answerPing: boolean | number;
  registerError: number;
  connectedAt: number[];
}

async function fakeMaster(dir: string, answerRegister = true): Promise<FakeMaster> {
  const m: FakeMaster = {
    server: net.createServer(),
    received: [],
    conns: [],
    answerRegister,
    path: path.join(dir, 'master.sock'),
    answerPing: true,
    registerError: 0,
    connectedAt: [],
  };
  m.server.on('connection', (sock) => {
    m.conns.push(sock);
    m.connectedAt.push(Date.now());
    let buf = Buffer.alloc(0);
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= HEADER_SIZE && buf.length >= HEADER_SIZE + payloadLength(buf)) {
        const pdu = decodePdu(buf.subarray(0, HEADER_SIZE + payloadLength(buf)));
        buf = buf.subarray(HEADER_SIZE + payloadLength(buf));
        m.received.push(pdu);
        const reply = (sessionId: number, error = 0): void => {
          sock.write(
            encodePdu({
              type: PduType.Response,
              flags: 0,
              sessionId,
              transactionId: pdu.transactionId,
              packetId: pdu.packetId,
              sysUpTime: 0,
              error,
              index: 0,
              varbinds: [],
            }),
          );
        };
        if (pdu.type === PduType.Open) reply(m.conns.length);
        else if (pdu.type === PduType.Register && m.answerRegister) reply(pdu.sessionId, m.registerError);
        else if (pdu.type === PduType.Ping && m.answerPing !== false)
          reply(pdu.sessionId, m.answerPing === true ? 0 : m.answerPing);
        else if (pdu.type === PduType.Close) reply(pdu.sessionId);
      }
    });
  });
  await new Promise<void>((r) => m.server.listen(m.path, r));
  return m;
}

const get = (packetId: number): Buffer =>
  encodePdu({
    type: PduType.Get,
    flags: 0,
    sessionId: 1,
    transactionId: packetId,
    packetId,
    ranges: [{ start: [...ROOT, 1, 0], include: false, end: [] }],
  });

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
    new AgentxSession({
      master: m.path,
      id: ROOT,
      descr: 't',
      subtrees: [ROOT, [...ROOT, 99]],
      adminTimeoutMs: 200,
      pingIntervalMs: 60000,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      log: silentLogger(),
      view: () => view,
      ...over,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-sess-'));
  });
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
    assert.deepEqual(
      responses.map((r) => r.packetId),
      [...Array.from({ length: 50 }, (_, i) => 1000 + i), 2000],
    );
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

  // The session's log as lines, to see what it says and how often.
  const logged = (): { log: ReturnType<typeof createLogger>; lines: string[] } => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).trim().split('\n'));
        cb();
      },
    });
    return { log: createLogger('info', 'test', sink), lines };
  };

  it('times out a Register that is never answered after adminTimeoutMs, and tries again, without crashing (defect 3)', async () => {
    master = await fakeMaster(dir, false);
    const { log, lines } = logged();
    let registerAt = 0;
    let closedAt = 0;
    master.server.once('connection', (sock) => {
      sock.on('data', () => {
        if (!registerAt && master.received.some((p) => p.type === PduType.Register)) registerAt = Date.now();
      });
      sock.on('close', () => {
        closedAt = Date.now();
      });
    });
    session = make(master, { log });
    session.start();
    await until('three connections', () => master.conns.length >= 3);
    assert.notEqual(session.state, 'registered');
    // The first connection is dropped once the Register has waited its 200 ms, not before.
    assert.ok(
      registerAt > 0 && closedAt - registerAt >= 190 && closedAt - registerAt < 1500,
      `closed ${closedAt - registerAt} ms after the Register`,
    );
    assert.ok(
      lines.some((l) => l.includes('no answer from the AgentX master in 200 ms (PDU type 3)')),
      lines.join('\n'),
    );
  });

  it('a ping unanswered while registered (a hung snmpd): reconnects and registers again', async () => {
    master = await fakeMaster(dir);
    const { log, lines } = logged();
    session = make(master, { log, pingIntervalMs: 50 });
    let registered = 0;
    let disconnected = 0;
    session.on('registered', () => registered++);
    session.on('disconnected', () => disconnected++);
    session.start();
    await until('registration', () => registered === 1);
    await until('a ping answered', () => master.received.filter((p) => p.type === PduType.Ping).length >= 2);
    assert.equal(master.conns.length, 1, 'answered pings keep the session');
    master.answerPing = false;
    await until('disconnected', () => disconnected === 1);
    await until('registered again', () => registered === 2);
    assert.equal(master.conns.length, 2);
    assert.ok(
      lines.some(
        (l) =>
          l.includes('AgentX ping failed; reconnecting') &&
          l.includes('no answer from the AgentX master in 200 ms (PDU type 13)'),
      ),
      lines.join('\n'),
    );
  });

  it('a ping answered notOpen: reconnects', async () => {
    master = await fakeMaster(dir);
    master.answerPing = 257; // notOpen
    session = make(master, { pingIntervalMs: 50 });
    let registered = 0;
    session.on('registered', () => registered++);
    session.start();
    await until('registered twice', () => registered >= 2);
    assert.ok(master.conns.length >= 2);
  });

  it('a Close from the master: reconnects and registers again', async () => {
    master = await fakeMaster(dir);
    const { log, lines } = logged();
    session = make(master, { log });
    let registered = 0;
    session.on('registered', () => registered++);
    session.start();
    await until('registration', () => registered === 1);
    master.conns[0].write(
      encodePdu({ type: PduType.Close, flags: 0, sessionId: 1, transactionId: 0, packetId: 77, reason: 6 }),
    );
    await until('registered again', () => registered === 2);
    assert.equal(master.conns.length, 2);
    assert.ok(
      lines.some((l) => l.includes('AgentX master closed the session; reconnecting') && l.includes('"reason":6')),
      lines.join('\n'),
    );
  });

  it('an oversized PDU: drops the connection, counts it, reconnects', async () => {
    master = await fakeMaster(dir);
    session = make(master, { maxPduBytes: 1000 });
    let registered = 0;
    session.on('registered', () => registered++);
    session.start();
    await until('registration', () => registered === 1);
    const h = Buffer.alloc(20);
    h[0] = 1;
    h[1] = PduType.Get;
    h[2] = 0x10;
    h.writeUInt32BE(5000, 16);
    master.conns[0].write(h);
    await until('registered again', () => registered === 2);
    assert.equal(session.stats.protocolErrors, 1);
    assert.equal(master.conns.length, 2);
  });

  it('a garbage PDU in a good frame: answers parseError for its packet and keeps the session', async () => {
    master = await fakeMaster(dir);
    session = make(master);
    session.start();
    await until('registration', () => session.state === 'registered');
    const responses: Pdu[] = [];
    let buf = Buffer.alloc(0);
    master.conns[0].on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= HEADER_SIZE && buf.length >= HEADER_SIZE + payloadLength(buf)) {
        responses.push(decodePdu(buf.subarray(0, HEADER_SIZE + payloadLength(buf))));
        buf = buf.subarray(HEADER_SIZE + payloadLength(buf));
      }
    });
    const garbage = get(3000);
    garbage[20] = 200; // an OID of 200 sub-identifiers: framed right, undecodable
    master.conns[0].write(Buffer.concat([garbage, get(3001)]));
    await until('two responses', () => responses.length === 2);
    const [bad, good] = responses as (Pdu & { error: number; varbinds: unknown[] })[];
    assert.deepEqual([bad.packetId, bad.error], [3000, 266]);
    assert.deepEqual([good.packetId, good.error, good.varbinds.length], [3001, 0, 1]);
    assert.equal(session.state, 'registered');
    assert.equal(master.conns.length, 1);
    assert.equal(session.stats.protocolErrors, 1);
  });

  it('a refused Register: says another agent serves it, never calls itself registered, retries', async () => {
    master = await fakeMaster(dir);
    master.registerError = 263; // duplicateRegistration
    const { log, lines } = logged();
    session = make(master, { log });
    let registered = 0;
    session.on('registered', () => registered++);
    session.start();
    await until('three connections', () => master.conns.length >= 3);
    assert.equal(registered, 0);
    assert.notEqual(session.state, 'registered');
    assert.ok(
      lines.some((l) =>
        l.includes(`master refused to register ${ROOT.join('.')} (error 263: another agent serves it)`),
      ),
      lines.join('\n'),
    );
  });

  it('backs off exponentially from reconnectMinMs and never waits longer than reconnectMaxMs', async () => {
    master = await fakeMaster(dir);
    master.server.on('connection', (sock) => sock.destroy()); // a master that drops every connection
    session = make(master, { reconnectMinMs: 20, reconnectMaxMs: 100 });
    session.start();
    await until('12 attempts', () => master.connectedAt.length >= 12, 5000);
    const gaps = master.connectedAt.slice(1).map((t, i) => t - master.connectedAt[i]);
    // 20, 40, 80 ms (each +-25 %), then the cap: 75-100 ms. Uncapped, the 6th would be 640 ms.
    // Connection latency on a loaded host adds to each gap, so: the first three grow from below
    // the cap, and no later one goes far past it.
    const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    assert.ok(median(gaps.slice(0, 3)) < median(gaps.slice(4)), `gaps ${gaps.join(',')}`);
    for (const g of gaps.slice(4)) assert.ok(g >= 70 && g < 300, `gaps ${gaps.join(',')}`);
  });

  it('survives a master that is not there (ECONNREFUSED/ENOENT), then finds it (defect 3)', async () => {
    const p = path.join(dir, 'master.sock');
    session = new AgentxSession({
      master: p,
      id: ROOT,
      descr: 't',
      subtrees: [ROOT],
      adminTimeoutMs: 200,
      pingIntervalMs: 60000,
      reconnectMinMs: 20,
      reconnectMaxMs: 50,
      log: silentLogger(),
      view: () => view,
    });
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
    master.conns[0].write(
      encodePdu({
        type: PduType.TestSet,
        flags: 0,
        sessionId: 1,
        transactionId: 5,
        packetId: 5,
        varbinds: [{ oid: [...ROOT, 1, 0], value: { type: ValueType.Integer, value: 1 } }],
      }),
    );
    const r = (await got) as unknown as { error: number; index: number };
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
