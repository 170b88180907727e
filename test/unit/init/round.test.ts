// galera-init's round loop against a hand-driven world: how the quorum policy counts silence, and
// that it never passes a member it has seen ahead.

import { strict as assert } from 'node:assert';
import { InitEnv, InitOutcome, decideRound, initLoop, withAgentUserData } from '../../../src/init/round';
import type { AgentAnswer } from '../../../src/snmp/peers';
import type { NodeStatus } from '../../../src/core/status';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';

/** a (this node, seqno 100) and b (90) always answer; c answers as given for its first `forMs`, then never. */
async function run(c: {
  seqno: bigint;
  status: NodeStatus;
  forMs: number;
}): Promise<{ out: InitOutcome; bootAt: number; cLast: number; t0: number }> {
  const t0 = Date.now();
  let cLast = 0;
  let bootAt = 0;
  let locked = false;
  const answer = (id: string, seqno: bigint, status: NodeStatus = 'stopped'): AgentAnswer => ({
    id,
    name: id,
    instance: id,
    self: false,
    answered: true,
    status,
    seqno,
    seqnoSource: seqno < 0n ? 'unknown' : 'recovered',
    uuid: U,
    safeToBootstrap: false,
    lockPid: locked && id === 'a' ? process.pid : 0,
    detectMs: 10,
  });
  const env: InitEnv = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    random: () => 0.5,
    pid: process.pid,
    lock: () => {
      locked = true;
      return { ok: true };
    },
    unlock: () => {
      locked = false;
    },
    serverRunning: () => Promise.resolve(bootAt > 0),
    localFacts: () =>
      Promise.resolve({
        status: 'locked',
        seqno: 100n,
        seqnoSource: 'recovered',
        uuid: U,
        safeToBootstrap: false,
        serverRunning: false,
      }),
    ask: (ids) =>
      Promise.resolve(
        ids.map((id) => {
          if (id === 'a') return answer('a', 100n, locked ? 'locked' : 'initiating');
          if (id === 'b') return answer('b', 90n);
          if (Date.now() - t0 < c.forMs) {
            cLast = Date.now();
            return answer('c', c.seqno, c.status);
          }
          return { id, self: false, answered: false, error: 'no answer (timeout)' };
        }),
      ),
    markSafeToBootstrap: () => undefined,
    discardState: () => undefined,
    start: () => {
      bootAt = Date.now();
      return Promise.resolve({ ok: true });
    },
    waitReady: () => Promise.resolve({ ok: true }),
    stopServer: () => Promise.resolve(),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const out = await initLoop(
    env,
    { selfId: 'a', peerIds: ['b', 'c'], selfName: 'a' },
    {
      policy: { force: false, quorumAfterMs: 600 },
      pollIntervalMs: 50,
      detectMs: 10,
      startTimeoutMs: 1000,
      confirmFactor: 5,
      once: false,
      waitTimeoutMs: 2500,
      leftClusterRestarts: 0,
    },
  );
  return { out, bootAt, cLast, t0 };
}

describe('galera-init loop and the quorum policy', function () {
  this.timeout(10000);

  it("counts a member's silence from its last answer, not from the run's start", async () => {
    // c answers for 900 ms (stopped, its position unknown: a waits), then falls silent: by then
    // the run is older than 600 ms.
    const { out, bootAt, cLast } = await run({ seqno: -1n, status: 'stopped', forMs: 900 });
    assert.ok(out.code === 'ok' && out.action === 'bootstrap', JSON.stringify(out));
    assert.match(out.reason, /^quorum policy after \d s of silence from c/);
    assert.ok(bootAt - cLast >= 600, `bootstrapped ${bootAt - cLast} ms after c's last answer`);
  });

  it('never passes a silent member it saw deciding: it may have started a cluster since', async () => {
    const { out, bootAt } = await run({ seqno: 80n, status: 'locked', forMs: 400 });
    assert.equal(bootAt, 0, 'no bootstrap');
    assert.equal(out.code, 'tempfail');
    assert.match(out.reason, /c was seen locked and fell silent: it may have started a cluster since/);
  });

  it('never passes a silent member it saw ahead of every member that answers', async () => {
    const { out, bootAt } = await run({ seqno: 120n, status: 'stopped', forMs: 400 });
    assert.equal(bootAt, 0, 'no bootstrap');
    assert.equal(out.code, 'tempfail');
    assert.match(
      out.reason,
      /c was seen at seqno 120, ahead of every member that answers, so the quorum policy does not pass it/,
    );
  });
});

