// buildSnapshot: how the wsrep facts turn into readiness, which seqno a node shows, and the plain
// fields the outputs read; dataAge over the sources in use.
import { strict as assert } from 'node:assert';
import {
  SourceFacts,
  assembleSnapshot,
  NodeSnapshot,
  SnapshotInput,
  SourceHealth,
  WsrepInput,
  buildSnapshot,
  dataAge,
  snapshotToJson,
  wsrepInput,
} from '../../../src/core/snapshot';
import { parseWsrepStatus } from '../../../src/core/wsrep-status';
import { syncedStatus } from '../../helpers/fixtures';
import type { ProcessFacts } from '../../../src/core/procclass';

const U = '9acf4d34-acdb-11e6-bcc3-d3e36276629f';
const U2 = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const procs = (servers: { pid: number; bootstrap: boolean }[] = []): ProcessFacts => ({
  servers,
  recoveries: [],
  initiators: [],
});
const BOOT = [{ pid: 11, bootstrap: true }];
const synced: WsrepInput = {
  reachable: true,
  accepting: true,
  lastCommitted: 42n,
  uuid: U2,
  localState: 4,
  clusterStatus: 'primary',
  ready: true,
};
const input = (o: Partial<SnapshotInput> & { w?: Partial<WsrepInput> } = {}): SnapshotInput => ({
  at: 1000,
  nodeName: 'n1',
  processes: procs(BOOT),
  lock: { state: 'free' },
  grastate: { uuid: U, seqno: 7n, safeToBootstrap: true, problems: [] },
  gvwstate: null,
  recovered: null,
  sources: [],
  ...o,
  wsrep: { ...synced, ...o.w },
});

describe('the snapshot: a bootstrap server is ready when wsrep says so', () => {
  const cases: [string, Partial<WsrepInput>, 'running' | 'bootstrapping'][] = [
    ['Synced, Primary, ready', {}, 'running'],
    ['Synced, Primary, ready unknown', { ready: null }, 'running'],
    // Synced in a Primary component: the bootstrap is over (wsrep_ready is a client matter).
    ['Synced, Primary, not ready', { ready: false }, 'running'],
    ['Joined', { localState: 3 }, 'bootstrapping'],
    // A bootstrap forms its Primary component before it answers: non-Primary now means it was
    // Primary before, a fact the server itself gives after an agent restart.
    ['non-Primary', { clusterStatus: 'nonPrimary' }, 'running'],
    ['Donor/Desynced, Primary', { localState: 2 }, 'running'],
    // Unknown wsrep state: whether it accepts connections is all there is.
    ['unreachable, stale Synced values, not accepting', { reachable: false, accepting: false }, 'bootstrapping'],
    ['unreachable, stale Joined values, accepting', { reachable: false, localState: 3 }, 'running'],
    ['no local state, accepting', { localState: null, clusterStatus: 'nonPrimary' }, 'running'],
    ['no cluster status, accepting', { clusterStatus: 'unknown', localState: 3 }, 'running'],
    ['no local state, not accepting', { localState: null, accepting: false }, 'bootstrapping'],
  ];
  for (const [what, w, want] of cases) it(what, () => assert.equal(buildSnapshot(input({ w })).status, want));

  it('a bootstrap server seen ready before stays running, even next to another server', () => {
    const servers = [
      { pid: 11, bootstrap: true },
      { pid: 12, bootstrap: false },
    ];
    const silent = { reachable: false, accepting: false };
    assert.equal(
      buildSnapshot(input({ processes: procs(servers), readyBootstrapPid: 11, w: silent })).status,
      'running',
    );
    assert.equal(
      buildSnapshot(input({ processes: procs(servers), readyBootstrapPid: 12, w: silent })).status,
      'bootstrapping',
    );
  });
});

