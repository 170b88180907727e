// The watch's rounds, with the peer client stubbed: one GET per member per round, the verdict
// published, fencing on the second round of the same split, the fence file kept and removed.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import pino from 'pino';
import { buildConfig } from '../../../src/config';
import type { MemberView } from '../../../src/core/splitbrain';
import type { NodeSnapshot } from '../../../src/core/snapshot';
import { Watch, selfView } from '../../../src/daemon/watch';
import { loadMib } from '../../../src/snmp/mib';
import * as peers from '../../../src/snmp/peers';

const U = '84e32a09-e6d7-11f1-92ef-87e236721ec1';
const mib = loadMib();

const snapshot = (size: number, status = 'primary'): NodeSnapshot =>
  ({
    nodeName: 'c3',
    serverPid: 10,
    wsrep: {
      reachable: true,
      clusterStatus: status,
      clusterUuid: U,
      confId: 9n,
      clusterSize: size,
      lastCommitted: 40n,
    },
  }) as unknown as NodeSnapshot;

describe('the split-brain watch, round by round', () => {
  let dir: string;
  let ask: sinon.SinonStub;
  let answers: Record<string, MemberView>;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gx-watchr-'));
    answers = {};
    ask = sinon.stub(peers, 'askComponent').callsFake((_m, t) => Promise.resolve(answers[t.id]));
  });
  afterEach(() => {
    ask.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('asks each other member once a round, fences on the second round, and lifts it when the split is gone', async () => {
    const cfg = buildConfig(
      {
        mysql: { enabled: false },
        init: { members: ['c1:161', 'c2:161', 'c3:161'], self: 'c3:161' },
        watch: { intervalSeconds: 3600, credentialsFile: '', fenceFile: path.join(dir, 'fenced') },
      },
      'test',
    );
    let changes = 0;
    const rounds: string[][] = [];
    const w = new Watch(
      cfg,
      pino({ level: 'silent' }),
      mib,
      () => changes++,
      (ps) => rounds.push(ps.map((p) => p.id)),
    );
    const primary = (id: string, name: string, size: number): MemberView => ({
      id,
      kind: 'primary',
      name,
      uuid: U,
      confId: 9n,
      size,
      lastCommitted: 50n,
    });
    answers = { 'c1:161': primary('c1:161', 'c1', 2), 'c2:161': primary('c2:161', 'c2', 2) };
    w.observe(snapshot(1));
    w.start();
    await w.tick(); // the round start() began may still run: tick() never doubles it
    await new Promise((r) => setImmediate(r));
    await w.tick();
    assert.equal(w.state.state, 'split');
    assert.equal(w.state.fenced, true, w.state.reason);
    assert.match(w.state.sides, /^c1,c2 \(size 2, seqno 50, conf 9, uuid .*\) \/ c3 \(size 1, seqno 40/);
    assert.match(fs.readFileSync(cfg.watch.fenceFile, 'utf8'), /must not take traffic/);
    assert.deepEqual(
      [...new Set(ask.getCalls().map((c) => (c.args[1] as { id: string }).id))].sort(),
      ['c1:161', 'c2:161'],
      'only the other members are asked',
    );
    assert.ok(changes >= 2);
    // Each round's answers reach the high-water mark too: no second poll of the same agents.
    assert.ok(rounds.length >= 2);
    for (const r of rounds) assert.deepEqual(r, ['c1:161', 'c2:161']);
    // c3 rejoins: one component of 3.
    answers = { 'c1:161': primary('c1:161', 'c1', 3), 'c2:161': primary('c2:161', 'c2', 3) };
    w.observe(snapshot(3));
    await w.tick();
    assert.equal(w.state.state, 'clear');
    assert.equal(w.state.fenced, false);
    assert.equal(fs.existsSync(cfg.watch.fenceFile), false);
    w.stop();
  });

  it("this node's own view: an unreadable running server is unknown, a stopped one not Primary", () => {
    assert.equal(
      selfView('s', { ...snapshot(1), wsrep: { reachable: false } } as unknown as NodeSnapshot).kind,
      'unknown',
    );
    assert.equal(
      selfView('s', { ...snapshot(1), serverPid: 0, wsrep: { reachable: false } } as unknown as NodeSnapshot).kind,
      'notPrimary',
    );
    assert.equal(selfView('s', snapshot(1, 'nonPrimary')).kind, 'notPrimary');
    assert.equal(selfView('s', snapshot(1)).kind, 'primary');
  });

  it('off with nothing to watch: a single member, or interval 0', () => {
    const one = buildConfig(
      { mysql: { enabled: false }, init: { members: ['c1:161'], self: 'c1:161' }, watch: { credentialsFile: '' } },
      'test',
    );
    const w = new Watch(one, pino({ level: 'silent' }), mib, () => undefined);
    w.start();
    assert.deepEqual([w.state.state, w.state.reason], ['off', 'no other member to watch']);
    const zero = buildConfig({ mysql: { enabled: false }, watch: { intervalSeconds: 0 } }, 'test');
    const z = new Watch(zero, pino({ level: 'silent' }), mib, () => undefined);
    z.start();
    assert.equal(z.state.reason, 'watch.intervalSeconds is 0');
    assert.equal(ask.callCount, 0);
  });
});
