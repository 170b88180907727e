// An AgentX subagent session that survives the real world: a stream framed by the header's payload
// length (many PDUs in one read, one PDU over many reads), administrative PDUs with timeouts, a ping
// keepalive, reconnect with capped backoff that re-opens and re-registers everything, and a Close
// on stop. Requests are answered synchronously from a View: the master never waits on us.

import * as net from 'node:net';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  CloseReason,
  HEADER_SIZE,
  Oid,
  Pdu,
  PduError,
  PduType,
  ResError,
  VarBind,
  decodePdu,
  encodePdu,
  oidToString,
  payloadLength,
} from './pdu';
import { View, getBulk, getExact, getNext } from '../view';
import { errorText } from '../../errors';

export interface SessionOptions {
  /** A unix socket path, or tcp:HOST:PORT (Net-SNMP's agentxsocket syntax). */
  master: string;
  /** Identifies the subagent in the master's Open (we use the MIB root). */
  id: Oid;
  descr: string;
  /** Subtrees to register (each re-registered after every reconnect). */
  subtrees: Oid[];
  /** Timeout for Open/Register/Notify/Ping responses. */
  adminTimeoutMs: number;
  pingIntervalMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** The biggest PDU we accept; more means a broken peer, and we reconnect. */
  maxPduBytes?: number;
  log: Logger;
  view: () => View;
}

interface Pending {
  resolve: (pdu: Pdu & { type: PduType.Response }) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export type SessionState = 'connecting' | 'registered' | 'stopped';

export function parseMasterAddress(master: string): net.NetConnectOpts {
  const m = /^tcp:(.*):(\d+)$/.exec(master);
  if (m) return { host: m[1].replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(m[2]) };
  if (master.startsWith('unix:')) return { path: master.slice(5) };
  return { path: master };
}

/**
 * Events: 'registered' (after every successful open + registration), 'disconnected'.
 * Never emits 'error': failures are logged and retried.
 */
export class AgentxSession extends EventEmitter {
  private socket: net.Socket | null = null;
  private sessionId = 0;
  private packetId = 1;
  private pending = new Map<number, Pending>();
  private inbuf: Buffer = Buffer.alloc(0);
  private readonly readBuf = Buffer.alloc(64 * 1024);
  private pingTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopping = false;
  private lastConnectError = '';
  state: SessionState = 'connecting';
  /** Counters for the benchmark and the tests: what the session did. */
  readonly stats = { requests: 0, connects: 0, registrations: 0, protocolErrors: 0 };

  constructor(private readonly opts: SessionOptions) {
    super();
  }

  start(): void {
    this.stopping = false;
    this.connect();
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.stopping) return;
    this.state = 'connecting';
    // Reads land in one buffer of the session's (onread): no Buffer per read, no stream
    // machinery between the socket and the PDU decoder. Only a partial PDU is copied out.
    const sock: net.Socket = net.createConnection({
      ...parseMasterAddress(this.opts.master),
      onread: {
        buffer: this.readBuf,
        callback: (n: number, buf: Uint8Array) => {
          this.onData(sock, (buf as Buffer).subarray(0, n));
          return true;
        },
      },
    } as net.NetConnectOpts);
    this.socket = sock;
    this.inbuf = Buffer.alloc(0);
    sock.setNoDelay(true);
    sock.on('connect', () => {
      void this.handshake(sock);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      // Log a refused connection once per outage, not every retry.
      const msg = `${err.code ?? ''} ${err.message}`.trim();
      if (msg !== this.lastConnectError) {
        this.opts.log.warn({ master: this.opts.master, err: msg }, 'AgentX master connection failed; will retry');
        this.lastConnectError = msg;
      }
    });
    sock.on('close', () => this.onClose(sock));
  }

  private async handshake(sock: net.Socket): Promise<void> {
    try {
      this.stats.connects++;
      const open = await this.request({
        type: PduType.Open,
        flags: 0,
        sessionId: 0,
        transactionId: 0,
        packetId: 0,
        timeout: 0,
        id: this.opts.id,
        descr: this.opts.descr,
      });
      if (open.error !== ResError.NoError) throw new Error(`master refused Open (error ${open.error})`);
      this.sessionId = open.sessionId;
      for (const subtree of this.opts.subtrees) {
        const reg = await this.request({
          type: PduType.Register,
          flags: 0,
          sessionId: this.sessionId,
          transactionId: 0,
          packetId: 0,
          timeout: 0,
          priority: 127,
          subtree,
        });
        if (reg.error !== ResError.NoError) {
          throw new Error(
            `master refused to register ${oidToString(subtree)} (error ${reg.error}` +
              `${reg.error === ResError.DuplicateRegistration ? ': another agent serves it' : ''})`,
          );
        }
      }
      if (sock !== this.socket) return;
      this.failures = 0;
      this.lastConnectError = '';
      this.state = 'registered';
      this.stats.registrations++;
      this.opts.log.info(
        { master: this.opts.master, sessionId: this.sessionId, subtrees: this.opts.subtrees.map(oidToString) },
        'registered with the AgentX master',
      );
      this.schedulePing();
      this.emit('registered');
    } catch (err) {
      this.opts.log.warn(
        { master: this.opts.master, err: (err as Error).message },
        'AgentX open/register failed; reconnecting',
      );
      sock.destroy();
    }
  }

