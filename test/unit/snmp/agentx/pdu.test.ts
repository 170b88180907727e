import { strict as assert } from 'node:assert';
import {
  Flag,
  PduError,
  PduType,
  SearchRange,
  ValueType,
  VarBind,
  compareOids,
  decodePdu,
  encodePdu,
  isPrefix,
  oidToString,
  parseOid,
  payloadLength,
  Pdu,
} from '../../../../src/snmp/agentx/pdu';
import fc from 'fast-check';
import { check } from '../../../helpers/fuzz';

const hdr = { flags: 0, sessionId: 7, transactionId: 8, packetId: 9 };

describe('AgentX PDU codec', () => {
  it('round-trips every value type in a Response', () => {
    const pdu: Pdu = {
      ...hdr,
      type: PduType.Response,
      sysUpTime: 0,
      error: 0,
      index: 0,
      varbinds: [
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
    const buf = encodePdu({
      ...hdr,
      type: PduType.Notify,
      varbinds: [{ oid: [1, 3, 6, 1, 4, 1, 1], value: { type: ValueType.OctetString, value: text } }],
    });
    const len = Buffer.byteLength(text);
    assert.notEqual(len, text.length);
    assert.equal(payloadLength(buf), buf.length - 20);
    assert.equal(buf.length % 4, 0);
    const back = decodePdu(buf) as unknown as { varbinds: VarBind[] };
    const v = back.varbinds[0].value as { value: Buffer };
    assert.equal(v.value.toString('utf8'), text);
  });

  it('compresses the 1.3.6.1.X prefix (RFC 2741 5.1) and not other OIDs', () => {
    const buf = encodePdu({
      ...hdr,
      type: PduType.Register,
      timeout: 0,
      priority: 127,
      subtree: [1, 3, 6, 1, 4, 1, 8072],
    });
    // After timeout, priority, range_subid and a reserved byte comes the OID header.
    assert.equal(buf[24], 2); // two sub-ids after the prefix
    assert.equal(buf[25], 4); // prefix
    const plain = encodePdu({ ...hdr, type: PduType.Register, timeout: 0, priority: 127, subtree: [1, 3, 6, 1, 0, 5] });
    assert.equal(plain[25], 0);
  });

  it('decodes little-endian PDUs from a master that sends them', () => {
    const be = encodePdu({
      ...hdr,
      type: PduType.GetNext,
      ranges: [{ start: [1, 3, 6, 1, 4, 1, 5], include: true, end: [] }],
    });
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
    const base = encodePdu({
      ...hdr,
      type: PduType.Get,
      ranges: [{ start: [1, 3, 6, 1, 4, 1, 9], include: false, end: [] }],
    });
    const ctx = Buffer.from([0, 0, 0, 3, 0x61, 0x62, 0x63, 0]);
    const buf = Buffer.concat([base.subarray(0, 20), ctx, base.subarray(20)]);
    buf[2] |= Flag.NonDefaultContext;
    buf.writeUInt32BE(buf.length - 20, 16);
    const got = decodePdu(buf) as unknown as { ranges: SearchRange[] };
    assert.deepEqual(got.ranges[0].start, [1, 3, 6, 1, 4, 1, 9]);
  });

  // A payload written by hand, little-endian (no NETWORK_BYTE_ORDER flag), as a master may send.
  const raw = (type: number, payload: Buffer, flags = 0): Buffer => {
    const h = Buffer.alloc(20);
    h[0] = 1;
    h[1] = type;
    h[2] = flags;
    h.writeUInt32LE(payload.length, 16);
    return Buffer.concat([h, payload]);
  };
  const le32 = (...n: number[]): Buffer => {
    const b = Buffer.alloc(4 * n.length);
    n.forEach((x, i) => b.writeUInt32LE(x, 4 * i));
    return b;
  };
  const bad: [string, Buffer, RegExp][] = [
    ['shorter than a header', Buffer.alloc(10), /^PDU of 10 bytes is shorter than the header$/],
    [
      'version 2',
      (() => {
        const b = encodePdu({ ...hdr, type: PduType.Ping });
        b[0] = 2;
        return b;
      })(),
      /^AgentX version 2, expected 1$/,
    ],
    [
      'unknown type',
      (() => {
        const b = encodePdu({ ...hdr, type: PduType.Ping });
        b[1] = 99;
        return b;
      })(),
      /^unknown PDU type 99$/,
    ],
    [
      'type 0 (RFC 2741 numbers them from 1)',
      (() => {
        const b = encodePdu({ ...hdr, type: PduType.Ping });
        b[1] = 0;
        return b;
      })(),
      /^unknown PDU type 0$/,
    ],
    [
      'type 19, one past Response',
      (() => {
        const b = encodePdu({ ...hdr, type: PduType.Ping });
        b[1] = 19;
        return b;
      })(),
      /^unknown PDU type 19$/,
    ],
    [
      'length disagrees',
      (() => {
        const b = encodePdu({ ...hdr, type: PduType.Ping });
        b.writeUInt32BE(4, 16);
        return b;
      })(),
      /^payload length 4 but 0 bytes follow$/,
    ],
    [
      'truncated varbind',
      (() => {
        const b = encodePdu({
          ...hdr,
          type: PduType.TestSet,
          varbinds: [{ oid: [1, 3, 6, 1, 4, 1], value: { type: ValueType.OctetString, value: 'abcdef' } }],
        });
        const t = b.subarray(0, b.length - 8);
        t.writeUInt32BE(t.length - 20, 16);
        return t;
      })(),
      /^truncated PDU: need 6 bytes at offset 16 of 16$/,
    ],
    [
      'a field cut in the middle',
      raw(PduType.Close, Buffer.from([1, 0])),
      /^truncated PDU: need 3 bytes at offset 1 of 2$/,
    ],
    [
      'OID with 200 sub-ids',
      (() => {
        const b = encodePdu({ ...hdr, type: PduType.Get, ranges: [{ start: [1], include: false, end: [] }] });
        b[20] = 200;
        return b;
      })(),
      /^OID with 200 sub-identifiers$/,
    ],
    [
      'OID with 129 sub-ids',
      raw(
        PduType.Get,
        Buffer.concat([Buffer.from([129, 0, 0, 0]), le32(...Array<number>(129).fill(1)), Buffer.from([0, 0, 0, 0])]),
      ),
      /^OID with 129 sub-identifiers$/,
    ],
    [
      'unknown varbind type',
      (() => {
        const b = encodePdu({
          ...hdr,
          type: PduType.TestSet,
          varbinds: [{ oid: [1, 3, 6, 1, 4, 1], value: { type: ValueType.Null } }],
        });
        b.writeUInt16BE(77, 20);
        return b;
      })(),
      /^unknown varbind type 77$/,
    ],
    // type OctetString, an empty OID, length 1, one byte and no padding after it
    [
      'an octet string without its padding',
      raw(PduType.Notify, Buffer.from([4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x41])),
      /^truncated octet string padding$/,
    ],
  ];
  for (const [what, buf, re] of bad) {
    it(`rejects a PDU with ${what} as a PduError that says so`, () => {
      assert.throws(
        () => decodePdu(buf),
        (e: Error) => e instanceof PduError && re.test(e.message),
      );
    });
  }

  it('takes an OID of exactly 128 sub-ids, on the wire and in an encode; refuses 129 in an encode', () => {
    const oid = Array<number>(128).fill(2);
    const got = decodePdu(
      raw(PduType.Get, Buffer.concat([Buffer.from([128, 0, 0, 0]), le32(...oid), Buffer.from([0, 0, 0, 0])])),
    ) as unknown as { ranges: SearchRange[] };
    assert.deepEqual(got.ranges[0].start, oid);
    const enc = (o: number[]): Buffer =>
      encodePdu({ ...hdr, type: PduType.Register, timeout: 0, priority: 127, subtree: o });
    assert.deepEqual(
      (decodePdu(enc([1, 3, 6, 1, 4, ...oid])) as unknown as { subtree: number[] }).subtree,
      [1, 3, 6, 1, 4, ...oid],
      'the 1.3.6.1.X prefix does not count',
    );
    assert.throws(
      () => enc([...oid, 2]),
      (e: Error) => e instanceof PduError && e.message === 'OID has 129 sub-identifiers; AgentX allows 128',
    );
  });

  it('a PDU of exactly a header decodes', () => {
    assert.deepEqual(decodePdu(raw(PduType.Ping, Buffer.alloc(0))), {
      type: PduType.Ping,
      flags: 0,
      sessionId: 0,
      transactionId: 0,
      packetId: 0,
    });
    assert.equal(payloadLength(raw(PduType.Notify, Buffer.alloc(12)).subarray(0, 20)), 12, 'a little-endian length');
  });

  it('grows its buffer for a PDU far larger than the first allocation', () => {
    const big = 'x'.repeat(3000);
    const pdu: Pdu = {
      ...hdr,
      type: PduType.Response,
      sysUpTime: 1,
      error: 0,
      index: 0,
      varbinds: [
        { oid: [1, 3, 6, 1, 4, 1, 1], value: { type: ValueType.OctetString, value: 'y'.repeat(300) } },
        { oid: [1, 3, 6, 1, 4, 1, 2], value: { type: ValueType.OctetString, value: big } },
      ],
    };
    const back = decodePdu(encodePdu(pdu)) as unknown as { varbinds: VarBind[] };
    assert.equal(String((back.varbinds[1].value as { value: Buffer }).value), big);
    assert.equal(String((back.varbinds[0].value as { value: Buffer }).value), 'y'.repeat(300));
  });

  it('round-trips every PDU type it sends or receives', () => {
    const h = { ...hdr, flags: Flag.NetworkByteOrder };
    const range = { start: [1, 3, 6, 1, 4, 1, 9], include: true, end: [1, 3, 6, 1, 4, 2] };
    const pdus: Pdu[] = [
      { ...h, type: PduType.Open, timeout: 5, id: [1, 3, 6, 1, 4, 1, 99], descr: 'galera-agentx' },
      { ...h, type: PduType.Close, reason: 5 },
      { ...h, type: PduType.Register, timeout: 3, priority: 100, subtree: [1, 3, 6, 1, 4, 1, 99] },
      { ...h, type: PduType.Unregister, timeout: 0, priority: 127, subtree: [1, 3, 6, 1, 4, 1, 98] },
      { ...h, type: PduType.Get, ranges: [range] },
      { ...h, type: PduType.GetNext, ranges: [range, { ...range, include: false }] },
      { ...h, type: PduType.GetBulk, nonRepeaters: 1, maxRepetitions: 7, ranges: [range, range] },
      { ...h, type: PduType.Notify, varbinds: [] },
      { ...h, type: PduType.Ping },
      { ...h, type: PduType.CommitSet },
      { ...h, type: PduType.IndexAllocate },
      { ...h, type: PduType.RemoveAgentCaps },
    ];
    for (const p of pdus) assert.deepEqual(decodePdu(encodePdu(p)), p, `type ${p.type}`);
  });

  it('sends 1.3.6.1.X (0 < X < 256) as prefix X, and every other OID whole (RFC 2741 5.1)', () => {
    // The OID header of a Register's subtree: [n_subid, prefix, include, reserved] at payload offset 4.
    const head = (o: number[]): number[] => [
      ...encodePdu({ ...hdr, type: PduType.Register, timeout: 0, priority: 127, subtree: o }).subarray(24, 26),
    ];
    const cases: [number[], number[]][] = [
      [
        [1, 3, 6, 1, 4, 1, 99],
        [2, 4],
      ],
      [
        [1, 3, 6, 1, 4],
        [0, 4],
      ],
      [
        [1, 3, 6, 1, 255, 7],
        [1, 255],
      ],
      [
        [1, 3, 6, 1, 1],
        [0, 1],
      ],
      [
        [1, 3, 6, 1, 0, 5],
        [6, 0],
      ],
      [
        [1, 3, 6, 1, 256, 1],
        [6, 0],
      ],
      [
        [1, 3, 6, 1],
        [4, 0],
      ],
      [
        [2, 3, 6, 1, 4, 1],
        [6, 0],
      ],
      [
        [1, 2, 6, 1, 4, 1],
        [6, 0],
      ],
      [
        [1, 3, 7, 1, 4, 1],
        [6, 0],
      ],
      [
        [1, 3, 6, 2, 4, 1],
        [6, 0],
      ],
    ];
    for (const [o, want] of cases) {
      assert.deepEqual(head(o), want, o.join('.'));
      assert.deepEqual(
        (
          decodePdu(
            encodePdu({ ...hdr, type: PduType.Register, timeout: 0, priority: 127, subtree: o }),
          ) as unknown as { subtree: number[] }
        ).subtree,
        o,
      );
    }
  });

  it('OID helpers: prefix, text form, parsing', () => {
    assert.deepEqual(
      [isPrefix([1, 2], [1, 2]), isPrefix([1, 2], [1, 2, 3]), isPrefix([1, 2, 3], [1, 2]), isPrefix([1, 3], [1, 2, 3])],
      [true, true, false, false],
    );
    assert.equal(oidToString([1, 3, 6]), '1.3.6');
    assert.deepEqual(parseOid('.1.3.6'), [1, 3, 6]);
    assert.deepEqual(parseOid('1.3.6'), [1, 3, 6]);
    assert.throws(() => parseOid('1.x3'), /not a numeric OID/);
    assert.throws(() => parseOid('1.3x'), /not a numeric OID/);
    assert.throws(() => parseOid('1.x.3'), /^Error: not a numeric OID: 1\.x\.3$/);
    assert.throws(() => parseOid('1.4294967296'), /not a numeric OID/);
    assert.deepEqual(parseOid('1.4294967295'), [1, 4294967295]);
  });

  it('orders OIDs lexicographically, shorter first on a common prefix', () => {
    const cases: [number[], number[], number][] = [
      [[1, 3], [1, 3], 0],
      [[1, 3], [1, 3, 0], -1],
      [[1, 4], [1, 3, 9], 1],
      [[2], [10], -1],
    ];
    for (const [a, b, want] of cases)
      assert.equal(Math.sign(compareOids(a, b)), want, `${a.join('.')} vs ${b.join('.')}`);
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  // AgentX from the master: random bytes, and real PDUs with random corruption.
  const realPdu = encodePdu({
    type: PduType.GetBulk,
    flags: 0,
    sessionId: 1,
    transactionId: 2,
    packetId: 3,
    nonRepeaters: 1,
    maxRepetitions: 5,
    ranges: [{ start: [1, 3, 6, 1, 4, 1, 8072], include: true, end: [] }],
  });
  const corrupt = fc
    .tuple(fc.nat(realPdu.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(realPdu.length))
    .map(([i, b, cut]) => {
      const x = Buffer.from(realPdu);
      x[i] = b;
      return x.subarray(0, Math.max(cut, 20));
    });
  check(
    'agentx-pdu',
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      corrupt,
    ),
    (s) => Buffer.from(s, 'hex'),
    (buf) => {
      try {
        decodePdu(buf);
      } catch (err) {
        assert.ok(
          err instanceof PduError,
          `${(err as Error).name}: ${(err as Error).message} on ${buf.toString('hex')}`,
        );
      }
    },
  );
});
