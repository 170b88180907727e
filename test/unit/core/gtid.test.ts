// Seqno/UUID parsing, the recovered-position line and the seqno choice at their edges.
import { strict as assert } from 'node:assert';
import { parseRecoveredPosition } from '../../../src/core/recoverlog';
import { parseUuid } from '../../../src/core/gtid';
import { seqnoOf } from '../../../src/core/seqno';

describe('seqnos, UUIDs and recovered positions at their edges', () => {
  const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
  it('a UUID is trimmed and must be whole', () => {
    assert.equal(parseUuid(` ${U.toUpperCase()} `), U);
    assert.equal(parseUuid(`x${U}`), null);
  });
  it('the recovery line with no space after WSREP:, and with no colon after position', () => {
    assert.deepEqual(parseRecoveredPosition(`[Note] WSREP:Recovered position: ${U}:5\n`), { uuid: U, seqno: 5n });
    assert.deepEqual(parseRecoveredPosition(`[Note] WSREP: Recovered position ${U}:6\n`), { uuid: U, seqno: 6n });
    assert.deepEqual(parseRecoveredPosition(`[Note] WSREP: Recovered position:${U}:7\n`), { uuid: U, seqno: 7n });
  });
  it('a live seqno without a UUID and no grastate.dat: no UUID', () => {
    assert.deepEqual(seqnoOf({ serverRunning: true, live: { seqno: 5n, uuid: null }, grastate: null, recovered: null }), { seqno: 5n, source: 'live', uuid: null });
  });
  it('seqno 0 is a real position, from grastate.dat or a recovery', () => {
    assert.deepEqual(seqnoOf({ serverRunning: false, live: null, grastate: { uuid: U, seqno: 0n, safeToBootstrap: false, problems: [] }, recovered: null }), { seqno: 0n, source: 'grastate', uuid: U });
    assert.deepEqual(seqnoOf({ serverRunning: false, live: null, grastate: null, recovered: { uuid: U, seqno: 0n } }), { seqno: 0n, source: 'recovered', uuid: U });
  });
});
