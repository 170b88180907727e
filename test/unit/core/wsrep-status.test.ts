// The wsrep status text into typed values: each parser's edges (trim, width, sign, overflow), the
// defaults of a missing variable, and keepalived's idea of a healthy node.
import { strict as assert } from 'node:assert';
import { isHealthy } from '../../../src/core/health';
import { WsrepStatus, clusterStatusOf, parseWsrepStatus, membersOf } from '../../../src/core/wsrep-status';

const one = (k: string, v: string | undefined): WsrepStatus => parseWsrepStatus(v === undefined ? {} : { [k]: v }, null, null, true, 1);

describe('wsrep status values, parsed', () => {
  const cases: [string, keyof WsrepStatus, string | undefined, unknown][] = [
    ['wsrep_cluster_size', 'clusterSize', '3', 3],
    ['wsrep_cluster_size', 'clusterSize', ' 12 ', 12],
    ['wsrep_cluster_size', 'clusterSize', '1234567890', 1234567890],
    ['wsrep_cluster_size', 'clusterSize', '12345678901', null],
    ['wsrep_cluster_size', 'clusterSize', '3x', null],
    ['wsrep_cluster_size', 'clusterSize', 'x3', null],
    ['wsrep_cluster_size', 'clusterSize', '-1', null],
    ['wsrep_cluster_size', 'clusterSize', undefined, null],
    ['wsrep_local_index', 'localIndex', '0', 0],
    ['wsrep_local_index', 'localIndex', ' 12 ', 12],
    ['wsrep_local_index', 'localIndex', '-2', -2],
    ['wsrep_local_index', 'localIndex', 'x1', null],
    ['wsrep_local_index', 'localIndex', '1x', null],
    ['wsrep_local_index', 'localIndex', '-', null],
    ['wsrep_local_index', 'localIndex', '12345678901', null],
    ['wsrep_local_index', 'localIndex', undefined, null],
    ['wsrep_flow_control_sent', 'fcSent', ' 5 ', 5n],
    ['wsrep_flow_control_sent', 'fcSent', '18446744073709551615', 18446744073709551615n],
    ['wsrep_flow_control_sent', 'fcSent', '18446744073709551616', null],
    ['wsrep_flow_control_sent', 'fcSent', '-5', null],
    ['wsrep_flow_control_sent', 'fcSent', undefined, null],
    ['wsrep_flow_control_paused', 'fcPaused', '0.5', 0.5],
    ['wsrep_flow_control_paused', 'fcPaused', ' 2 ', 2],
    ['wsrep_flow_control_paused', 'fcPaused', '12.25', 12.25],
    ['wsrep_flow_control_paused', 'fcPaused', '-1.5', -1.5],
    ['wsrep_flow_control_paused', 'fcPaused', '1e3', 1000],
    ['wsrep_flow_control_paused', 'fcPaused', '1e+5', 100000],
    ['wsrep_flow_control_paused', 'fcPaused', '1.5E-2', 0.015],
    ['wsrep_flow_control_paused', 'fcPaused', '2e12', 2e12],
    ['wsrep_flow_control_paused', 'fcPaused', '1e400', null],
    ['wsrep_flow_control_paused', 'fcPaused', '1e', null],
    ['wsrep_flow_control_paused', 'fcPaused', 'x1', null],
    ['wsrep_flow_control_paused', 'fcPaused', '1x', null],
    ['wsrep_flow_control_paused', 'fcPaused', '0x10', null],
    ['wsrep_flow_control_paused', 'fcPaused', '', null],
    ['wsrep_flow_control_paused', 'fcPaused', '1.', null],
    ['wsrep_flow_control_paused', 'fcPaused', '.5', null],
    ['wsrep_flow_control_paused', 'fcPaused', undefined, null],
    ['wsrep_ready', 'ready', 'ON', true],
    ['wsrep_ready', 'ready', 'OFF', false],
    ['wsrep_ready', 'ready', 'on', null],
    ['wsrep_ready', 'ready', '', null],
    ['wsrep_ready', 'ready', undefined, null],
    ['wsrep_local_state', 'localState', '5', 5],
    ['wsrep_local_state', 'localState', '6', null],
    ['wsrep_local_state', 'localState', '0', 0],
    ['wsrep_local_state_comment', 'localStateComment', 'Synced', 'Synced'],
    ['wsrep_local_state_comment', 'localStateComment', 'c'.repeat(300), 'c'.repeat(255)],
    ['wsrep_local_state_comment', 'localStateComment', undefined, ''],
    ['wsrep_incoming_addresses', 'incomingAddresses', 'a'.repeat(5000), 'a'.repeat(4096)],
    ['wsrep_incoming_addresses', 'incomingAddresses', undefined, ''],
    ['wsrep_last_committed', 'lastCommitted', '42', 42n],
    ['wsrep_last_committed', 'lastCommitted', undefined, null],
    ['wsrep_cluster_conf_id', 'confId', '18446744073709551615', -1n],
    ['wsrep_cluster_conf_id', 'confId', '7', 7n],
    ['wsrep_cluster_status', 'clusterStatus', 'non-Primary', 'nonPrimary'],
    ['wsrep_cluster_status', 'clusterStatus', undefined, 'unknown'],
  ];
  for (const [k, field, v, want] of cases) {
    it(`${k} ${JSON.stringify(v)?.slice(0, 24) ?? 'missing'} → ${String(want).slice(0, 24)}`, () => assert.deepEqual(one(k, v)[field], want));
  }

  it('names the node from the variables, cut to 255, empty without them', () => {
    assert.equal(parseWsrepStatus({}, { wsrep_node_name: 'n'.repeat(300) }, null, true, 1).nodeName, 'n'.repeat(255));
    assert.equal(parseWsrepStatus({}, null, null, true, 1).nodeName, '');
  });

  it('with no status at all: unknown, no members, nothing read', () => {
    const h = parseWsrepStatus(null, null, [{ name: 'a', address: 'x', uuid: null }], false, 0);
    assert.equal(h.clusterStatus, 'unknown');
    assert.deepEqual(h.members, []);
    assert.equal(h.incomingAddresses, '');
    assert.equal(h.reachable, false);
  });

  it('members: the table when read, else the incoming addresses, trimmed, AUTO and blanks dropped', () => {
    const t = [{ name: 'a', address: '10.0.0.1:3306', uuid: null }];
    assert.equal(membersOf(t, 'x:1'), t);
    assert.deepEqual(membersOf([], ' x:1 , AUTO,, y:2'), [{ name: '', address: 'x:1', uuid: null }, { name: '', address: 'y:2', uuid: null }]);
    assert.deepEqual(membersOf(null, ''), []);
    assert.deepEqual(parseWsrepStatus({ wsrep_incoming_addresses: ' x:1 ' }, null, null, true, 1).members, [{ name: '', address: 'x:1', uuid: null }]);
  });

  it('cluster status names', () => {
    assert.deepEqual(['Primary', 'non-Primary', 'Disconnected', 'primary', undefined].map(clusterStatusOf), ['primary', 'nonPrimary', 'disconnected', 'unknown', 'unknown']);
  });
});

describe('a healthy node, for keepalived', () => {
  const h = (o: Partial<WsrepStatus>): WsrepStatus => ({ ...parseWsrepStatus({}, null, null, true, 1), clusterStatus: 'primary', ready: true, localState: 4, ...o });
  const cases: [string, Partial<WsrepStatus>, boolean, boolean, boolean][] = [
    ['Synced, Primary, ready', {}, true, false, true],
    ['no server', {}, false, false, false],
    ['unreachable', { reachable: false }, true, false, false],
    ['non-Primary', { clusterStatus: 'nonPrimary' }, true, false, false],
    ['not ready', { ready: false }, true, false, false],
    ['ready unknown', { ready: null }, true, false, false],
    ['Joined', { localState: 3 }, true, true, false],
    ['donor, donors not healthy', { localState: 2 }, true, false, false],
    ['donor, donors healthy', { localState: 2 }, true, true, true],
  ];
  for (const [what, o, running, donorOk, want] of cases) it(what, () => assert.equal(isHealthy(h(o), running, donorOk), want));
});
