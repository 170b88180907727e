// galeraStatus, case by case. Each expectation is written out by hand from the rule it names
// (bootstrapping > running > initiating > locked > stopped), with the reason the operator reads:
// no oracle that mirrors statusOf.

import { strict as assert } from 'node:assert';
import { buildSnapshot } from '../../../src/core/snapshot';
import { loadMib } from '../../../src/snmp/mib';
import { LockState, NODE_STATUSES, NodeStatus, Readiness, isReady, statusOf } from '../../../src/core/status';
import type { ProcessFacts } from '../../../src/core/procclass';
import { ClusterStatus, clusterStatusOf } from '../../../src/core/wsrep-status';

const p = (x: Partial<ProcessFacts>): ProcessFacts => ({ servers: [], initiators: [], recoveries: [], ...x });
const boot = [{ pid: 11, bootstrap: true }];
const normal = [{ pid: 10, bootstrap: false }];
const free: LockState = { state: 'free' };
const heldInit: LockState = { state: 'held', pid: 50, purpose: 'galera-init' };
const heldRecovery: LockState = { state: 'held', pid: 60, purpose: 'wsrep-recover' };
const down: Readiness = { accepting: false, clusterStatus: 'unknown', localState: null };
// The cases read in Galera's own words (SHOW STATUS), parsed at the edge as the agent does.
const r = (galera: string | null, localState: number | null, accepting = true): Readiness => ({
  accepting,
  clusterStatus: galera === null ? 'unknown' : clusterStatusOf(galera),
  localState,
});

describe('galeraStatus, case by case', () => {
  const cases: [string, ProcessFacts, LockState, Readiness, NodeStatus, RegExp][] = [
    ['nothing at all', p({}), free, down, 'stopped', /^no server, initiator or lock$/],
    [
      'a stale lock is ignored, and said',
      p({}),
      { state: 'stale', pid: 4242 },
      down,
      'stopped',
      /stale lock of dead pid 4242 ignored/,
    ],
    [
      'an unreadable lock is ignored, and said',
      p({}),
      { state: 'unreadable', error: 'EACCES' },
      down,
      'stopped',
      /lock file unreadable: EACCES/,
    ],
    [
      'a recovery run holds the lock',
      p({ recoveries: [60] }),
      heldRecovery,
      down,
      'locked',
      /lock held by pid 60 \(wsrep-recover\)/,
    ],
    [
      'a recovery runs without the lock (another tool)',
      p({ recoveries: [80] }),
      free,
      down,
      'locked',
      /--wsrep-recover pid 80 is looking up the seqno/,
    ],
    [
      'the initiator holds the lock',
      p({ initiators: [50] }),
      heldInit,
      down,
      'locked',
      /lock held by pid 50 \(galera-init\)/,
    ],
    [
      'an initiator waits without the lock',
      p({ initiators: [51] }),
      free,
      down,
      'initiating',
      /galera-init pid 51 is running without the lock/,
    ],
    [
      'a second initiator waits while the first holds the lock',
      p({ initiators: [50, 51] }),
      heldInit,
      down,
      'initiating',
      /pid 51 is running without/,
    ],
    [
      'initiating outranks a running recovery',
      p({ initiators: [51], recoveries: [80] }),
      free,
      down,
      'initiating',
      /pid 51/,
    ],
    [
      'a joined server runs, whatever the lock',
      p({ servers: normal, initiators: [50] }),
      heldInit,
      down,
      'running',
      /server pid 10 is running$/,
    ],
    // Several processes of a kind are all named, each PID once.
    [
      'two servers (a second instance, or a restart racing the old one)',
      p({ servers: [...normal, { pid: 12, bootstrap: false }] }),
      free,
      down,
      'running',
      /^server pid 10,12 is running$/,
    ],
    [
      'two initiators wait without the lock',
      p({ initiators: [51, 52] }),
      free,
      down,
      'initiating',
      /^galera-init pid 51,52 is running without the lock$/,
    ],
    [
      'two recoveries run without the lock',
      p({ recoveries: [80, 81] }),
      free,
      down,
      'locked',
      /^--wsrep-recover pid 80,81 is looking up the seqno$/,
    ],
    [
      'a lock with no purpose line (an older initiator) names only its pid',
      p({}),
      { state: 'held', pid: 50, purpose: null },
      down,
      'locked',
      /^lock held by pid 50$/,
    ],
    // Only a held lock's owner is the holder: a stale lock whose PID was reused by a new
    // galera-init (lock.ts tells them apart by start time) does not hide that initiator.
    [
      "a stale lock's PID reused by an initiator that waits",
      p({ initiators: [4242] }),
      { state: 'stale', pid: 4242 },
      down,
      'initiating',
      /^galera-init pid 4242 is running without the lock$/,
    ],
    // "started to bootstrap; X now" is said only of a bootstrap server that answers and left Primary.
    [
      'a joined server that is non-Primary is plainly running (it never bootstrapped)',
      p({ servers: normal }),
      free,
      r('non-Primary', 1),
      'running',
      /^server pid 10 is running$/,
    ],
    [
      'a bootstrap server not yet answering',
      p({ servers: boot }),
      free,
      down,
      'bootstrapping',
      /pid 11 started to bootstrap a new cluster, not yet accepting connections/,
    ],
    [
      'a bootstrap server Primary but still Joined',
      p({ servers: boot }),
      free,
      r('Primary', 3),
      'bootstrapping',
      /Primary, not yet Synced/,
    ],
    [
      'a bootstrap server Primary and Synced',
      p({ servers: boot }),
      free,
      r('Primary', 4),
      'running',
      /server pid 11 is running$/,
    ],
    [
      'a bootstrap server Primary and Donor (it serves a joiner)',
      p({ servers: boot }),
      free,
      r('Primary', 2),
      'running',
      /pid 11 is running/,
    ],
    [
      'a bootstrap server now non-Primary was Primary before: running',
      p({ servers: boot }),
      free,
      r('non-Primary', 1),
      'running',
      /started to bootstrap; non-Primary now/,
    ],
    [
      'a bootstrap server now Disconnected: running',
      p({ servers: boot }),
      free,
      r('Disconnected', 0),
      'running',
      /Disconnected now/,
    ],
    [
      'a bootstrap server that accepts but whose wsrep state is unreadable (no credentials)',
      p({ servers: boot }),
      free,
      r(null, null),
      'running',
      /^server pid 11 is running$/,
    ],
    [
      'bootstrapping outranks a normal server and the lock',
      p({ servers: [...normal, ...boot], initiators: [51] }),
      heldInit,
      down,
      'bootstrapping',
      /pid 11 started to bootstrap/,
    ],
  ];
  for (const [what, procs, lock, readiness, want, reason] of cases) {
    it(`${what} -> ${want}`, () => {
      const got = statusOf({ processes: procs, lock, readiness });
      assert.equal(got.status, want);
      assert.match(got.reason, reason);
    });
  }

  it('knows every galeraStatus value of the MIB, so that peers.ts accepts each one a peer sends', () => {
    const labels = Object.keys(loadMib().object('galeraStatus').enumValues ?? {});
    assert.ok(labels.length > 0);
    assert.deepEqual([...NODE_STATUSES].sort(), [...labels].sort());
  });

  it('a bootstrap server seen ready by this agent stays running when it stops answering (shutdown, max_connections)', () => {
    assert.equal(
      statusOf({ processes: p({ servers: boot }), lock: free, readiness: down }).status,
      'bootstrapping',
      'never seen ready',
    );
    assert.equal(
      statusOf({ processes: p({ servers: boot }), lock: free, readiness: { ...down, wasReady: true } }).status,
      'running',
    );
  });

  it('readiness needs a connection first: no cluster status makes a silent server ready', () => {
    assert.equal(isReady(r('non-Primary', 1, false)), false);
    assert.equal(isReady(r('Primary', 4, false)), false);
    assert.equal(isReady(r('Primary', 1)), false);
    assert.equal(isReady(r('Primary', null)), true);
  });
});

