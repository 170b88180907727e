// A peer's answer, validated: a wrong type, an out-of-range enum, a seqno that is not a number,
// a huge string, an error varbind: each makes the peer unknown (never stopped), with the reason.

import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import * as snmp from 'net-snmp';
import {
  PeerTarget,
  askPeer,
  factsFromVarbinds,
  failedAnswer,
  maintenanceAsSilent,
  parseTarget,
  peerErrorKind,
} from '../../../src/snmp/peers';
import { loadMib } from '../../../src/snmp/mib';
import fc from 'fast-check';
import { check } from '../../helpers/fuzz';

const mib = loadMib();
const T = snmp.ObjectType;
const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const vb = (type: number, value: unknown) => ({ oid: '1.3', type, value });
// galeraStatus, galeraSeqno, galeraStateUuid, galeraSafeToBootstrap, galeraNodeName (required), then
// galeraSeqnoSource, galeraClusterStatus, galeraLockPid, galeraServerPid, galeraAgentDetectMs,
// galeraAgentInstance, galeraWsrepReachable, galeraUserData, galeraUserSchemas, then the mark:
// galeraMarkState, galeraMarkUuid, galeraMarkTopSeqno, galeraMarkTopNode, galeraMarkTolerance,
// galeraMarkRule, galeraPcBootstrapStatement,
// galeraMaintenance, galeraMaintenanceReason, galeraInitDecision, galeraRole, galeraRecoveryPrepared (optional).
const good = () => [
  vb(T.Integer, 5),
  vb(T.OctetString, Buffer.from('123')),
  vb(T.OctetString, Buffer.from(U)),
  vb(T.Integer, 1),
  vb(T.OctetString, Buffer.from('n1')),
  vb(T.Integer, 2),
  vb(T.Integer, 4),
  vb(T.Gauge, 0),
  vb(T.Gauge, 0),
  vb(T.Gauge, 200),
  vb(T.OctetString, Buffer.from('inst-1')),
  vb(T.Integer, 2),
  vb(T.Integer, 2),
  vb(T.OctetString, Buffer.from('')),
  vb(T.Integer, 1),
  vb(T.OctetString, Buffer.from('')),
  vb(T.OctetString, Buffer.from('-1')),
  vb(T.OctetString, Buffer.from('')),
  vb(T.Gauge, 0),
  vb(T.OctetString, Buffer.from('')),
  vb(T.OctetString, Buffer.from('')),
  vb(T.Integer, 2),
  vb(T.OctetString, Buffer.from('')),
  vb(T.Integer, 2),
  vb(T.Integer, 1),
  vb(T.Gauge, 0),
];
/** good() with a valid mark: n9 committed 500 in U, tolerance 3. */
const marked = () => {
  const v = good();
  v[14] = vb(T.Integer, 2);
  v[15] = vb(T.OctetString, Buffer.from(U));
  v[16] = vb(T.OctetString, Buffer.from('500'));
  v[17] = vb(T.OctetString, Buffer.from('n9'));
  v[18] = vb(T.Gauge, 3);
  v[19] = vb(T.OctetString, Buffer.from('innodb_flush_log_at_trx_commit=2 (flushed every 1 s)'));
  return v;
};