  private onData(sock: net.Socket, chunk: Buffer): void {
    if (sock !== this.socket) return;
    this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    const max = this.opts.maxPduBytes ?? 1 << 20;
    // Every complete PDU in the buffer is handled: the master pipelines requests and several
    // arrive in one read under load (the defect that made net-snmp's Subagent lose messages).
    // Their responses leave in one write (cork/uncork), which is what a read costs in Node.
    sock.cork();
    try {
      this.drain(sock, max);
    } finally {
      sock.uncork();
      // What is left is a partial PDU in the shared read buffer, which the next read overwrites.
      if (this.inbuf.length > 0 && this.inbuf.buffer === this.readBuf.buffer) this.inbuf = Buffer.from(this.inbuf);
    }
  }

  private drain(sock: net.Socket, max: number): void {
    while (this.inbuf.length >= HEADER_SIZE) {
      const len = payloadLength(this.inbuf);
      if (len > max) {
        this.protocolError(sock, `PDU payload of ${len} bytes exceeds ${max}`);
        return;
      }
      if (this.inbuf.length < HEADER_SIZE + len) break;
      const raw = this.inbuf.subarray(0, HEADER_SIZE + len);
      this.inbuf = this.inbuf.subarray(HEADER_SIZE + len);
      let pdu: Pdu;
      try {
        pdu = decodePdu(raw);
      } catch (err) {
        // The frame was well delimited, so the stream is still in step: answer parseError and go on.
        this.stats.protocolErrors++;
        this.opts.log.warn({ err: (err as Error).message }, 'unparseable AgentX PDU from master');
        if (raw.length >= HEADER_SIZE && raw.readUInt8(1) !== PduType.Response) {
          this.respondRaw(sock, raw, ResError.ParseError);
        }
        continue;
      }
      this.handle(sock, pdu);
    }
  }

  private handle(sock: net.Socket, pdu: Pdu): void {
    switch (pdu.type) {
      case PduType.Response: {
        const p = this.pending.get(pdu.packetId);
        if (p) {
          this.pending.delete(pdu.packetId);
          clearTimeout(p.timer);
          p.resolve(pdu);
        }
        return;
      }
      case PduType.Get:
        this.stats.requests++;
        this.respond(
          sock,
          pdu,
          ResError.NoError,
          0,
          pdu.ranges.map((r) => getExact(this.opts.view(), r.start)),
        );
        return;
      case PduType.GetNext: {
        this.stats.requests++;
        const view = this.opts.view();
        this.respond(
          sock,
          pdu,
          ResError.NoError,
          0,
          pdu.ranges.map((r) => getNext(view, r)),
        );
        return;
      }
      case PduType.GetBulk:
        this.stats.requests++;
        this.respond(
          sock,
          pdu,
          ResError.NoError,
          0,
          getBulk(this.opts.view(), pdu.nonRepeaters, pdu.maxRepetitions, pdu.ranges),
        );
        return;
      case PduType.TestSet:
        // GALERA-MIB is read-only: refuse at the test phase, naming the first varbind.
        this.respond(sock, pdu, ResError.NotWritable, 1, pdu.varbinds);
        return;
      case PduType.CommitSet:
      case PduType.UndoSet:
        this.respond(sock, pdu, ResError.NoError, 0, []);
        return;
      case PduType.CleanupSet:
        return; // RFC 2741 7.2.4.4: no response
      case PduType.Close:
        this.opts.log.warn({ reason: pdu.reason }, 'AgentX master closed the session; reconnecting');
        sock.destroy();
        return;
      default:
        this.respond(sock, pdu, ResError.ProcessingError, 0, []);
    }
  }

  private respond(sock: net.Socket, req: Pdu, error: number, index: number, varbinds: VarBind[]): void {
    const out = encodePdu({
      type: PduType.Response,
      flags: req.flags,
      sessionId: req.sessionId,
      transactionId: req.transactionId,
      packetId: req.packetId,
      sysUpTime: 0,
      error,
      index,
      varbinds,
    });
    sock.write(out);
  }

