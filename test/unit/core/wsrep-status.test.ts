// The wsrep status text into typed values: each parser's edges (trim, width, sign, overflow), the
// defaults of a missing variable.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DEFAULT_HEALTH_POLICY, isHealthy } from '../../../src/core/health';
import {
  CLUSTER_STATUS_TEXT,
  LOCAL_STATE,
  WsrepStatus,
  clusterStatusOf,
  isSyncedPrimary,
  listCount,
  PC_BOOTSTRAP_OPTIONS,
  PC_BOOTSTRAP_VARIABLE,
  parseWsrepStatus,
  pcBootstrapStatementOf,
  membersOf,
} from '../../../src/core/wsrep-status';
import { check } from '../../helpers/fuzz';
import { syncedStatus } from '../../helpers/fixtures';

const one = (k: string, v: string | undefined): WsrepStatus =>
  parseWsrepStatus(v === undefined ? {} : { [k]: v }, null, null, true, 1);

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
    ['wsrep_local_cert_failures', 'certFailures', '18446744073709551615', 2n ** 64n - 1n],
    ['wsrep_local_cert_failures', 'certFailures', '-1', null],
    ['wsrep_local_bf_aborts', 'bfAborts', '42', 42n],
    ['wsrep_local_bf_aborts', 'bfAborts', undefined, null],
    ['wsrep_evs_state', 'evsState', 'OPERATIONAL', 'operational'],
    ['wsrep_evs_state', 'evsState', 'GATHER', 'gather'],
    ['wsrep_evs_state', 'evsState', ' install ', 'install'],
    ['wsrep_evs_state', 'evsState', 'toString', null],
    ['wsrep_evs_state', 'evsState', '', null],
    ['wsrep_evs_state', 'evsState', undefined, null],
    ['wsrep_evs_delayed', 'evsDelayed', ' u1:tcp://10.0.0.2:4567:1 ', 'u1:tcp://10.0.0.2:4567:1'],
    ['wsrep_evs_evict_list', 'evsEvictList', undefined, ''],
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
    it(`${k} ${JSON.stringify(v)?.slice(0, 24) ?? 'missing'} → ${String(want).slice(0, 24)}`, () =>
      assert.deepEqual(one(k, v)[field], want));
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
    assert.deepEqual(membersOf([], ' x:1 , AUTO,, y:2'), [
      { name: '', address: 'x:1', uuid: null },
      { name: '', address: 'y:2', uuid: null },
    ]);
    assert.deepEqual(membersOf(null, ''), []);
    assert.deepEqual(parseWsrepStatus({ wsrep_incoming_addresses: ' x:1 ' }, null, null, true, 1).members, [
      { name: '', address: 'x:1', uuid: null },
    ]);
  });

  it('cluster status names', () => {
    assert.deepEqual(['Primary', 'non-Primary', 'Disconnected', 'primary', undefined].map(clusterStatusOf), [
      'primary',
      'nonPrimary',
      'disconnected',
      'unknown',
      'unknown',
    ]);
  });
});

describe('the pc.bootstrap statement a server takes', () => {
  it('the variable where the provider is a plugin (MariaDB 11.8), the provider option otherwise, unknown unread', () => {
    const pc = (v: Record<string, string> | null): string =>
      parseWsrepStatus(syncedStatus(), v, null, true, 1).pcBootstrap;
    assert.equal(pc({ wsrep_provider_pc_bootstrap: 'OFF', wsrep_node_name: 'n' }), PC_BOOTSTRAP_VARIABLE);
    assert.equal(pc({ wsrep_provider_options: 'gcache.size = 8M', wsrep_node_name: 'n' }), PC_BOOTSTRAP_OPTIONS);
    assert.equal(pc(null), '', 'not read: unknown, so the caller falls back and the MIB says empty');
    assert.equal(
      pcBootstrapStatementOf(Object.create({ wsrep_provider_pc_bootstrap: 'x' }) as Record<string, string>),
      PC_BOOTSTRAP_OPTIONS,
    );
  });
});

describe('the EVS lists, counted', () => {
  it('counts the entries of wsrep_evs_delayed and wsrep_evs_evict_list, blanks aside', () => {
    assert.deepEqual(
      ['', ' ', 'a:tcp://10.0.0.2:4567:3', 'a:tcp://10.0.0.2:4567:3,b:tcp://10.0.0.3:4567:1', 'u1,,u2,'].map(listCount),
      [0, 0, 1, 2, 2],
    );
  });
  it('reads the real Synced capture: operational, nothing delayed or evicted, no conflicts', () => {
    const w = parseWsrepStatus(syncedStatus(), null, null, true, 1);
    assert.deepEqual(
      [w.evsState, w.evsDelayed, w.evsEvictList, w.certFailures, w.bfAborts],
      ['operational', '', '', 0n, 0n],
    );
  });
});

