import { strict as assert } from 'node:assert';
import { buildSnapshot } from '../../src/core/snapshot';
import { LockState, NODE_STATUSES, NodeStatus, Readiness, statusOf } from '../../src/core/status';
import type { ProcessFacts } from '../../src/core/procclass';

const servers = { none: [], normal: [{ pid: 10, bootstrap: false }], bootstrap: [{ pid: 11, bootstrap: true }], both: [{ pid: 10, bootstrap: false }, { pid: 11, bootstrap: true }] };
const readiness: Record<string, Readiness> = {
  'not accepting': { accepting: false, syncedPrimary: null },
  'accepting, wsrep unknown': { accepting: true, syncedPrimary: null },
  'accepting, not synced': { accepting: true, syncedPrimary: false },
  'synced primary': { accepting: true, syncedPrimary: true },
};
const locks: Record<string, LockState> = {
  free: { state: 'free' },
  'held by the initiator': { state: 'held', pid: 50, purpose: 'galera-init' },
  'held by a recovery': { state: 'held', pid: 60, purpose: 'wsrep-recover' },
  stale: { state: 'stale', pid: 70 },
  unreadable: { state: 'unreadable', error: 'EACCES' },
};

/** The rules, in its words, as the oracle. */
function expected(p: ProcessFacts, r: Readiness, l: LockState): NodeStatus {
  const ready = r.syncedPrimary === null ? r.accepting : r.syncedPrimary;
  if (p.servers.some((s) => s.bootstrap) && !ready) return 'bootstrapping';
  if (p.servers.length) return 'running';
  if (p.initiators.some((pid) => !(l.state === 'held' && l.pid === pid))) return 'initiating';
  if (l.state === 'held' || p.recoveries.length) return 'locked';
  return 'stopped';
}

describe('galeraStatus precedence: the full truth table', () => {
  let rows = 0;
  const seen = new Set<NodeStatus>();
  for (const [sn, sv] of Object.entries(servers)) {
    for (const [rn, rv] of Object.entries(readiness)) {
      for (const initiators of [[], [50]]) {
        for (const [ln, lv] of Object.entries(locks)) {
          for (const recoveries of [[], [80]]) {
            const p: ProcessFacts = { servers: sv, initiators, recoveries };
            const want = expected(p, rv, lv);
            rows++;
            seen.add(want);
            it(`server ${sn}, ${rn}, ${initiators.length ? 'initiator' : 'no initiator'}, lock ${ln}, ${recoveries.length ? 'recovery' : 'no recovery'} -> ${want}`, () => {
              const got = statusOf({ processes: p, lock: lv, readiness: rv });
              assert.equal(got.status, want);
              assert.ok(got.reason.length > 0);
            });
          }
        }
      }
    }
  }
  it('covers every status value', () => {
    assert.equal(rows, 4 * 4 * 2 * 5 * 2);
    assert.deepEqual([...seen].sort(), [...NODE_STATUSES].sort());
  });
});

describe('galeraStatus: the cases that once went wrong', () => {
  const p = (x: Partial<ProcessFacts>): ProcessFacts => ({ servers: [], initiators: [], recoveries: [], ...x });
  it('a stale lock is not locked (the original reported it locked forever), and the reason says so', () => {
    const r = statusOf({ processes: p({}), lock: { state: 'stale', pid: 4242 }, readiness: readiness['not accepting'] });
    assert.equal(r.status, 'stopped');
    assert.match(r.reason, /stale lock of dead pid 4242/);
  });
  it('a bootstrapped server that is Synced and Primary is running, not bootstrapping', () => {
    assert.equal(statusOf({ processes: p({ servers: servers.bootstrap }), lock: locks.free, readiness: readiness['synced primary'] }).status, 'running');
  });
  it('a bootstrapped server once ready stays running when it stops answering (shutdown, max_connections), not bootstrapping again', () => {
    const gone = { ...readiness['not accepting'] };
    assert.equal(statusOf({ processes: p({ servers: servers.bootstrap }), lock: locks.free, readiness: gone }).status, 'bootstrapping', 'never seen ready');
    assert.equal(statusOf({ processes: p({ servers: servers.bootstrap }), lock: locks.free, readiness: { ...gone, wasReady: true } }).status, 'running');
  });
  it('the daemon remembers readiness per server PID: a new bootstrap process starts as bootstrapping', () => {
    const base = { at: 1, nodeName: 'n', lock: locks.free, grastate: null, gvwstate: null, recovered: null, sources: [],
      wsrep: { reachable: false, accepting: false, lastCommitted: null, uuid: null, localState: null, clusterStatus: null, ready: null } };
    assert.equal(buildSnapshot({ ...base, processes: p({ servers: servers.bootstrap }), readyBootstrapPid: 11 }).status, 'running');
    assert.equal(buildSnapshot({ ...base, processes: p({ servers: [{ pid: 12, bootstrap: true }] }), readyBootstrapPid: 11 }).status, 'bootstrapping');
  });
  it('the initiator holding the lock is locked; another initiator waiting is initiating', () => {
    assert.equal(statusOf({ processes: p({ initiators: [50] }), lock: locks['held by the initiator'], readiness: readiness['not accepting'] }).status, 'locked');
    assert.equal(statusOf({ processes: p({ initiators: [50, 51] }), lock: locks['held by the initiator'], readiness: readiness['not accepting'] }).status, 'initiating');
  });
});