  private respondRaw(sock: net.Socket, raw: Buffer, error: number): void {
    const be = (raw.readUInt8(2) & 0x10) !== 0;
    const rd = (o: number): number => (be ? raw.readUInt32BE(o) : raw.readUInt32LE(o));
    this.respond(
      sock,
      { type: PduType.Ping, flags: 0, sessionId: rd(4), transactionId: rd(8), packetId: rd(12) },
      error,
      0,
      [],
    );
  }

  private protocolError(sock: net.Socket, why: string): void {
    this.stats.protocolErrors++;
    this.opts.log.warn({ err: why }, 'AgentX stream out of step; reconnecting');
    sock.destroy();
  }

  /** Sends an administrative PDU and waits for its Response, at most adminTimeoutMs. */
  private request(pdu: Pdu): Promise<Pdu & { type: PduType.Response }> {
    const sock = this.socket;
    if (!sock || sock.destroyed) return Promise.reject(new Error('not connected to the AgentX master'));
    const packetId = (this.packetId = (this.packetId % 0x7fffffff) + 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(packetId);
        reject(new Error(`no answer from the AgentX master in ${this.opts.adminTimeoutMs} ms (PDU type ${pdu.type})`));
      }, this.opts.adminTimeoutMs);
      this.pending.set(packetId, { resolve, reject, timer });
      sock.write(encodePdu({ ...pdu, packetId, sessionId: pdu.type === PduType.Open ? 0 : this.sessionId }));
    });
  }

  private schedulePing(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      const sock = this.socket;
      if (!sock || this.state !== 'registered') return;
      this.request({ type: PduType.Ping, flags: 0, sessionId: this.sessionId, transactionId: 0, packetId: 0 })
        .then((r) => {
          if (r.error === ResError.NotOpen) throw new Error('master says the session is not open');
          this.schedulePing();
        })
        .catch((err: unknown) => {
          if (sock !== this.socket) return;
          this.opts.log.warn({ err: errorText(err) }, 'AgentX ping failed; reconnecting');
          sock.destroy();
        });
    }, this.opts.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Sends a notification through the master. Resolves false (and logs) when it could not be sent. */
  async notify(varbinds: VarBind[]): Promise<boolean> {
    if (this.state !== 'registered') return false;
    try {
      const r = await this.request({
        type: PduType.Notify,
        flags: 0,
        sessionId: this.sessionId,
        transactionId: 0,
        packetId: 0,
        varbinds,
      });
      if (r.error !== ResError.NoError) throw new Error(`master answered error ${r.error}`);
      return true;
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'notification not sent');
      return false;
    }
  }

  private onClose(sock: net.Socket): void {
    if (sock !== this.socket) return;
    const wasRegistered = this.state === 'registered';
    this.socket = null;
    if (this.pingTimer) {
      clearTimeout(this.pingTimer);
      this.pingTimer = null;
    }
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('AgentX connection closed'));
      this.pending.delete(id);
    }
    if (wasRegistered) {
      this.opts.log.warn({ master: this.opts.master }, 'lost the AgentX master; reconnecting');
      this.emit('disconnected');
    }
    if (this.stopping) {
      this.state = 'stopped';
      return;
    }
    this.state = 'connecting';
    // Capped exponential backoff with jitter: a restarted snmpd is found again quickly, a missing
    // one is not hammered.
    const base = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectMinMs * 2 ** Math.min(this.failures, 16));
    this.failures++;
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.reconnectTimer = setTimeout(() => this.connect(), Math.min(delay, this.opts.reconnectMaxMs));
  }

  /** Sends Close(shutdown) when connected, then closes. Resolves when the socket is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    if (this.pingTimer) {
      clearTimeout(this.pingTimer);
      this.pingTimer = null;
    }
    const sock = this.socket;
    if (!sock) {
      this.state = 'stopped';
      return;
    }
    if (this.state === 'registered') {
      const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
      // The master answers Close with a Response; we do not need it, only to have said goodbye.
      sock.end(
        encodePdu({
          type: PduType.Close,
          flags: 0,
          sessionId: this.sessionId,
          transactionId: 0,
          packetId: 0,
          reason: CloseReason.Shutdown,
        }),
      );
      const t = setTimeout(() => sock.destroy(), 500);
      await closed;
      clearTimeout(t);
    } else {
      sock.destroy();
    }
    this.state = 'stopped';
  }
}

export { PduError };
