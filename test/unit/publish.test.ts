import { strict as assert } from 'node:assert';
import { buildView, clipUtf8, intValue, notificationVarbinds } from '../../src/snmp/publish';
import { loadMib } from '../../src/snmp/mib';
import { ValueType } from '../../src/snmp/agentx/pdu';
import { getExact } from '../../src/snmp/view';
import type { NodeSnapshot } from '../../src/core/snapshot';

const mib = loadMib();
const snap: NodeSnapshot = {
  at: 1000, nodeName: 'n1', status: 'running', reason: 'server pid 1 is running', seqno: -9223372036854775808n, seqnoSource: 'live',
  uuid: null, safeToBootstrap: null, serverPid: 1, lockPid: 0, detectMs: 200, instance: 'i-1',
  savedView: { myUuid: 'ef7717df-e6e6-11f1-bbaa-8630e67cc465', viewId: 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3', members: ['ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48', 'ef7717df-e6e6-11f1-bbaa-8630e67cc465'], includesSelf: true },
  sources: [{ name: 'processes', state: 'ok', lastOkAt: 900, error: '' }, { name: 'lock', state: 'idle', lastOkAt: 0, error: '' },
    { name: 'grastate', state: 'idle', lastOkAt: 0, error: '' }, { name: 'mysql', state: 'failing', lastOkAt: 0, error: 'refused' }],
};

describe('publishing a snapshot', () => {
  it('derives every OID from the MIB root and serves the values', () => {
    const view = buildView(mib, snap, () => 1500);
    const get = (name: string, idx = 0) => getExact(view, [...mib.object(name).oid, idx]).value as { type: number; value: unknown };
    assert.deepEqual(mib.object('galeraStatus').oid.slice(0, mib.root.length), mib.root);
    assert.equal(get('galeraStatus').value, 2);
    assert.equal(get('galeraSeqno').value, '-9223372036854775808');
    assert.equal(get('galeraSafeToBootstrap').value, 3);
    assert.equal(get('galeraStateUuid').value, '');
    assert.equal(get('galeraSavedPcMembers').value, 2);
    assert.equal(get('galeraSavedPcViewId').value, 'ef5ff90b-e6e6-11f1-9ba1-8a2b984e0e48:3');
    assert.equal(get('galeraAgentDataAge').value, 1500, 'the never-succeeded mysql source makes the data as old as it gets');
    assert.equal(get('galeraSourceAge', 1).value, 600);
    assert.equal(get('galeraSourceAge', 4).value, 0xffffffff);
    assert.equal(get('galeraSourceState', 4).value, 2);
    assert.equal(getExact(view, [...mib.object('galeraSourceName').oid, 5]).value.type, ValueType.NoSuchInstance, 'one row per source, indexed by its place in the list');
  });

  it('builds galeraStatusChanged with snmpTrapOID first and the MIB\'s OBJECTS in order', () => {
    const vbs = notificationVarbinds(mib, buildView(mib, snap), 'galeraStatusChanged', { galeraPrevStatus: intValue(5) });
    assert.deepEqual(vbs[0].value, { type: ValueType.ObjectIdentifier, value: mib.notifications.get('galeraStatusChanged')!.oid });
    assert.deepEqual(vbs.slice(1).map((v: { oid: readonly number[] }) => v.oid.join('.')), mib.notifications.get('galeraStatusChanged')!.objects.map((o) => `${mib.object(o).oid.join('.')}.0`));
    assert.equal((vbs[3].value as { value: number }).value, 5);
  });

  it('clips text on a UTF-8 character boundary', () => {
    assert.equal(clipUtf8('ab☃', 4).toString(), 'ab');
    assert.equal(clipUtf8('abc', 10).toString(), 'abc');
  });
});
