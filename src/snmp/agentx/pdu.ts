// AgentX (RFC 2741) PDU codec: plain functions from PDU objects to bytes and back.
//
// Written here rather than reusing net-snmp's AgentXPdu because that codec writes an OctetString's
// length in characters instead of bytes (snmpd drops the session on the first non-ASCII value) and
// throws on Buffer values. It knows nothing about sockets: see session.ts for the framing.

export type Oid = readonly number[];

export const enum PduType {
  Open = 1,
  Close = 2,
  Register = 3,
  Unregister = 4,
  Get = 5,
  GetNext = 6,
  GetBulk = 7,
  TestSet = 8,
  CommitSet = 9,
  UndoSet = 10,
  CleanupSet = 11,
  Notify = 12,
  Ping = 13,
  IndexAllocate = 14,
  IndexDeallocate = 15,
  AddAgentCaps = 16,
  RemoveAgentCaps = 17,
  Response = 18,
}

export const enum Flag {
  InstanceRegistration = 0x01,
  NewIndex = 0x02,
  AnyIndex = 0x04,
  NonDefaultContext = 0x08,
  NetworkByteOrder = 0x10,
}

export const enum ValueType {
  Integer = 2,
  OctetString = 4,
  Null = 5,
  ObjectIdentifier = 6,
  IpAddress = 64,
  Counter32 = 65,
  Gauge32 = 66,
  TimeTicks = 67,
  Opaque = 68,
  Counter64 = 70,
  NoSuchObject = 128,
  NoSuchInstance = 129,
  EndOfMibView = 130,
}

/** res.error values (RFC 2741 6.2.16) plus the SNMP error we use for sets. */
export const enum ResError {
  NoError = 0,
  GenErr = 5,
  NotWritable = 17,
  OpenFailed = 256,
  NotOpen = 257,
  DuplicateRegistration = 263,
  UnknownRegistration = 264,
  ParseError = 266,
  RequestDenied = 267,
  ProcessingError = 268,
}

export const enum CloseReason {
  Other = 1,
  ParseError = 2,
  ProtocolError = 3,
  Timeouts = 4,
  Shutdown = 5,
  ByManager = 6,
}

/** Whether a PDU type byte from the wire is one of RFC 2741's (they are 1 to 18, with no gaps). */
export function isPduType(n: number): n is PduType {
  return Number.isInteger(n) && n >= PduType.Open && n <= PduType.Response;
}

export type Value =
  | { type: ValueType.Integer | ValueType.Counter32 | ValueType.Gauge32 | ValueType.TimeTicks; value: number }
  | { type: ValueType.Counter64; value: bigint }
  | { type: ValueType.OctetString | ValueType.IpAddress | ValueType.Opaque; value: Buffer | string }
  | { type: ValueType.ObjectIdentifier; value: Oid }
  | { type: ValueType.Null | ValueType.NoSuchObject | ValueType.NoSuchInstance | ValueType.EndOfMibView };

export interface VarBind {
  oid: Oid;
  value: Value;
}
export interface SearchRange {
  start: Oid;
  include: boolean;
  end: Oid;
}

export interface Header {
  type: PduType;
  flags: number;
  sessionId: number;
  transactionId: number;
  packetId: number;
}

export type Pdu = Header &
  (
    | { type: PduType.Open; timeout: number; id: Oid; descr: string }
    // A CloseReason when we send it; any byte the master sent when decoded (logged as it came).
    | { type: PduType.Close; reason: number }
    | { type: PduType.Register | PduType.Unregister; timeout: number; priority: number; subtree: Oid }
    | { type: PduType.Get | PduType.GetNext; ranges: SearchRange[] }
    | { type: PduType.GetBulk; nonRepeaters: number; maxRepetitions: number; ranges: SearchRange[] }
    | { type: PduType.TestSet | PduType.Notify; varbinds: VarBind[] }
    | { type: PduType.CommitSet | PduType.UndoSet | PduType.CleanupSet | PduType.Ping }
    | { type: PduType.Response; sysUpTime: number; error: number; index: number; varbinds: VarBind[] }
    | { type: PduType.IndexAllocate | PduType.IndexDeallocate | PduType.AddAgentCaps | PduType.RemoveAgentCaps }
  );

