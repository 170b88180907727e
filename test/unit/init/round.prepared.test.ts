// galera-init's round when this node's recovery stops at prepared transactions: who runs the
// heuristic rollback, when, and what the round decides from the position it leaves.

import { strict as assert } from 'node:assert';
import { InitEnv, LocalFacts, RoundResult, decideRound } from '../../../src/init/round';
import type { AgentAnswer } from '../../../src/snmp/peers';
import type { Policy } from '../../../src/core/decide';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';

interface World {
  /** b's state: running Primary at this seqno, or stopped at it. */
  b: { running: boolean; seqno: bigint };
  /** What the rollback leaves: the position the next recovery finds, or a failure. */
  after: { seqno: bigint } | { error: string };
  prepared: number;
}

async function round(
  w: World,
  policy: Policy,
): Promise<{ r: RoundResult; rollbacks: string[]; recoveries: number; locked: boolean }> {
  let locked = false;
  let seqno = -1n;
  let prepared = w.prepared;
  let recoveries = 0;
  const rollbacks: string[] = [];
  const answer = (id: string, over: Partial<AgentAnswer>): AgentAnswer => ({
    id,
    name: id,
    instance: id,
    self: false,
    answered: true,
    uuid: U,
    safeToBootstrap: false,
    detectMs: 10,
    status: 'stopped',
    seqno: -1n,
    seqnoSource: 'unknown',
    ...over,
  });
  const local = (): LocalFacts => ({
    status: 'locked',
    seqno,
    seqnoSource: seqno < 0n ? 'unknown' : 'recovered',
    uuid: U,
    safeToBootstrap: false,
    serverRunning: false,
    userData: true,
    prepared,
  });
  const env: InitEnv = {
    now: () => Date.now(),
    sleep: () => Promise.resolve(),
    random: () => 0.5,
    pid: process.pid,
    lock: () => {
      locked = true;
      return { ok: true };
    },
    unlock: () => {
      locked = false;
    },
    serverRunning: () => Promise.resolve(false),
    localFacts: ({ recover }) => {
      if (recover) recoveries++;
      return Promise.resolve(local());
    },
    ask: (ids) =>
      Promise.resolve(
        ids.map((id) =>
          id === 'a'
            ? answer('a', { status: locked ? 'locked' : 'stopped', lockPid: locked ? process.pid : 0 })
            : answer('b', {
                status: w.b.running ? 'running' : 'stopped',
                clusterStatus: w.b.running ? 'primary' : undefined,
                seqno: w.b.seqno,
                seqnoSource: w.b.running ? 'live' : 'grastate',
              }),
        ),
      ),
    markSafeToBootstrap: () => undefined,
    discardState: () => undefined,
    start: () => Promise.resolve({ ok: true }),
    waitReady: () => Promise.resolve({ ok: true }),
    stopServer: () => Promise.resolve(),
    heuristicRollback: (n, why) => {
      rollbacks.push(`${n} ${why}`);
      if ('error' in w.after) return Promise.resolve({ ok: false, error: w.after.error });
      prepared = 0;
      seqno = w.after.seqno;
      return Promise.resolve({ ok: true, summary: 'rolled back' });
    },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const r = await decideRound(
    env,
    { selfId: 'a', peerIds: ['b'], selfName: 'a' },
    { policy, pollIntervalMs: 10, detectMs: 10, startTimeoutMs: 1000, confirmFactor: 5 },
    0,
  );
  return { r, rollbacks, recoveries, locked };
}

const strict: Policy = { force: false, quorumAfterMs: 0 };
const opted: Policy = { ...strict, heuristicRollback: true };

describe('galera-init round: the heuristic rollback', () => {
  it('joining a running cluster with the option: rolls back once under the lock, recovers again, joins from the position found', async () => {
    const { r, rollbacks, recoveries, locked } = await round(
      { b: { running: true, seqno: 20n }, after: { seqno: 18n }, prepared: 2 },
      opted,
    );
    assert.ok(
      r.kind === 'decided' && r.decision.action === 'join',
      r.kind === 'decided' ? r.decision.reason : r.reason,
    );
    assert.deepEqual(rollbacks, ['2 recovery.heuristicRollback']);
    assert.equal(recoveries, 2, 'the recovery runs again after the rollback');
    assert.equal(r.decision.rollbackFirst, undefined);
    assert.equal(r.members.find((x) => x.self)?.seqno, 18n);
    assert.ok(locked, 'the lock is kept for the join');
  });

  it('the position the rollback leaves is ahead of the cluster: refuses instead of joining', async () => {
    const { r, rollbacks, locked } = await round(
      { b: { running: true, seqno: 20n }, after: { seqno: 25n }, prepared: 1 },
      opted,
    );
    assert.equal(rollbacks.length, 1);
    assert.ok(
      r.kind === 'decided' && r.decision.action === 'refuse',
      r.kind === 'decided' ? r.decision.reason : r.reason,
    );
    assert.match(r.decision.reason, /ahead of the running cluster by 5 transactions/);
    assert.ok(!locked);
  });

  it('without the option: no rollback; the round waits and names the fix', async () => {
    const { r, rollbacks } = await round(
      { b: { running: true, seqno: 20n }, after: { seqno: 18n }, prepared: 2 },
      strict,
    );
    assert.deepEqual(rollbacks, []);
    assert.ok(r.kind === 'decided' && r.decision.action === 'wait');
    assert.match(r.decision.advice ?? '', /recovery\.heuristicRollback/);
  });

  it('a cold start with the option: no rollback (this node may be the one to bootstrap)', async () => {
    const { r, rollbacks, locked } = await round(
      { b: { running: false, seqno: 20n }, after: { seqno: 18n }, prepared: 2 },
      opted,
    );
    assert.deepEqual(rollbacks, []);
    assert.ok(r.kind === 'decided' && r.decision.action === 'wait');
    assert.match(r.decision.reason, /the crash left prepared transactions on a \(2\)/);
    assert.ok(!locked);
  });

  it('a cold start with --force: rolls back first, then decides from the position found', async () => {
    const { r, rollbacks } = await round(
      { b: { running: false, seqno: 20n }, after: { seqno: 30n }, prepared: 2 },
      { force: true, quorumAfterMs: 0 },
    );
    assert.deepEqual(rollbacks, ['2 FORCED (--force)']);
    assert.ok(
      r.kind === 'decided' && r.decision.action === 'bootstrap',
      r.kind === 'decided' ? r.decision.reason : r.reason,
    );
    assert.match(r.decision.reason, /most advanced: seqno 30/);
  });

  it('a rollback that fails: the round is blocked with its error, the lock released', async () => {
    const { r, locked } = await round(
      { b: { running: true, seqno: 20n }, after: { error: 'timed out: ran 600 s' }, prepared: 1 },
      opted,
    );
    assert.ok(r.kind === 'blocked');
    assert.match(r.reason, /^the heuristic rollback of 1 prepared transaction failed: timed out: ran 600 s/);
    assert.ok(!locked);
  });
});