describe('the snapshot: seqno and plain fields', () => {
  it('a running server shows its live seqno and UUID', () => {
    const s = buildSnapshot(input());
    assert.deepEqual([s.seqno, s.seqnoSource, s.uuid], [42n, 'live', U2]);
  });
  it('live values left over after the server stopped are not used', () => {
    const s = buildSnapshot(input({ processes: procs() }));
    assert.deepEqual([s.seqno, s.seqnoSource, s.uuid], [7n, 'grastate', U]);
  });
  it('a running server that cannot be asked shows -1', () => {
    const s = buildSnapshot(input({ w: { lastCommitted: null } }));
    assert.deepEqual([s.seqno, s.seqnoSource, s.uuid], [-1n, 'unknown', U]);
  });
  it('copies the plain fields', () => {
    const view = { myUuid: U, viewId: `${U}:3`, members: [U], includesSelf: true };
    const sources: SourceHealth[] = [{ name: 'lock', state: 'ok', lastOkAt: 5, error: '' }];
    const s = buildSnapshot(
      input({ gvwstate: { view, problems: [] }, lock: { state: 'held', pid: 77, purpose: null }, sources }),
    );
    assert.deepEqual(
      {
        at: s.at,
        nodeName: s.nodeName,
        safe: s.safeToBootstrap,
        view: s.savedView,
        serverPid: s.serverPid,
        lockPid: s.lockPid,
        sources: s.sources,
      },
      { at: 1000, nodeName: 'n1', safe: true, view, serverPid: 11, lockPid: 77, sources },
    );
  });
  it('defaults when there is nothing to copy', () => {
    const s = buildSnapshot(
      input({
        processes: procs(),
        grastate: null,
        gvwstate: { view: null, problems: ['x'] },
        lock: { state: 'stale', pid: 9 },
      }),
    );
    assert.deepEqual(
      [s.safeToBootstrap, s.savedView, s.serverPid, s.lockPid, s.detectMs, s.instance],
      [null, null, 0, 0, 0, ''],
    );
    const s2 = buildSnapshot(input({ grastate: { uuid: U, seqno: 1n, safeToBootstrap: false, problems: [] } }));
    assert.equal(s2.safeToBootstrap, false);
  });
  it('as JSON: bigints as decimal strings', () => {
    const j = snapshotToJson(buildSnapshot(input()));
    assert.equal(j.seqno, '42');
    assert.equal(j.status, 'running');
  });
});

describe('the age of the data in use', () => {
  const snap = (sources: SourceHealth[]): NodeSnapshot => buildSnapshot(input({ sources }));
  const src = (state: SourceHealth['state'], lastOkAt: number): SourceHealth => ({
    name: 'lock',
    state,
    lastOkAt,
    error: '',
  });
  it('the oldest source that is not idle', () =>
    assert.equal(dataAge(snap([src('ok', 4000), src('failing', 3000), src('idle', 1)]), 5000), 2000));
  it('a source that never delivered makes the age "since ever"', () =>
    assert.equal(dataAge(snap([src('failing', 0)]), 5000), 5000));
  it('no sources, or facts from the future: 0', () => {
    assert.equal(dataAge(snap([]), 5000), 0);
    assert.equal(dataAge(snap([src('ok', 6000)]), 5000), 0);
  });
});

// The parsed SHOW STATUS as the readiness facts.
// Against fixtures captured from a real MariaDB 10.11 + Galera 4 node (test/fixtures) and their
// broken variants.
describe('wsrep status values', () => {
  it('reads a real SHOW STATUS capture', () => {
    const rows = syncedStatus();
    const v = wsrepInput(parseWsrepStatus(rows, null, null, true, 1), true);
    assert.equal(v.localState, 4);
    assert.equal(v.clusterStatus, 'primary');
    assert.equal(v.ready, true);
    assert.equal(v.lastCommitted, 1n);
    assert.equal(v.uuid, rows.wsrep_local_state_uuid);
  });
  it('turns nonsense into unknowns, not exceptions', () => {
    assert.deepEqual(
      wsrepInput(
        parseWsrepStatus(
          {
            wsrep_local_state: '9',
            wsrep_last_committed: 'NaN',
            wsrep_local_state_uuid: 'x',
            wsrep_cluster_status: 'Weird',
          },
          null,
          null,
          true,
          1,
        ),
        true,
      ),
      {
        reachable: true,
        accepting: true,
        lastCommitted: null,
        uuid: null,
        localState: null,
        clusterStatus: 'unknown',
        ready: null,
      },
    );
  });
  it('one parse: an empty wsrep_local_state is unknown, for readiness and for the MIB alike', () => {
    const h = parseWsrepStatus({ wsrep_local_state: '', wsrep_cluster_status: 'Primary' }, null, null, true, 1);
    assert.equal(h.localState, null);
    assert.equal(wsrepInput(h, true).localState, null);
  });
  it('the cluster status is parsed once and passed on as parsed (no second spelling)', () => {
    const cs = (v: string): string =>
      wsrepInput(parseWsrepStatus({ wsrep_cluster_status: v }, null, null, true, 1), true).clusterStatus;
    assert.deepEqual(['Primary', 'non-Primary', 'Disconnected', 'x'].map(cs), [
      'primary',
      'nonPrimary',
      'disconnected',
      'unknown',
    ]);
  });
});