describe('wsrep health parsing', () => {
  const status = syncedStatus();
  it('reads a real Synced node', () => {
    const h = parseWsrepStatus(
      status,
      { wsrep_provider_options: 'gcache.size = 8M', wsrep_node_name: 'n1' },
      null,
      true,
      5,
    );
    assert.equal(h.clusterStatus, 'primary');
    assert.equal(h.clusterSize, 1);
    assert.equal(h.localState, 4);
    assert.equal(h.ready, true);
    assert.equal(h.gcacheBytes, 8 * 1024 * 1024);
    assert.equal(h.nodeName, 'n1');
    assert.ok(h.receivedBytes !== null && h.replicatedBytes !== null);
    assert.ok(isHealthy(h, true, DEFAULT_HEALTH_POLICY));
    assert.equal(isHealthy(h, false, DEFAULT_HEALTH_POLICY), false);
  });
  it('turns a non-Primary conf id of 2^64-1 into -1', () => {
    assert.equal(
      parseWsrepStatus(
        { wsrep_cluster_conf_id: '18446744073709551615', wsrep_cluster_status: 'non-Primary' },
        null,
        null,
        true,
        1,
      ).confId,
      -1n,
    );
  });
  it('makes garbage unknown, never an exception', () => {
    const h = parseWsrepStatus(
      {
        wsrep_local_state: '7',
        wsrep_cluster_size: '-3',
        wsrep_flow_control_paused: 'NaN',
        wsrep_received_bytes: '99999999999999999999999',
        wsrep_ready: 'maybe',
      },
      null,
      null,
      true,
      1,
    );
    assert.equal(h.localState, null);
    assert.equal(h.clusterSize, null);
    assert.equal(h.fcPaused, null);
    assert.equal(h.receivedBytes, null);
    assert.equal(h.ready, null);
    assert.equal(h.clusterStatus, 'unknown');
  });
  it('maps the cluster status strings', () => {
    assert.deepEqual(['Primary', 'non-Primary', 'Disconnected', 'x'].map(clusterStatusOf), [
      'primary',
      'nonPrimary',
      'disconnected',
      'unknown',
    ]);
  });
  it('falls back to the incoming addresses for members', () => {
    assert.deepEqual(membersOf(null, '127.0.0.1:3306,127.0.0.1:3307,AUTO'), [
      { name: '', address: '127.0.0.1:3306', uuid: null },
      { name: '', address: '127.0.0.1:3307', uuid: null },
    ]);
    assert.deepEqual(membersOf([{ name: 'a', address: 'x', uuid: null }], 'y'), [
      { name: 'a', address: 'x', uuid: null },
    ]);
  });
});

// Fuzzed with fast-check (test/helpers/fuzz.ts): whatever the input, a typed value or the
// parser's own typed error, never another exception.
describe('fuzzing the parsers of outside text', () => {
  const statusKeys = [
    'wsrep_local_state',
    'wsrep_cluster_status',
    'wsrep_cluster_size',
    'wsrep_cluster_conf_id',
    'wsrep_last_committed',
    'wsrep_received_bytes',
    'wsrep_flow_control_paused',
    'wsrep_ready',
    'wsrep_incoming_addresses',
  ];
  check(
    'wsrep-status',
    fc.dictionary(
      fc.constantFrom(...statusKeys),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('4', '-1', 'Primary', 'ON', '18446744073709551615', '1e400', 'NaN'),
      ),
    ),
    (s) => JSON.parse(s) as Record<string, string>,
    (st) => {
      const h = parseWsrepStatus(st, { wsrep_provider_options: String(st.wsrep_ready ?? '') }, null, true, 1);
      assert.ok(h.localState === null || (h.localState >= 0 && h.localState <= 5));
      assert.ok(h.fcPaused === null || Number.isFinite(h.fcPaused));
      assert.ok(['primary', 'nonPrimary', 'disconnected', 'unknown'].includes(h.clusterStatus));
    },
  );
});

describe("Galera's states, named once", () => {
  it("the local states are Galera's numbers (wsrep_local_state_comment in words)", () => {
    assert.deepEqual(LOCAL_STATE, { joining: 1, donor: 2, joined: 3, synced: 4 });
  });
  it('each cluster status text parses to its name, and back', () => {
    for (const [name, text] of Object.entries(CLUSTER_STATUS_TEXT)) assert.equal(clusterStatusOf(text), name);
  });
  it('"Synced in the Primary component" needs both', () => {
    const w = (cs: string, ls: string): WsrepStatus =>
      parseWsrepStatus({ wsrep_cluster_status: cs, wsrep_local_state: ls }, null, null, true, 1);
    assert.equal(isSyncedPrimary(w('Primary', '4')), true);
    assert.equal(isSyncedPrimary(w('Primary', '2')), false, 'a Donor is not Synced');
    assert.equal(isSyncedPrimary(w('Primary', '3')), false, 'Joined is not Synced yet');
    assert.equal(isSyncedPrimary(w('non-Primary', '4')), false, 'Synced values of a non-Primary node');
    assert.equal(isSyncedPrimary(w('Disconnected', '4')), false);
  });
});
