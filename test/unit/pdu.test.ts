import { strict as assert } from 'node:assert';
import { Flag, PduError, PduType, SearchRange, ValueType, VarBind, compareOids, decodePdu, encodePdu, payloadLength, Pdu } from '../../src/snmp/agentx/pdu';

const hdr = { flags: 0, sessionId: 7, transactionId: 8, packetId: 9 };

describe('AgentX PDU codec', () => {
  it('round-trips every value type in a Response', () => {
    const pdu: Pdu = {
      ...hdr, type: PduType.Response, sysUpTime: 0, error: 0, index: 0, varbinds: [
        { oid: [1, 3, 6, 1, 4, 1, 8072, 1], value: { type: ValueType.Integer, value: -5 } },
        { oid: [1, 3, 6, 1, 2], value: { type: ValueType.Gauge32, value: 0xffffffff } },
        { oid: [1, 3, 6, 1, 3], value: { type: ValueType.Counter64, value: 2n ** 64n - 1n } },
        { oid: [1, 3, 6, 1, 4], value: { type: ValueType.OctetString, value: Buffer.from('x') } },
        { oid: [1, 2, 840], value: { type: ValueType.ObjectIdentifier, value: [1, 3, 6, 1, 6, 3] } },
        { oid: [1, 3, 6, 1, 5], value: { type: ValueType.NoSuchInstance } },
      ],
    };
    const back = decodePdu(encodePdu(pdu));
    assert.deepEqual(back, { ...pdu, flags: Flag.NetworkByteOrder });
  });

  it('writes an OctetString length in bytes, padded to 4, for non-ASCII text', () => {
    const text = 'nœud ☃ 节点 🚀';
    const buf = encodePdu({ ...hdr, type: PduType.Notify, varbinds: [{ oid: [1, 3, 6, 1, 4, 1, 1], value: { type: ValueType.OctetString, value: text } }] });
    const len = Buffer.byteLength(text);
    assert.notEqual(len, text.length);
    assert.equal(payloadLength(buf), buf.length - 20);
    assert.equal(buf.length % 4, 0);
    const back = decodePdu(buf) as unknown as { varbinds: VarBind[] };
    const v = back.varbinds[0].value as { value: Buffer };
    assert.equal(v.value.toString('utf8'), text);
  });

  it('compresses the 1.3.6.1.X prefix (RFC 2741 5.1) and not other OIDs', () => {
    const buf = encodePdu({ ...hdr, type: PduType.Register, timeout: 0, priority: 127, subtree: [1, 3, 6, 1, 4, 1, 8072] });
    // After timeout, priority, range_subid and a reserved byte comes the OID header.
    assert.equal(buf[24], 2); // two sub-ids after the prefix
    assert.equal(buf[25], 4); // prefix
    const plain = encodePdu({ ...hdr, type: PduType.Register, timeout: 0, priority: 127, subtree: [1, 3, 6, 1, 0, 5] });
    assert.equal(plain[25], 0);
  });

  it('decodes little-endian PDUs from a master that sends them', () => {
    const be = encodePdu({ ...hdr, type: PduType.GetNext, ranges: [{ start: [1, 3, 6, 1, 4, 1, 5], include: true, end: [] }] });
    const le = Buffer.from(be);
    le[2] &= ~Flag.NetworkByteOrder;
    for (let off = 4; off < le.length; off += 4) {
      if (off >= 20 && off < 24) continue; // the OID header bytes are single bytes
      le.writeUInt32LE(be.readUInt32BE(off), off);
    }
    const got = decodePdu(le) as unknown as { ranges: SearchRange[] };
    assert.deepEqual(got.ranges, [{ start: [1, 3, 6, 1, 4, 1, 5], include: true, end: [] }]);
  });

  it('skips a non-default context in requests', () => {
    const base = encodePdu({ ...hdr, type: PduType.Get, ranges: [{ start: [1, 3, 6, 1, 4, 1, 9], include: false, end: [] }] });
    const ctx = Buffer.from([0, 0, 0, 3, 0x61, 0x62, 0x63, 0]);
    const buf = Buffer.concat([base.subarray(0, 20), ctx, base.subarray(20)]);
    buf[2] |= Flag.NonDefaultContext;
    buf.writeUInt32BE(buf.length - 20, 16);
    const got = decodePdu(buf) as unknown as { ranges: SearchRange[] };
    assert.deepEqual(got.ranges[0].start, [1, 3, 6, 1, 4, 1, 9]);
  });

  const bad: [string, Buffer][] = [
    ['shorter than a header', Buffer.alloc(10)],
    ['version 2', (() => { const b = encodePdu({ ...hdr, type: PduType.Ping }); b[0] = 2; return b; })()],
    ['unknown type', (() => { const b = encodePdu({ ...hdr, type: PduType.Ping }); b[1] = 99; return b; })()],
    ['length disagrees', (() => { const b = encodePdu({ ...hdr, type: PduType.Ping }); b.writeUInt32BE(4, 16); return b; })()],
    ['truncated varbind', (() => {
      const b = encodePdu({ ...hdr, type: PduType.TestSet, varbinds: [{ oid: [1, 3, 6, 1, 4, 1], value: { type: ValueType.OctetString, value: 'abcdef' } }] });
      const t = b.subarray(0, b.length - 8); t.writeUInt32BE(t.length - 20, 16); return t;
    })()],
    ['OID with 200 sub-ids', (() => {
      const b = encodePdu({ ...hdr, type: PduType.Get, ranges: [{ start: [1], include: false, end: [] }] });
      b[20] = 200; return b;
    })()],
    ['unknown varbind type', (() => {
      const b = encodePdu({ ...hdr, type: PduType.TestSet, varbinds: [{ oid: [1, 3, 6, 1, 4, 1], value: { type: ValueType.Null } }] });
      b.writeUInt16BE(77, 20); return b;
    })()],
  ];
  for (const [what, buf] of bad) {
    it(`rejects a PDU with ${what} as a PduError`, () => {
      assert.throws(() => decodePdu(buf), PduError);
    });
  }

  it('orders OIDs lexicographically, shorter first on a common prefix', () => {
    const cases: [number[], number[], number][] = [[[1, 3], [1, 3], 0], [[1, 3], [1, 3, 0], -1], [[1, 4], [1, 3, 9], 1], [[2], [10], -1]];
    for (const [a, b, want] of cases) assert.equal(Math.sign(compareOids(a, b)), want, `${a} vs ${b}`);
  });
});
