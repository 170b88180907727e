import { strict as assert } from 'node:assert';
import { needsRecovery, seqnoOf, SeqnoInput } from '../../../src/core/seqno';
import type { Grastate } from '../../../src/core/grastate';

const U1 = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
const U2 = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const gs = (seqno: bigint | null, uuid: string | null = U1): Grastate => ({
  uuid,
  seqno,
  safeToBootstrap: true,
  problems: [],
});

describe('galeraSeqno: which fact wins', () => {
  const cases: [string, SeqnoInput, string, string, string | null][] = [
    [
      'running, live known',
      { serverRunning: true, live: { seqno: 42n, uuid: U2 }, grastate: gs(-1n), recovered: null },
      '42',
      'live',
      U2,
    ],
    [
      'running, live unknown: grastate -1 says nothing',
      { serverRunning: true, live: null, grastate: gs(-1n), recovered: null },
      '-1',
      'unknown',
      U1,
    ],
    [
      'running, a stale recovery is not used',
      { serverRunning: true, live: null, grastate: gs(-1n), recovered: { uuid: U1, seqno: 7n } },
      '-1',
      'unknown',
      U1,
    ],
    [
      'stopped cleanly',
      { serverRunning: false, live: null, grastate: gs(1234n), recovered: null },
      '1234',
      'grastate',
      U1,
    ],
    [
      'stopped, live left over is ignored',
      { serverRunning: false, live: { seqno: 99n, uuid: U1 }, grastate: gs(5n), recovered: null },
      '5',
      'grastate',
      U1,
    ],
    [
      'crashed, recovered',
      { serverRunning: false, live: null, grastate: gs(-1n), recovered: { uuid: U1, seqno: 77n } },
      '77',
      'recovered',
      U1,
    ],
    [
      'crashed, recovery says -1 (never committed)',
      { serverRunning: false, live: null, grastate: gs(-1n), recovered: { uuid: U1, seqno: -1n } },
      '-1',
      'unknown',
      U1,
    ],
    [
      'crashed, not yet recovered',
      { serverRunning: false, live: null, grastate: gs(-1n), recovered: null },
      '-1',
      'unknown',
      U1,
    ],
    ['no grastate.dat', { serverRunning: false, live: null, grastate: null, recovered: null }, '-1', 'unknown', null],
    [
      'grastate with no seqno line',
      { serverRunning: false, live: null, grastate: gs(null), recovered: null },
      '-1',
      'unknown',
      U1,
    ],
    [
      'max signed 64-bit',
      { serverRunning: false, live: null, grastate: gs(9223372036854775807n), recovered: null },
      '9223372036854775807',
      'grastate',
      U1,
    ],
  ];
  for (const [what, input, seqno, source, uuid] of cases) {
    it(`${what} -> ${seqno} (${source})`, () => {
      const r = seqnoOf(input);
      assert.equal(r.seqno.toString(), seqno);
      assert.equal(r.source, source);
      assert.equal(r.uuid, uuid);
    });
  }

  it('asks for a recovery only for a stopped node whose grastate.dat has a uuid and seqno -1', () => {
    assert.equal(needsRecovery({ serverRunning: false, recoveryRunning: false, grastate: gs(-1n) }), true);
    assert.equal(needsRecovery({ serverRunning: true, recoveryRunning: false, grastate: gs(-1n) }), false);
    assert.equal(needsRecovery({ serverRunning: false, recoveryRunning: true, grastate: gs(-1n) }), false);
    assert.equal(needsRecovery({ serverRunning: false, recoveryRunning: false, grastate: gs(3n) }), false);
    assert.equal(needsRecovery({ serverRunning: false, recoveryRunning: false, grastate: gs(-1n, null) }), false);
    assert.equal(needsRecovery({ serverRunning: false, recoveryRunning: false, grastate: null }), false);
  });
});

describe('the seqno choice at its edges', () => {
  const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
  it('a live seqno without a UUID and no grastate.dat: no UUID', () => {
    assert.deepEqual(
      seqnoOf({ serverRunning: true, live: { seqno: 5n, uuid: null }, grastate: null, recovered: null }),
      { seqno: 5n, source: 'live', uuid: null },
    );
  });
  it('seqno 0 is a real position, from grastate.dat or a recovery', () => {
    assert.deepEqual(
      seqnoOf({
        serverRunning: false,
        live: null,
        grastate: { uuid: U, seqno: 0n, safeToBootstrap: false, problems: [] },
        recovered: null,
      }),
      { seqno: 0n, source: 'grastate', uuid: U },
    );
    assert.deepEqual(seqnoOf({ serverRunning: false, live: null, grastate: null, recovered: { uuid: U, seqno: 0n } }), {
      seqno: 0n,
      source: 'recovered',
      uuid: U,
    });
  });
});