describe("assembleSnapshot: from the sources' facts, the one path of the agent and galera-check", () => {
  const facts = (o: Partial<SourceFacts> = {}): SourceFacts => ({
    processes: procs([{ pid: 10, bootstrap: false }]),
    lock: { state: 'free' },
    grastate: { value: { uuid: U, seqno: -1n, safeToBootstrap: false, problems: [] }, version: 'v1', error: null },
    mysql: {
      reachable: true,
      accepting: true,
      at: 900,
      closed: false,
      error: null,
      variables: null,
      members: null,
      status: {
        wsrep_last_committed: '42',
        wsrep_local_state_uuid: U2,
        wsrep_local_state: '4',
        wsrep_cluster_status: 'Primary',
        wsrep_cluster_size: '3',
      },
    },
    recovery: { position: null, hasData: false, running: false, error: '' },
    gvwstate: { value: null, version: 'absent', error: null },
    init: { value: null, version: 'absent', error: null },
    maintenance: { value: null, version: 'absent', error: null },
    ...o,
  });
  const rows: SourceHealth[] = [{ name: 'processes', state: 'ok', lastOkAt: 990, error: '' }];
  const node = { nodeName: 'n1', detectMs: 250, instance: 'i-9', mysqlPolled: true };

  it('a running server: the one parse of SHOW STATUS gives the live seqno, readiness and the wsrep facts', () => {
    const s = assembleSnapshot(facts(), rows, 1000, node);
    assert.deepEqual([s.status, s.seqno, s.seqnoSource, s.uuid], ['running', 42n, 'live', U2]);
    assert.deepEqual(
      [s.wsrep.localState, s.wsrep.clusterStatus, s.wsrep.clusterSize, s.wsrep.at],
      [4, 'primary', 3, 900],
    );
    assert.deepEqual([s.at, s.nodeName, s.detectMs, s.instance, s.serverPid], [1000, 'n1', 250, 'i-9', 10]);
    assert.equal(s.sources, rows);
  });
  it('a bootstrap server: not accepting is bootstrapping; polling off takes it as running', () => {
    const boot = {
      processes: procs(BOOT),
      mysql: { ...facts().mysql, reachable: false, accepting: false, status: null, at: 0 },
    };
    assert.equal(assembleSnapshot(facts(boot), rows, 1000, node).status, 'bootstrapping');
    assert.equal(assembleSnapshot(facts(boot), rows, 1000, { ...node, mysqlPolled: false }).status, 'running');
    assert.equal(
      assembleSnapshot(facts(boot), rows, 1000, node, 11).status,
      'running',
      'seen ready before by this agent',
    );
  });
  it('stopped: a damaged grastate.dat is unreadable; a recovered position wins; data without a file is unreadable', () => {
    const stopped = { processes: procs() };
    const damaged = { value: null, version: 'error:EACCES', error: 'not readable' };
    assert.equal(assembleSnapshot(facts({ ...stopped, grastate: damaged }), rows, 1, node).seqnoSource, 'unreadable');
    const rec = { position: { uuid: U2, seqno: 77n }, hasData: true, running: false, error: '' };
    const r = assembleSnapshot(facts({ ...stopped, grastate: damaged, recovery: rec }), rows, 1, node);
    assert.deepEqual([r.seqno, r.seqnoSource, r.uuid], [77n, 'recovered', U2]);
    const absent = { value: null, version: 'absent', error: null };
    const noFile = facts({ ...stopped, grastate: absent, recovery: { ...rec, position: null } });
    assert.equal(assembleSnapshot(noFile, rows, 1, node).seqnoSource, 'unreadable');
    assert.equal(
      assembleSnapshot({ ...noFile, recovery: { ...noFile.recovery, hasData: false } }, rows, 1, node).seqnoSource,
      'unknown',
    );
  });
  it('wsrepInput: the parse as parsed, with the accepting flag of the connection', () => {
    const h = parseWsrepStatus(
      {
        wsrep_cluster_status: 'non-Primary',
        wsrep_local_state: '0',
        wsrep_ready: 'OFF',
        wsrep_last_committed: '9',
        wsrep_local_state_uuid: U,
      },
      null,
      null,
      false,
      3,
    );
    assert.deepEqual(wsrepInput(h, false), {
      reachable: false,
      accepting: false,
      lastCommitted: 9n,
      uuid: U,
      localState: 0,
      clusterStatus: 'nonPrimary',
      ready: false,
    });
  });
});
