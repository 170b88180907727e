// What galera-init records for the agent round by round (galeraInit), and maintenance mode: a node
// in maintenance is left alone, and for the others it is a member that did not answer.

import { strict as assert } from 'node:assert';
import { InitEnv, InitLoopOptions, initLoop, look } from '../../../src/init/round';
import type { AgentAnswer } from '../../../src/snmp/peers';
import type { InitState, Maintenance } from '../../../src/core/initstate';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const answer = (id: string, seqno: bigint, o: Partial<AgentAnswer> = {}): AgentAnswer => ({
  id,
  name: id,
  instance: id,
  self: false,
  answered: true,
  status: 'stopped',
  seqno,
  seqnoSource: 'grastate',
  uuid: U,
  safeToBootstrap: false,
  lockPid: 0,
  detectMs: 10,
  ...o,
});

/** A world on a fake clock: a (this node, seqno 100), b (90) answering as `b` says at each ask. */
function world(o: { b: (t: number) => AgentAnswer; maintenance?: (t: number) => Maintenance | null }) {
  let t = 0;
  let locked = false;
  let started = '';
  const records: InitState[] = [];
  const env: InitEnv = {
    now: () => t,
    sleep: (ms) => {
      t += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    pid: 4242,
    lock: () => {
      locked = true;
      return { ok: true };
    },
    unlock: () => {
      locked = false;
    },
    serverRunning: () => Promise.resolve(started !== ''),
    localFacts: () =>
      Promise.resolve({
        status: 'locked',
        seqno: 100n,
        seqnoSource: 'grastate',
        uuid: U,
        safeToBootstrap: false,
        serverRunning: false,
      }),
    ask: (ids) =>
      Promise.resolve(
        ids.map((id) =>
          id === 'a'
            ? answer('a', 100n, { status: locked ? 'locked' : 'initiating', lockPid: locked ? 4242 : 0 })
            : o.b(t),
        ),
      ),
    markSafeToBootstrap: () => undefined,
    discardState: () => undefined,
    start: (action) => {
      started = action;
      return Promise.resolve({ ok: true });
    },
    waitReady: () => Promise.resolve({ ok: true }),
    stopServer: () => Promise.resolve(),
    maintenance: () => o.maintenance?.(t) ?? null,
    record: (s) => records.push(s),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  return { env, records, started: () => started };
}

const OPTS: InitLoopOptions = {
  policy: { force: false, quorumAfterMs: 0 },
  pollIntervalMs: 1000,
  detectMs: 10,
  startTimeoutMs: 1000,
  confirmFactor: 5,
  once: false,
  waitTimeoutMs: 0,
  leftClusterRestarts: 0,
};
const M = { selfId: 'a', peerIds: ['b'], selfName: 'a' };
const silent = (id: string): AgentAnswer => ({ id, self: false, answered: false, error: 'no answer (timeout)' });

describe("galera-init's rounds, as recorded for the agent", () => {
  it('each round of a wait, with its reason, advice and whom it waits for; the act before the server starts', async () => {
    // b is silent for 5 s, then answers behind a: a bootstraps.
    const w = world({ b: (t) => (t < 5000 ? silent('b') : answer('b', 90n)) });
    const out = await initLoop(w.env, M, OPTS);
    assert.deepEqual([out.code, out.code === 'ok' && out.action], ['ok', 'bootstrap']);
    const waits = w.records.filter((r) => r.decision === 'wait');
    assert.ok(waits.length >= 4, `${waits.length} waits recorded`);
    assert.deepEqual(
      waits.map((r) => r.round),
      waits.map((_r, i) => i + 1),
      'one record per round, counted',
    );
    assert.ok(
      waits.every((r) => r.since === waits[0].since && r.pid === 4242),
      'one wait, one since',
    );
    assert.match(waits[0].reason, /^no bootstrap on incomplete information: waiting for b \(no answer \(timeout\)\)/);
    assert.match(waits[0].advice, /^start the agent \(or the host\) of b/);
    assert.deepEqual(waits[0].waitingFor, ['b']);
    const last = w.records.at(-1)!;
    assert.deepEqual([last.decision, last.round], ['bootstrap', waits.length + 1]);
    assert.ok(last.since > waits[0].since, 'a new decision, a new since');
    assert.equal(w.started(), 'bootstrap');
  });

  it('a refusal is recorded before galera-init exits', async () => {
    const w = world({ b: () => answer('b', 90n, { uuid: '11111111-2222-3333-4444-555555555555' }) });
    const out = await initLoop(w.env, M, OPTS);
    assert.equal(out.code, 'failed');
    assert.equal(w.records.at(-1)?.decision, 'refuse');
    assert.match(w.records.at(-1)!.reason, /different cluster states/);
  });
});

describe('maintenance mode, in galera-init', () => {
  it('on this node: starts nothing, records maintenance with the reason, exits ok', async () => {
    const w = world({ b: () => answer('b', 90n), maintenance: () => ({ reason: 'disk swap', since: 0, by: 'root' }) });
    const out = await initLoop(w.env, M, OPTS);
    assert.deepEqual(out, {
      code: 'ok',
      action: 'maintenance',
      reason: 'this node is in maintenance (disk swap): galera-check maintenance off ends it',
    });
    assert.equal(w.started(), '');
    assert.deepEqual(
      w.records.map((r) => r.decision),
      ['maintenance'],
    );
  });

  it('turned on while galera-init waits: it stops at its next round, starting nothing', async () => {
    const w = world({
      b: () => silent('b'),
      maintenance: (t) => (t >= 3000 ? { reason: '', since: t, by: '' } : null),
    });
    const out = await initLoop(w.env, M, OPTS);
    assert.equal(out.code === 'ok' && out.action, 'maintenance');
    assert.equal(w.started(), '');
    assert.deepEqual(w.records.at(-1)?.decision, 'maintenance');
    assert.ok(w.records.filter((r) => r.decision === 'wait').length >= 2);
  });

  it('a peer in maintenance is a member that did not answer: no bootstrap without it, and the note says why', async () => {
    const w = world({ b: () => answer('b', 90n, { maintenance: 'disk swap' }) });
    const seen = await look(w.env, M, OPTS.policy, 0);
    assert.equal(seen.decision.action, 'wait');
    assert.match(seen.decision.reason, /waiting for b \(in maintenance: disk swap\)/);
    assert.equal(seen.members[1].answered, false);
  });

  it('the quorum policy does not pass a peer in maintenance whose server runs', async () => {
    const w = world({ b: () => answer('b', 90n, { status: 'running', clusterStatus: 'primary', maintenance: 'x' }) });
    const members3 = { selfId: 'a', peerIds: ['b', 'c'], selfName: 'a' };
    const env = {
      ...w.env,
      ask: (ids: string[]) =>
        Promise.resolve(
          ids.map((id) =>
            id === 'c'
              ? answer('c', 80n)
              : id === 'b'
                ? answer('b', 90n, { status: 'running', clusterStatus: 'primary', maintenance: 'x' })
                : answer('a', 100n),
          ),
        ),
    };
    const seen = await look(env, members3, { force: false, quorumAfterMs: 1000 }, 10 ** 6);
    assert.equal(
      seen.decision.action,
      'wait',
      'no bootstrap beside a running member in maintenance, nor a join into it',
    );
    assert.match(seen.decision.reason, /b was seen running and fell silent/);
  });
});