describe('galera-init when its own agent does not answer', () => {
  // The same text, two kinds: the advice follows the kind, never the text.
  async function blockedBy(own: AgentAnswer): Promise<{ reason: string; advice?: string }> {
    let t = 0;
    const env: InitEnv = {
      now: () => (t += 500),
      sleep: () => Promise.resolve(),
      random: () => 0.5,
      pid: process.pid,
      lock: () => ({ ok: true }),
      unlock: () => undefined,
      serverRunning: () => Promise.resolve(false),
      localFacts: () =>
        Promise.resolve({
          status: 'stopped',
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
              ? own
              : {
                  id,
                  name: id,
                  instance: id,
                  self: false,
                  answered: true,
                  status: 'stopped',
                  seqno: 90n,
                  seqnoSource: 'grastate',
                  uuid: U,
                  safeToBootstrap: false,
                  lockPid: 0,
                  detectMs: 10,
                },
          ),
        ),
      markSafeToBootstrap: () => undefined,
      discardState: () => undefined,
      start: () => Promise.resolve({ ok: true }),
      waitReady: () => Promise.resolve({ ok: true }),
      stopServer: () => Promise.resolve(),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    };
    const r = await decideRound(
      env,
      { selfId: 'a', peerIds: ['b'], selfName: 'a' },
      {
        policy: { force: false, quorumAfterMs: 0 },
        pollIntervalMs: 50,
        detectMs: 10,
        startTimeoutMs: 1000,
        confirmFactor: 5,
      },
      0,
    );
    assert.equal(r.kind, 'blocked', JSON.stringify(r));
    return r;
  }
  const silent = (errorKind: AgentAnswer['errorKind']): AgentAnswer => ({
    id: 'a',
    self: false,
    answered: false,
    error: 'Unknown User Name',
    errorKind,
  });

  // The model test's history (seed 7606 with agents 5 s behind): the agent still showed the lock
  // of the round before, so the wait for this round's lock passed at once and the peers were asked
  // before any of them could see it.
  const shows = (over: Partial<AgentAnswer>): AgentAnswer => ({
    id: 'a',
    name: 'a',
    instance: 'a',
    self: false,
    answered: true,
    status: 'initiating',
    seqno: 100n,
    seqnoSource: 'grastate',
    uuid: U,
    safeToBootstrap: false,
    lockPid: 0,
    detectMs: 5000,
    ...over,
  });
  it("an agent that still shows this initiator's earlier lock blocks the round before the lock", async () => {
    const r = await blockedBy(shows({ status: 'locked', lockPid: process.pid }));
    assert.equal(
      r.reason,
      `this node's agent (a) still shows an earlier state (locked, lock pid ${process.pid}): waiting until it catches up, so that it shows this round's lock`,
    );
  });
  it('an agent that still shows a server that is gone blocks the round too', async () => {
    const r = await blockedBy(shows({ status: 'running', serverPid: 4242 }));
    assert.match(r.reason, /still shows an earlier state \(running, lock pid 0\)/);
  });
  it("another process's lock is no earlier state of this initiator: the round waits for its own", async () => {
    const r = await blockedBy(shows({ status: 'locked', lockPid: process.pid + 1 }));
    assert.match(r.reason, /did not show this initiator's lock in time/);
  });

  it('a timeout asks to start the agent', async () => {
    const r = await blockedBy(silent('timeout'));
    assert.match(r.reason, /this node's agent \(a\) does not answer \(Unknown User Name\)/);
    assert.equal(r.advice, 'start it: systemctl start galera-agentx (and check snmpd on this node)');
  });
  it('snmpd turning the credentials down asks to fix them, not to start the agent', async () => {
    const r = await blockedBy(silent('auth'));
    assert.match(r.advice ?? '', /init\.snmpUser.*snmpd\.conf/);
  });
});

describe("galera-init's own user data: what its agent publishes counts too", () => {
  const self = { id: 'a', name: 'a', self: true, answered: true, userData: false, userSchemas: [] as string[] };
  const agent = (over: Partial<AgentAnswer>): AgentAnswer => ({ id: 'a', self: false, answered: true, ...over });
  it('a schema only the agent counts (one it cannot list) makes this node a holder, as its peers see it', () => {
    const m = withAgentUserData(self, agent({ userData: true, userSchemas: ['empty'] }));
    assert.deepEqual([m.userData, m.userSchemas], [true, ['empty']]);
  });
  it('the union of both readings is what an acknowledgement must name', () => {
    const m = withAgentUserData(
      { ...self, userData: true, userSchemas: ['shop'] },
      agent({ userData: true, userSchemas: ['crm', 'shop'] }),
    );
    assert.deepEqual(m.userSchemas, ['crm', 'shop']);
  });
  it("an agent that says none, does not know, or does not answer leaves galera-init's own reading", () => {
    assert.equal(withAgentUserData(self, agent({ userData: false })), self);
    assert.equal(withAgentUserData(self, agent({ userData: undefined })), self);
    assert.equal(withAgentUserData(self, { id: 'a', self: false, answered: false }), self);
    assert.equal(withAgentUserData(self, null), self);
  });
});