describe('peer answers', () => {
  it('reads the prepared transactions that stop its recovery (galeraRecoveryPrepared), 0 as none', () => {
    const v = good();
    v[25] = vb(T.Gauge, 2);
    assert.equal(factsFromVarbinds(mib, 'p', v).prepared, 2);
    assert.equal('prepared' in factsFromVarbinds(mib, 'p', good()), false);
    v[25] = vb(T.OctetString, Buffer.from('2'));
    assert.equal(factsFromVarbinds(mib, 'p', v).prepared, undefined, 'only a Gauge32 counts');
  });

  it('reads a well-formed answer', () => {
    assert.deepEqual(factsFromVarbinds(mib, 'p', good()), {
      id: 'p',
      name: 'n1',
      instance: 'inst-1',
      self: false,
      answered: true,
      status: 'stopped',
      seqno: 123n,
      uuid: U,
      safeToBootstrap: true,
      seqnoSource: 'grastate',
      clusterStatus: 'unknown',
      lockPid: 0,
      serverPid: 0,
      detectMs: 200,
      userData: false,
      userSchemas: undefined,
      initDecision: 'wait',
      role: 'data',
    });
  });
  it('reads an arbitrator (galeraRole); an unknown or missing role is unknown, so init.arbitrators decides', () => {
    const v = good();
    v[24] = vb(T.Integer, 2);
    assert.equal(factsFromVarbinds(mib, 'p', v).role, 'arbitrator');
    v[24] = vb(T.Integer, 9);
    assert.equal(factsFromVarbinds(mib, 'p', v).role, undefined);
    v[24] = vb(T.NoSuchObject, null);
    assert.equal(factsFromVarbinds(mib, 'p', v).role, undefined);
  });
  it('reads user data and its schemas; an unknown or missing value is unknown', () => {
    const v = good();
    v[12] = vb(T.Integer, 1);
    v[13] = vb(T.OctetString, Buffer.from('shop, crm,shop'));
    const f = factsFromVarbinds(mib, 'p', v);
    assert.deepEqual([f.userData, f.userSchemas], [true, ['crm', 'shop']]);
    v[12] = vb(T.Integer, 3);
    assert.equal(factsFromVarbinds(mib, 'p', v).userData, undefined);
    v[12] = vb(T.NoSuchObject, null);
    assert.equal(factsFromVarbinds(mib, 'p', v).userData, undefined);
    v[12] = vb(T.OctetString, Buffer.from('true'));
    assert.equal(factsFromVarbinds(mib, 'p', v).userData, undefined);
  });
  it('reads a running Primary peer, and the unreadable seqno source', () => {
    const v = good();
    v[0] = vb(T.Integer, 2);
    v[5] = vb(T.Integer, 5);
    v[6] = vb(T.Integer, 1);
    v[8] = vb(T.Gauge, 4242);
    v[11] = vb(T.Integer, 1);
    const f = factsFromVarbinds(mib, 'p', v);
    assert.deepEqual(
      [f.status, f.seqnoSource, f.clusterStatus, f.serverPid],
      ['running', 'unreadable', 'primary', 4242],
    );
  });
  it('a cluster status its agent cannot read now (the last one, stale) is unknown', () => {
    const v = good();
    v[0] = vb(T.Integer, 2);
    v[6] = vb(T.Integer, 1);
    v[11] = vb(T.Integer, 2);
    assert.equal(factsFromVarbinds(mib, 'p', v).clusterStatus, 'unknown');
  });
  it('an agent without the newer objects (noSuchObject) is still a member, its cluster status and seqno source unknown', () => {
    const v = good();
    for (let i = 5; i < v.length; i++) v[i] = vb(T.NoSuchObject, null);
    const f = factsFromVarbinds(mib, 'p', v);
    assert.equal(f.answered, true);
    assert.deepEqual(
      [f.seqnoSource, f.clusterStatus, f.lockPid, f.detectMs, f.userData],
      ['unknown', 'unknown', undefined, undefined, undefined],
    );
  });
  it('reads a valid high-water mark; a malformed one, or one not valid, is no mark', () => {
    assert.deepEqual(factsFromVarbinds(mib, 'p', marked()).mark, {
      uuid: U,
      seqno: 500n,
      node: 'n9',
      tolerance: 3n,
      rule: 'innodb_flush_log_at_trx_commit=2 (flushed every 1 s)',
    });
    const breaks: ((v: ReturnType<typeof good>) => void)[] = [
      (v) => (v[14] = vb(T.Integer, 3)),
      (v) => (v[15] = vb(T.OctetString, Buffer.from('x'))),
      (v) => (v[16] = vb(T.OctetString, Buffer.from('5x0'))),
      (v) => (v[16] = vb(T.OctetString, Buffer.from('-1'))),
      (v) => (v[17] = vb(T.OctetString, Buffer.from(' '))),
      (v) => (v[18] = vb(T.Integer, 3)),
      (v) => (v[14] = vb(T.NoSuchObject, null)),
    ];
    for (const b of breaks) {
      const v = marked();
      b(v);
      const f = factsFromVarbinds(mib, 'p', v);
      assert.deepEqual([f.answered, f.mark], [true, undefined], b.toString());
    }
  });
  it('reads the pc.bootstrap statement its server takes; anything else is unknown, never printed', () => {
    const with_ = (text: string): string | undefined => {
      const v = good();
      v[20] = vb(T.OctetString, Buffer.from(text));
      return factsFromVarbinds(mib, 'p', v).pcBootstrap;
    };
    assert.equal(with_('SET GLOBAL wsrep_provider_pc_bootstrap=ON'), 'SET GLOBAL wsrep_provider_pc_bootstrap=ON');
    assert.equal(
      with_("SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'"),
      "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'",
    );
    assert.equal(with_(''), undefined);
    assert.equal(with_('DROP DATABASE app'), undefined, "a peer's free text is not advice");
  });
  it('an out-of-range optional value is unknown, not trusted', () => {
    const v = good();
    v[6] = vb(T.Integer, 77);
    v[5] = vb(T.OctetString, Buffer.from('live'));
    v[11] = vb(T.Integer, 1);
    const f = factsFromVarbinds(mib, 'p', v);
    assert.deepEqual([f.answered, f.clusterStatus, f.seqnoSource], [true, 'unknown', 'unknown']);
  });
  it('reads maintenance and its reason, and the init decision', () => {
    const v = good();
    v[21] = vb(T.Integer, 1);
    v[22] = vb(T.OctetString, Buffer.from('disk swap'));
    v[23] = vb(T.Integer, 7);
    const f = factsFromVarbinds(mib, 'p', v);
    assert.deepEqual([f.answered, f.maintenance, f.initDecision], [true, 'disk swap', 'maintenance']);
  });
  it('a member in maintenance is, for the others, a member that did not answer, with what it said kept as last seen', () => {
    const v = good();
    v[0] = vb(T.Integer, 2); // running
    v[21] = vb(T.Integer, 1);
    v[22] = vb(T.OctetString, Buffer.from('disk swap'));
    const f = maintenanceAsSilent(factsFromVarbinds(mib, 'p', v));
    assert.deepEqual(
      [f.answered, f.error, f.lastSeenStatus, f.lastSeenSeqno],
      [false, 'in maintenance: disk swap', 'running', 123n],
    );
    const plain = factsFromVarbinds(mib, 'p', good());
    assert.equal(maintenanceAsSilent(plain), plain, 'a member not in maintenance is left as it answered');
    v[5] = vb(T.Integer, 4); // seqno source unknown: no seqno to keep
    v[22] = vb(T.OctetString, Buffer.from(''));
    const u = maintenanceAsSilent(factsFromVarbinds(mib, 'p', v));
    assert.deepEqual([u.error, u.lastSeenSeqno], ['in maintenance', undefined]);
  });
  const bad: [string, (v: ReturnType<typeof good>) => void, RegExp][] = [
    [
      'galeraStatus as a string',
      (v) => {
        v[0] = vb(T.OctetString, Buffer.from('running'));
      },
      /galeraStatus is not an INTEGER/,
    ],
    [
      'galeraStatus out of range',
      (v) => {
        v[0] = vb(T.Integer, 9);
      },
      /not a known status/,
    ],
    [
      'a seqno that is not a number',
      (v) => {
        v[1] = vb(T.OctetString, Buffer.from('12abc'));
      },
      /not a 64-bit integer/,
    ],
    [
      'a seqno past 2^63',
      (v) => {
        v[1] = vb(T.OctetString, Buffer.from('9223372036854775808'));
      },
      /not a 64-bit integer/,
    ],
    [
      'a huge string',
      (v) => {
        v[1] = vb(T.OctetString, Buffer.alloc(100000, 0x31));
      },
      /not a decimal string/,
    ],
    [
      'an integer seqno (an old agent)',
      (v) => {
        v[1] = vb(T.Integer, 5);
      },
      /not a decimal string/,
    ],
    [
      'a bad uuid',
      (v) => {
        v[2] = vb(T.OctetString, Buffer.from('x'));
      },
      /not a UUID/,
    ],
    [
      'safe_to_bootstrap out of range',
      (v) => {
        v[3] = vb(T.Integer, 0);
      },
      /out of range/,
    ],
    [
      'noSuchObject (no agent registered)',
      (v) => {
        v[0] = vb(T.NoSuchObject, null);
      },
      /is galera-agentx running there/,
    ],
    [
      'too few values',
      (v) => {
        v.pop();
      },
      /25 values for 26 objects/,
    ],
    [
      'an empty node name (its identity)',
      (v) => {
        v[4] = vb(T.OctetString, Buffer.from('  '));
      },
      /galeraNodeName is empty/,
    ],
  ];
  for (const [what, mutate, re] of bad) {
    it(`makes ${what} an unknown peer, with the reason`, () => {
      const v = good();
      mutate(v);
      const f = factsFromVarbinds(mib, 'p', v);
      assert.equal(f.answered, false);
      assert.equal(f.status, undefined, 'never "stopped"');
      assert.match(f.error ?? '', re);
    });
  }
  it('parses targets', () => {
    const d = { port: 161, version: '2c' as const, timeoutMs: 1, retries: 0 };
    assert.deepEqual([parseTarget('db1', d).host, parseTarget('db1', d).port], ['db1', 161]);
    assert.equal(parseTarget('10.0.0.1:1161', d).port, 1161);
    assert.equal(parseTarget('[::1]:162', d).host, '::1');
    assert.throws(() => parseTarget('a:b:c', d), /host\[:port\]/);
    assert.throws(() => parseTarget('h:70000', d), /out of range/);
  });
});

