import { strict as assert } from 'node:assert';
import { grastateDamaged, needsRecovery, seqnoOf, SeqnoInput } from '../../../src/core/seqno';
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

describe('a damaged grastate.dat, or data without one: unreadable, not fresh', () => {
  const Z = '00000000-0000-0000-0000-000000000000';
  it('grastateDamaged: unreadable, or a file that names no UUID or no seqno; absent is not damaged', () => {
    const cases: [string, { value: Grastate | null; error: string | null }, boolean][] = [
      ['absent', { value: null, error: null }, false],
      ['a position', { value: gs(5n), error: null }, false],
      ['a crash (-1) still names its state', { value: gs(-1n), error: null }, false],
      ['unreadable', { value: null, error: 'is a symlink (not followed)' }, true],
      ['no seqno line', { value: gs(null), error: null }, true],
      ['no uuid line', { value: gs(5n, null), error: null }, true],
    ];
    for (const [what, file, want] of cases) assert.equal(grastateDamaged(file), want, what);
  });
  it('needsRecovery: InnoDB data next to a missing or damaged grastate.dat', () => {
    const base = { serverRunning: false, recoveryRunning: false };
    const cases: [string, Parameters<typeof needsRecovery>[0], boolean][] = [
      ['data, no grastate.dat', { ...base, grastate: null, hasData: true }, true],
      ['data, damaged grastate.dat', { ...base, grastate: gs(null), grastateDamaged: true, hasData: true }, true],
      ['no data, no grastate.dat: a fresh node', { ...base, grastate: null, hasData: false }, false],
      ['no data, damaged grastate.dat', { ...base, grastate: gs(null), grastateDamaged: true }, false],
      ['data and a good position', { ...base, grastate: gs(5n), grastateDamaged: false, hasData: true }, false],
      ['data, no file, but a server runs', { ...base, serverRunning: true, grastate: null, hasData: true }, false],
      [
        'data, no file, a recovery already runs',
        { ...base, recoveryRunning: true, grastate: null, hasData: true },
        false,
      ],
    ];
    for (const [what, input, want] of cases) assert.equal(needsRecovery(input), want, what);
  });
  it('seqnoOf: unreadable until a recovery says where the data is', () => {
    const stopped = { serverRunning: false, live: null, recovered: null };
    const cases: [string, SeqnoInput, string, string | null][] = [
      ['damaged file naming a UUID', { ...stopped, grastate: gs(null), grastateDamaged: true }, 'unreadable', U1],
      [
        'damaged file naming nothing',
        { ...stopped, grastate: gs(null, null), grastateDamaged: true },
        'unreadable',
        null,
      ],
      ['data without a file', { ...stopped, grastate: null, hasData: true }, 'unreadable', null],
      ['no data, no file: fresh', { ...stopped, grastate: null, hasData: false }, 'unknown', null],
      [
        'recovered: no Galera position in the data (zero UUID, -1): fresh',
        { ...stopped, grastate: null, hasData: true, recovered: { uuid: Z, seqno: -1n } },
        'unknown',
        Z,
      ],
      [
        'recovered a position: it wins over the damage',
        { ...stopped, grastate: gs(null), grastateDamaged: true, recovered: { uuid: U2, seqno: 7n } },
        'recovered',
        U2,
      ],
    ];
    for (const [what, input, source, uuid] of cases) {
      const r = seqnoOf(input);
      assert.deepEqual([r.source, r.uuid], [source, uuid], what);
      if (source !== 'recovered') assert.equal(r.seqno, -1n, what);
    }
  });
});