export const HEADER_SIZE = 20;

export class PduError extends Error {}

// ---------------------------------------------------------------- encoding

// Writes in place into one buffer that grows by doubling: one allocation per PDU instead of one
// per field (the encoder runs once per SNMP request, so this is the hot path).
class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8x4(a: number, b: number, c: number, d: number): void {
    this.room(4);
    this.buf[this.pos] = a;
    this.buf[this.pos + 1] = b;
    this.buf[this.pos + 2] = c;
    this.buf[this.pos + 3] = d;
    this.pos += 4;
  }
  u16pair(a: number, b: number): void {
    this.room(4);
    this.buf.writeUInt16BE(a, this.pos);
    this.buf.writeUInt16BE(b, this.pos + 2);
    this.pos += 4;
  }
  u32(n: number): void {
    this.room(4);
    this.buf.writeUInt32BE(n >>> 0, this.pos);
    this.pos += 4;
  }
  i32(n: number): void {
    this.room(4);
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4;
  }
  u64(n: bigint): void {
    this.room(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, n), this.pos);
    this.pos += 8;
  }

  oid(oid: Oid, include = false): void {
    let from = 0;
    let prefix = 0;
    // RFC 2741 5.1: 1.3.6.1.X with 0 < X < 256 is sent as prefix X and the remaining sub-ids.
    if (oid.length >= 5 && oid[0] === 1 && oid[1] === 3 && oid[2] === 6 && oid[3] === 1 && oid[4] > 0 && oid[4] < 256) {
      prefix = oid[4];
      from = 5;
    }
    const n = oid.length - from;
    if (n > 128) throw new PduError(`OID has ${oid.length} sub-identifiers; AgentX allows 128`);
    this.u8x4(n, prefix, include ? 1 : 0, 0);
    this.room(n * 4);
    for (let i = from; i < oid.length; i++) {
      this.buf.writeUInt32BE(oid[i] >>> 0, this.pos);
      this.pos += 4;
    }
  }

  octets(v: Buffer | string): void {
    // The length is in bytes, not characters: the bug that made snmpd drop net-snmp's sessions.
    const len = typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
    const padded = len + ((4 - (len % 4)) % 4);
    this.u32(len);
    this.room(padded);
    if (typeof v === 'string') this.buf.write(v, this.pos, 'utf8');
    else v.copy(this.buf, this.pos);
    this.buf.fill(0, this.pos + len, this.pos + padded);
    this.pos += padded;
  }

  varbind(vb: VarBind): void {
    this.u16pair(vb.value.type, 0);
    this.oid(vb.oid);
    const v = vb.value;
    switch (v.type) {
      case ValueType.Integer:
        this.i32(v.value);
        break;
      case ValueType.Counter32:
      case ValueType.Gauge32:
      case ValueType.TimeTicks:
        this.u32(v.value);
        break;
      case ValueType.Counter64:
        this.u64(v.value);
        break;
      case ValueType.OctetString:
      case ValueType.IpAddress:
      case ValueType.Opaque:
        this.octets(v.value);
        break;
      case ValueType.ObjectIdentifier:
        this.oid(v.value);
        break;
      default:
        break; // Null and the exceptions carry no data
    }
  }

  /** Reserves the header, to be filled in once the payload length is known. */
  skipHeader(): void {
    this.room(HEADER_SIZE);
    this.pos = HEADER_SIZE;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export function encodePdu(pdu: Pdu): Buffer {
  const w = new Writer();
  w.skipHeader();
  switch (pdu.type) {
    case PduType.Open:
      w.u8x4(pdu.timeout, 0, 0, 0);
      w.oid(pdu.id);
      w.octets(pdu.descr);
      break;
    case PduType.Close:
      w.u8x4(pdu.reason, 0, 0, 0);
      break;
    case PduType.Register:
    case PduType.Unregister:
      w.u8x4(pdu.timeout, pdu.priority, 0, 0);
      w.oid(pdu.subtree);
      break;
    case PduType.Get:
    case PduType.GetNext:
      for (const r of pdu.ranges) {
        w.oid(r.start, r.include);
        w.oid(r.end);
      }
      break;
    case PduType.GetBulk:
      w.u16pair(pdu.nonRepeaters, pdu.maxRepetitions);
      for (const r of pdu.ranges) {
        w.oid(r.start, r.include);
        w.oid(r.end);
      }
      break;
    case PduType.TestSet:
    case PduType.Notify:
      for (const vb of pdu.varbinds) w.varbind(vb);
      break;
    case PduType.Response:
      w.u32(pdu.sysUpTime);
      w.u16pair(pdu.error, pdu.index);
      for (const vb of pdu.varbinds) w.varbind(vb);
      break;
    default:
      break;
  }
  const out = w.done();
  out.writeUInt8(1, 0); // version
  out.writeUInt8(pdu.type, 1);
  // We never send a context, so NON_DEFAULT_CONTEXT is cleared whatever the caller had.
  out.writeUInt8((pdu.flags | Flag.NetworkByteOrder) & ~Flag.NonDefaultContext, 2);
  out.writeUInt8(0, 3);
  out.writeUInt32BE(pdu.sessionId >>> 0, 4);
  out.writeUInt32BE(pdu.transactionId >>> 0, 8);
  out.writeUInt32BE(pdu.packetId >>> 0, 12);
  out.writeUInt32BE(out.length - HEADER_SIZE, 16);
  return out;
}

// ---------------------------------------------------------------- decoding

/** Reads buf from `start` to `end` in place (a subarray is a new Buffer object per PDU). */
class Reader {
  pos: number;
  constructor(
    private readonly buf: Buffer,
    private readonly be: boolean,
    private readonly start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  need(n: number): void {
    if (this.pos + n > this.end)
      throw new PduError(
        `truncated PDU: need ${n} bytes at offset ${this.pos - this.start} of ${this.end - this.start}`,
      );
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.be ? this.buf.readUInt16BE(this.pos) : this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.be ? this.buf.readUInt32BE(this.pos) : this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.be ? this.buf.readInt32BE(this.pos) : this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.be ? this.buf.readBigUInt64BE(this.pos) : this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The include flag of the last OID read (kept here: no object per OID). */
  include = false;

  oid(): { oid: number[]; include: boolean } {
    const oid = this.oidOnly();
    return { oid, include: this.include };
  }

  oidOnly(): number[] {
    const n = this.u8();
    const prefix = this.u8();
    this.include = this.u8() !== 0;
    this.u8();
    if (n > 128) throw new PduError(`OID with ${n} sub-identifiers`);
    const oid: number[] = prefix ? [1, 3, 6, 1, prefix] : [];
    for (let i = 0; i < n; i++) oid.push(this.u32());
    return oid;
  }

  octets(): Buffer {
    const len = this.u32();
    this.need(len);
    const data = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len + ((4 - (len % 4)) % 4);
    if (this.pos > this.end) throw new PduError('truncated octet string padding');
    return data;
  }

  value(type: number): Value {
    switch (type) {
      case ValueType.Integer:
        return { type, value: this.i32() };
      case ValueType.Counter32:
      case ValueType.Gauge32:
      case ValueType.TimeTicks:
        return { type, value: this.u32() };
      case ValueType.Counter64:
        return { type, value: this.u64() };
      case ValueType.OctetString:
      case ValueType.IpAddress:
      case ValueType.Opaque:
        return { type, value: Buffer.from(this.octets()) };
      case ValueType.ObjectIdentifier:
        return { type, value: this.oid().oid };
      case ValueType.Null:
      case ValueType.NoSuchObject:
      case ValueType.NoSuchInstance:
      case ValueType.EndOfMibView:
        return { type };
      default:
        throw new PduError(`unknown varbind type ${type}`);
    }
  }

  varbinds(): VarBind[] {
    const out: VarBind[] = [];
    while (!this.atEnd()) {
      const type = this.u16();
      this.u16();
      const oid = this.oidOnly();
      out.push({ oid, value: this.value(type) });
    }
    return out;
  }

  ranges(): SearchRange[] {
    const out: SearchRange[] = [];
    while (!this.atEnd()) {
      const start = this.oidOnly();
      const include = this.include;
      out.push({ start, include, end: this.oidOnly() });
    }
    return out;
  }
}

/** The payload length announced by a header, honouring its byte order. */
export function payloadLength(header: Buffer): number {
  const be = (header.readUInt8(2) & Flag.NetworkByteOrder) !== 0;
  return be ? header.readUInt32BE(16) : header.readUInt32LE(16);
}

/** Decodes one complete PDU (header + payload). Throws PduError on anything malformed. */
export function decodePdu(buf: Buffer): Pdu {
  if (buf.length < HEADER_SIZE) throw new PduError(`PDU of ${buf.length} bytes is shorter than the header`);
  const version = buf.readUInt8(0);
  if (version !== 1) throw new PduError(`AgentX version ${version}, expected 1`);
  const type = buf.readUInt8(1);
  const flags = buf.readUInt8(2);
  const be = (flags & Flag.NetworkByteOrder) !== 0;
  const sessionId = be ? buf.readUInt32BE(4) : buf.readUInt32LE(4);
  const transactionId = be ? buf.readUInt32BE(8) : buf.readUInt32LE(8);
  const packetId = be ? buf.readUInt32BE(12) : buf.readUInt32LE(12);
  const len = be ? buf.readUInt32BE(16) : buf.readUInt32LE(16);
  if (len !== buf.length - HEADER_SIZE)
    throw new PduError(`payload length ${len} but ${buf.length - HEADER_SIZE} bytes follow`);
  const r = new Reader(buf, be, HEADER_SIZE);
  // Requests from the master may name a context; we register in the default one only, so the
  // context is read past and dropped.
  const hasContext = (flags & Flag.NonDefaultContext) !== 0;
  const skipContext = (): void => {
    if (hasContext) r.octets();
  };
  if (!isPduType(type)) throw new PduError(`unknown PDU type ${type}`);
  // The requests of every GET come first, built without a spread or a closure: they are most of
  // what the agent decodes.
  if (type === PduType.Get || type === PduType.GetNext) {
    if (hasContext) r.octets();
    return { flags, sessionId, transactionId, packetId, type, ranges: r.ranges() };
  }
  const header = { flags, sessionId, transactionId, packetId };
  switch (type) {
    case PduType.Open: {
      const timeout = r.u8();
      r.skip(3);
      const id = r.oid().oid;
      return { ...header, type, timeout, id, descr: r.octets().toString('utf8') };
    }
    case PduType.Close: {
      const reason = r.u8();
      r.skip(3);
      return { ...header, type, reason };
    }
    case PduType.Register:
    case PduType.Unregister: {
      skipContext();
      const timeout = r.u8();
      const priority = r.u8();
      r.skip(2);
      return { ...header, type, timeout, priority, subtree: r.oid().oid };
    }
    case PduType.GetBulk: {
      skipContext();
      const nonRepeaters = r.u16();
      const maxRepetitions = r.u16();
      return { ...header, type, nonRepeaters, maxRepetitions, ranges: r.ranges() };
    }
    case PduType.TestSet:
    case PduType.Notify:
      skipContext();
      return { ...header, type, varbinds: r.varbinds() };
    case PduType.CommitSet:
    case PduType.UndoSet:
    case PduType.CleanupSet:
    case PduType.Ping:
      return { ...header, type };
    case PduType.Response: {
      const sysUpTime = r.u32();
      const error = r.u16();
      const index = r.u16();
      return { ...header, type, sysUpTime, error, index, varbinds: r.varbinds() };
    }
    case PduType.IndexAllocate:
    case PduType.IndexDeallocate:
    case PduType.AddAgentCaps:
    case PduType.RemoveAgentCaps:
      return { ...header, type };
  }
}

// ---------------------------------------------------------------- OIDs

export function compareOids(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

export function isPrefix(prefix: Oid, oid: Oid): boolean {
  if (prefix.length > oid.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== oid[i]) return false;
  return true;
}

export function parseOid(text: string): number[] {
  const parts = text.replace(/^\./, '').split('.');
  const oid = parts.map((p) => Number(p));
  if (parts.length === 0 || oid.some((n, i) => !/^\d+$/.test(parts[i]) || n > 0xffffffff)) {
    throw new Error(`not a numeric OID: ${text}`);
  }
  return oid;
}

export const oidToString = (oid: Oid): string => oid.join('.');