describe('peer failures by kind', () => {
  // The kind comes from the error's class and code, never its text: the text may be reworded.
  const kinds: [string, Error, string][] = [
    ["net-snmp's timeout", new snmp.RequestTimedOutError('Request timed out'), 'timeout'],
    [
      'a USM report (unknown user, wrong digest)',
      new snmp.ResponseInvalidError('Unknown User Name', snmp.ResponseInvalidCode.EAuthFailure),
      'auth',
    ],
    [
      'a community that does not match',
      new snmp.ResponseInvalidError('x', snmp.ResponseInvalidCode.ECommunityNoMatch),
      'auth',
    ],
    [
      'another invalid response',
      new snmp.ResponseInvalidError('Unknown PDU type', snmp.ResponseInvalidCode.EUnknownPduType),
      'other',
    ],
    ['ICMP port unreachable', Object.assign(new Error('send ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'refused'],
    ['no route', Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), 'refused'],
    ['a text that says "timed out" on an error of another class', new Error('Request timed out'), 'other'],
    ['a text that says "refused" without the code', new Error('connection refused'), 'other'],
  ];
  for (const [what, err, kind] of kinds) {
    it(`${what} is ${kind}`, () => assert.equal(peerErrorKind(err), kind));
  }
  it('keeps the operator\'s texts: "no answer (timeout)" for a timeout, the library\'s message otherwise', () => {
    assert.deepEqual(failedAnswer('p', new snmp.RequestTimedOutError('Request timed out')), {
      id: 'p',
      self: false,
      answered: false,
      error: 'no answer (timeout)',
      errorKind: 'timeout',
    });
    assert.deepEqual(
      failedAnswer('p', new snmp.ResponseInvalidError('Unknown User Name', snmp.ResponseInvalidCode.EAuthFailure)),
      { id: 'p', self: false, answered: false, error: 'Unknown User Name', errorKind: 'auth' },
    );
  });
  it('a bad answer is an error of kind other', () => {
    const v = good();
    v[0] = vb(T.Integer, 9);
    assert.equal(factsFromVarbinds(mib, 'p', v).errorKind, 'other');
  });

  const freePort = async (): Promise<number> => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const { port } = s.address();
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  };
  const target = (port: number, extra: Partial<PeerTarget> = {}): PeerTarget => ({
    id: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    version: '2c',
    community: 'public',
    timeoutMs: 100,
    retries: 0,
    ...extra,
  });

  it('a real agent that does not know the SNMPv3 user: auth', async () => {
    const port = await freePort();
    const agent = snmp.createAgent({ port, address: '127.0.0.1' }, () => undefined);
    try {
      agent.getAuthorizer().addUser({ name: 'galera', level: snmp.SecurityLevel.noAuthNoPriv });
      const a = await askPeer(mib, target(port, { version: '3', user: 'intruder', timeoutMs: 1000 }));
      assert.deepEqual([a.answered, a.errorKind, a.error], [false, 'auth', 'Unknown User Name']);
    } finally {
      agent.close();
    }
  });
  it('a port where nothing answers: timeout', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    try {
      const a = await askPeer(mib, target(silent.address().port));
      assert.deepEqual([a.answered, a.errorKind, a.error], [false, 'timeout', 'no answer (timeout)']);
    } finally {
      silent.close();
    }
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  const vbArb = fc.record({
    oid: fc.constant('1.3'),
    type: fc.constantFrom(2, 4, 5, 6, 64, 65, 66, 67, 70, 128, 129, 130),
    value: fc.oneof(
      fc.integer(),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
      fc.constant(null),
      fc.string(),
    ),
  });
  check(
    'peer-answer',
    fc.array(vbArb, { maxLength: 7 }),
    (s) => JSON.parse(s) as Parameters<typeof factsFromVarbinds>[2],
    (vbs) => {
      const f = factsFromVarbinds(mib, 'p', vbs);
      if (!f.answered) assert.ok(f.error && f.status === undefined);
      else assert.ok(f.status && f.seqno !== undefined);
    },
  );
});