describe('galeraStatus from the snapshot: facts that survive an agent restart', () => {
  const base = { at: 1, nodeName: 'n', lock: free, grastate: null, gvwstate: null, recovered: null, sources: [] };
  const w = (
    x: Partial<{ reachable: boolean; accepting: boolean; clusterStatus: ClusterStatus; localState: number | null }>,
  ) => ({
    reachable: false,
    accepting: false,
    lastCommitted: null,
    uuid: null,
    localState: null,
    clusterStatus: 'unknown' as ClusterStatus,
    ready: null,
    ...x,
  });

  it('a bootstrap-launched server that is non-Primary shows running to a freshly started agent (no memory)', () => {
    const s = buildSnapshot({
      ...base,
      processes: p({ servers: boot }),
      wsrep: w({ reachable: true, accepting: true, clusterStatus: 'nonPrimary', localState: 1 }),
    });
    assert.equal(s.status, 'running');
  });
  it('the daemon remembers readiness per server PID: a new bootstrap process starts as bootstrapping', () => {
    assert.equal(
      buildSnapshot({ ...base, processes: p({ servers: boot }), wsrep: w({}), readyBootstrapPid: 11 }).status,
      'running',
    );
    assert.equal(
      buildSnapshot({
        ...base,
        processes: p({ servers: [{ pid: 12, bootstrap: true }] }),
        wsrep: w({}),
        readyBootstrapPid: 11,
      }).status,
      'bootstrapping',
    );
  });
  it('with MySQL polling off, a bootstrap server is running at once (nothing would ever show its start ended)', () => {
    assert.equal(
      buildSnapshot({ ...base, processes: p({ servers: boot }), wsrep: w({}), mysqlPolled: false }).status,
      'running',
    );
    assert.equal(
      buildSnapshot({ ...base, processes: p({ servers: boot }), wsrep: w({}), mysqlPolled: true }).status,
      'bootstrapping',
    );
  });
  it('wsrep values of a server that no longer answers are not used for readiness', () => {
    const s = buildSnapshot({
      ...base,
      processes: p({ servers: boot }),
      wsrep: w({ reachable: false, accepting: false, clusterStatus: 'nonPrimary', localState: 1 }),
    });
    assert.equal(s.status, 'bootstrapping');
  });
});
