// mib.scalar: a plain JS value typed as GALERA-MIB declares the object, so no caller picks an
// SNMP type by hand.

import { strict as assert } from 'node:assert';
import { MibObject, loadMib, typedValue } from '../../../src/snmp/mib';
import { ValueType } from '../../../src/snmp/agentx/pdu';

const mib = loadMib();
const obj = (type: ValueType, extra: Partial<MibObject> = {}): MibObject => ({
  name: 'x',
  oid: [1],
  type,
  syntax: 'x',
  access: 'read-only',
  ...extra,
});

describe('values typed from the MIB', () => {
  it('reads SYNTAX, MAX-ACCESS and SIZE from the MIB', () => {
    assert.deepEqual(
      [mib.object('galeraNodeName').syntax, mib.object('galeraNodeName').maxSize],
      ['DisplayString', 255],
    );
    assert.equal(mib.object('galeraStatusReason').maxSize, 255, 'DisplayString without a SIZE is 0..255 (RFC 2579)');
    assert.equal(mib.object('galeraAgentInstance').maxSize, 64);
    assert.equal(mib.object('galeraStateUuid').maxSize, 36, 'through the TEXTUAL-CONVENTION');
    assert.equal(mib.object('galeraWsrepReachable').syntax, 'TruthValue');
    assert.equal(mib.object('galeraPrevStatus').access, 'accessible-for-notify');
    assert.equal(mib.object('galeraSourceIndex').access, 'not-accessible');
  });

  it('enumerations: a label becomes its number; a number stays', () => {
    assert.deepEqual(mib.scalar('galeraStatus', 'running'), { type: ValueType.Integer, value: 2 });
    assert.deepEqual(mib.scalar('galeraPrevStatus', 'stopped'), { type: ValueType.Integer, value: 5 });
    assert.deepEqual(mib.scalar('galeraLocalState', 4), { type: ValueType.Integer, value: 4 });
    assert.throws(() => mib.scalar('galeraStatus', 'sleeping'), /galeraStatus has no value sleeping/);
  });

  it('TruthValue: true(1), false(2); a boolean for anything else is a bug', () => {
    assert.deepEqual(mib.scalar('galeraReady', true), { type: ValueType.Integer, value: 1 });
    assert.deepEqual(mib.scalar('galeraWindowLow', false), { type: ValueType.Integer, value: 2 });
    assert.throws(
      () => mib.scalar('galeraClusterSize', true),
      /galeraClusterSize \(Gauge32\) cannot hold the boolean true/,
    );
    assert.throws(() => mib.scalar('galeraLocalIndex', false), /cannot hold/);
  });

  it('Integer32: rounded and kept within its range', () => {
    assert.deepEqual(mib.scalar('galeraLocalIndex', -1), { type: ValueType.Integer, value: -1 });
    assert.equal((mib.scalar('galeraLocalIndex', 2 ** 40) as { value: number }).value, 2 ** 31 - 1);
  });

  it('Gauge32 and Unsigned32: rounded, within 0..2^32-1 (a gauge sticks at its maximum)', () => {
    assert.deepEqual(mib.scalar('galeraServerPid', 4242), { type: ValueType.Gauge32, value: 4242 });
    assert.deepEqual(mib.scalar('galeraClusterSize', 2.6), { type: ValueType.Gauge32, value: 3 });
    assert.equal((mib.scalar('galeraGcacheSize', -5) as { value: number }).value, 0);
    assert.equal((mib.scalar('galeraAgentDataAge', 2 ** 40) as { value: number }).value, 0xffffffff);
    assert.equal((mib.scalar('galeraAgentDataAge', 2n ** 40n) as { value: number }).value, 0xffffffff);
    assert.equal((mib.scalar('galeraAgentDataAge', NaN) as { value: number }).value, 0);
    assert.throws(() => mib.scalar('galeraClusterSize', 'three'), /cannot hold the string three/);
  });

  it('Counter32 wraps modulo 2^32; TimeTicks is kept within 32 bits', () => {
    assert.deepEqual(typedValue(obj(ValueType.Counter32), 2 ** 32 + 5), { type: ValueType.Counter32, value: 5 });
    assert.deepEqual(typedValue(obj(ValueType.Counter32), 2n ** 32n + 7n), { type: ValueType.Counter32, value: 7 });
    assert.deepEqual(typedValue(obj(ValueType.TimeTicks), 100), { type: ValueType.TimeTicks, value: 100 });
  });

  it('Counter64: a bigint or a number, within 0..2^64-1', () => {
    assert.deepEqual(mib.scalar('galeraFlowControlSent', 2n ** 40n), { type: ValueType.Counter64, value: 2n ** 40n });
    assert.deepEqual(mib.scalar('galeraFlowControlSent', 12), { type: ValueType.Counter64, value: 12n });
    assert.deepEqual(mib.scalar('galeraFlowControlSent', -1n), { type: ValueType.Counter64, value: 0n });
    assert.deepEqual(mib.scalar('galeraFlowControlSent', 2n ** 70n), {
      type: ValueType.Counter64,
      value: 2n ** 64n - 1n,
    });
  });

  it('OCTET STRINGs: text clipped to the SIZE on a UTF-8 boundary, numbers as decimal text', () => {
    assert.deepEqual(mib.scalar('galeraSeqno', -9223372036854775808n), {
      type: ValueType.OctetString,
      value: '-9223372036854775808',
    });
    assert.deepEqual(mib.scalar('galeraClusterConfId', 7n), { type: ValueType.OctetString, value: '7' });
    const long = mib.scalar('galeraStatusReason', `${'a'.repeat(254)}☃`) as { value: string };
    assert.equal(long.value, 'a'.repeat(254), 'the snowman would cross byte 255: left out whole');
    assert.equal(Buffer.byteLength((mib.scalar('galeraAgentInstance', 'é'.repeat(40)) as { value: string }).value), 64);
    assert.deepEqual(mib.scalar('galeraNodeName', Buffer.from('n1')), {
      type: ValueType.OctetString,
      value: Buffer.from('n1'),
    });
    assert.throws(() => mib.scalar('galeraNodeName', true), /cannot hold the boolean/);
  });

  it('an object the MIB does not have fails loudly', () => {
    assert.throws(() => mib.scalar('galeraNoSuch', 1), /GALERA-MIB has no object galeraNoSuch/);
  });
});
