// The fault campaign's pure parts (test/helpers/campaign-plan.ts, campaign.ts): a seed replays the
// same plans, every fault kind is drawn, two faults of a round never share a node, the checker
// tells two Primary components from one seen at different moments, the VIP check's bound, and the
// advice the NMS read from galeraInitWaiting.

import { strict as assert } from 'node:assert';
import { describePlan, FAULT_KINDS, FAULT_KINDS_V1, mulberry32, nodesOf, planRound } from '../helpers/campaign-plan';
import {
  adviceCommand,
  healthCommand,
  inconsistentNotices,
  lastAdvice,
  splitBrain,
  VipWatch,
  VRRP_MASTER_DOWN_MS,
  waitingAdvice,
} from '../helpers/campaign';
import type { WsrepView } from '../helpers/production';
import type { Trap } from '../helpers/traps';
import { loadMib } from '../../src/snmp/mib';
import { DEFAULT_HEALTH_POLICY, healthVerdict } from '../../src/core/health';
import { parseWsrepStatus } from '../../src/core/wsrep-status';
import { syncedStatus } from '../helpers/fixtures';

const view = (node: string, status: string, uuid: string, members: string[]): WsrepView => ({
  node,
  at: 0,
  status,
  state: 'Synced',
  uuid,
  confId: '1',
  size: members.length,
  members,
});

describe('campaign plans and checks', () => {
  it('mulberry32 is a fixed stream in [0, 1) for a seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(
      xs,
      Array.from({ length: 1000 }, () => b()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, mulberry32(43)));
  });

  it("a round's plan depends only on (seed, round), and differs between rounds", () => {
    for (let r = 0; r < 50; r++) assert.deepEqual(planRound(7, r), planRound(7, r));
    const lines = new Set(Array.from({ length: 50 }, (_, r) => describePlan(planRound(7, r))));
    assert.ok(lines.size > 40, `distinct plans: ${lines.size}`);
  });

  it('draws every fault kind and variant, and never two faults on one node', () => {
    const seen = new Set<string>();
    for (let r = 0; r < 2000; r++) {
      const p = planRound(99, r);
      assert.ok(p.steps.length >= 1 && p.steps.length <= 2);
      const touched = p.steps.flatMap((s) => nodesOf(s.fault));
      assert.equal(new Set(touched).size, touched.length, `round ${r}: ${describePlan(p)}`);
      for (const s of p.steps) {
        const f = s.fault;
        seen.add(f.kind);
        if (f.kind === 'powercut') seen.add(`powercut/${f.nodes.length}`);
        if (f.kind === 'partition') seen.add(`partition/${f.nodes.length}`);
        if (f.kind === 'kill') seen.add(`kill/${f.target}`);
        if (f.kind === 'grastate') seen.add(`grastate/${f.damage}`);
        if (f.kind === 'loss') {
          seen.add(`loss/${f.nodes.length}`);
          assert.ok(f.percent >= 5 && f.percent <= 30 && f.forMs >= 5000, describePlan(p));
        }
      }
    }
    for (const k of [
      ...FAULT_KINDS,
      'powercut/1',
      'powercut/2',
      'powercut/3',
      'partition/1',
      'partition/3',
      'kill/mariadbd',
      'kill/galera-agentx',
      'kill/snmpd',
      'grastate/empty',
      'grastate/garbage',
      'grastate/missing',
      'loss/1',
      'loss/3',
    ])
      assert.ok(seen.has(k), `never drawn: ${k}`);
  });

  it('two Primary components: different state UUIDs, or the same one with no member in common', () => {
    const all = ['a:3306', 'b:3306', 'c:3306'];
    // A node cut off still shows its old Primary view for a moment: it overlaps the new one.
    assert.equal(
      splitBrain([view('db1', 'Primary', 'u1', ['a:3306', 'b:3306']), view('db3', 'Primary', 'u1', all)]),
      null,
    );
    assert.equal(splitBrain([view('db1', 'Primary', 'u1', all), view('db2', 'non-Primary', 'u2', ['b:3306'])]), null);
    assert.match(
      splitBrain([view('db1', 'Primary', 'u1', ['a:3306']), view('db2', 'Primary', 'u1', ['b:3306', 'c:3306'])]) ?? '',
      /two Primary components at once: db1 .* and db2/,
    );
    assert.match(
      splitBrain([view('db1', 'Primary', 'u1', all), view('db2', 'Primary', 'u2', all)]) ?? '',
      /uuid u1.*uuid u2/,
    );
  });

  it("reads galera-init's last wait and the command its advice names", () => {
    const advice = `if db2 is gone for good: run on db1: mysql -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'"`;
    const journal = [
      `[ 1.0] galera-init[5]: {"level":"info","msg":"decision","decision":"wait"}`,
      `[ 2.0] galera-init[5]: ${JSON.stringify({ level: 'info', msg: 'waiting', reason: 'no Primary component', advice })}`,
      'a line that is not JSON {',
    ].join('\n');
    assert.deepEqual(lastAdvice(journal), { reason: 'no Primary component', advice });
    assert.deepEqual(adviceCommand(advice), {
      node: 'db1',
      sql: "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'",
    });
    assert.equal(lastAdvice(`${journal}\n{"msg":"decision","decision":"join"}`), null);
    assert.equal(adviceCommand('start it: systemctl start galera-agentx'), null);
  });
});

describe('campaign: replays and the VIP check', () => {
  it('runs made before loss and disk existed replay with FAULT_KINDS_V1 (plans recorded from that code)', () => {
    const recorded: [number, number, string][] = [
      [12345, 0, 'at 2697 ms: kill -9 galera-agentx on db2; a commit every 152 ms'],
      [12345, 5, 'at 1541 ms: power cut of db2; boot after 5288 ms; a commit every 294 ms'],
      [20261206, 3, 'at 1834 ms: power cut of db2; boot after 7746 ms; a commit every 260 ms'],
      [20261206, 15, 'at 940 ms: power cut of db3, grastate.dat missing, boot after 2233 ms; a commit every 308 ms'],
    ];
    for (const [seed, r, line] of recorded) assert.equal(describePlan(planRound(seed, r, 3, FAULT_KINDS_V1)), line);
    assert.deepEqual(FAULT_KINDS.slice(0, FAULT_KINDS_V1.length), FAULT_KINDS_V1);
  });

  const feed = (w: VipWatch, xs: [number, string[], string[]][]): VipWatch => {
    for (const [at, healthy, holders] of xs) w.feed({ at, healthy, holders });
    return w;
  };

  it('a VIP that moves to a healthy node within the bound passes, and its worst time is kept', () => {
    const w = feed(new VipWatch(3000), [
      [0, ['db1', 'db2'], ['db1']],
      [500, ['db2'], ['db1']], // db1 turned unhealthy and still holds it
      [2500, ['db2'], []],
      [3000, ['db2'], ['db2']],
    ]);
    assert.equal(w.failure, null);
    assert.equal(w.worstMs, 2500);
    assert.equal(w.moves, 1);
  });

  it('fails when an unhealthy holder keeps the VIP past the bound', () => {
    const w = feed(new VipWatch(3000), [
      [0, ['db2'], ['db1']],
      [3000, ['db2'], ['db1']],
      [3001, ['db2'], ['db1']],
    ]);
    assert.match(w.failure ?? '', /off every healthy node for 3001 ms \(allowed 3000 ms\): healthy db2, holders db1/);
  });

  it("allows VRRP's master-down interval when nobody reachable held the VIP, and not more", () => {
    assert.equal(VRRP_MASTER_DOWN_MS, 3609);
    const ok = feed(new VipWatch(3000), [
      [0, ['db2', 'db3'], []],
      [6500, ['db2', 'db3'], []],
      [6600, ['db2', 'db3'], ['db3']],
    ]);
    assert.equal(ok.failure, null);
    const late = feed(new VipWatch(3000), [
      [0, ['db2', 'db3'], []],
      [6610, ['db2', 'db3'], []],
    ]);
    assert.match(late.failure ?? '', /for 6610 ms \(allowed 6609 ms\).*holders none/);
  });

  it('no healthy node: nothing is asserted, and the clock starts again when one is', () => {
    const w = feed(new VipWatch(3000), [
      [0, ['db1'], ['db2']],
      [1000, [], []],
      [60000, [], ['db3']],
      [61000, ['db1'], []],
      [64000, ['db1'], ['db1']],
    ]);
    assert.equal(w.failure, null);
    assert.equal(w.worstMs, 3000);
  });

  it('two holders are fine while both are healthy (VRRP settling), not while one is not', () => {
    assert.equal(
      feed(new VipWatch(1000), [
        [0, ['db1', 'db2'], ['db1', 'db2']],
        [5000, ['db1', 'db2'], ['db1', 'db2']],
      ]).failure,
      null,
    );
    assert.notEqual(
      feed(new VipWatch(1000), [
        [0, ['db1'], ['db1', 'db2']],
        [5000, ['db1'], ['db1', 'db2']],
      ]).failure,
      null,
    );
  });

  /** A notification as snmptrapd's log gives it: from a node, with one more object. */
  const trapWith = (object: string) => {
    const mib = loadMib();
    const oid = (name: string): string => `${mib.object(name).oid.join('.')}.0`;
    return (name: string, node: string, value: string): Trap => ({
      trapOid: mib.notifications.get(name)!.oid.join('.'),
      varbinds: new Map([
        [oid('galeraNodeName'), node],
        [oid(object), value],
      ]),
      line: '',
    });
  };

  it("reads galeraInitWaiting's advice per node from snmptrapd's log, its escaped quotes undone", () => {
    const advice = `run on db1: mysql -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'"`;
    const trap = trapWith('galeraInitAdvice');
    const escaped = advice.replace(/"/g, '\\"');
    const traps = [
      trap('galeraInitWaiting', 'db2', escaped),
      trap('galeraInitActed', 'db2', 'other'),
      trap('galeraInitWaiting', 'db3', 'x'),
    ];
    assert.deepEqual(waitingAdvice(traps, 'db2'), [advice]);
    assert.deepEqual(waitingAdvice(traps, 'db1'), []);
  });

  it("reads the NMS's Inconsistent notices per node, and the command the health reason names", () => {
    const trap = trapWith('galeraLocalStateComment');
    const traps = [
      trap('galeraLocalStateChanged', 'db1', 'Synced'),
      trap('galeraLocalStateChanged', 'db1', 'Inconsistent'),
      trap('galeraClusterStatusChanged', 'db2', 'Inconsistent'),
      trap('galeraLocalStateChanged', 'db3', 'Donor/Desynced'),
    ];
    assert.deepEqual(
      ['db1', 'db2', 'db3'].map((n) => inconsistentNotices(traps, n)),
      [1, 0, 0],
    );
    // The reason the agent gives such a node (the campaign's seed 20261207 round 38).
    const status = {
      ...syncedStatus(),
      wsrep_cluster_status: 'Disconnected',
      wsrep_local_state: '0',
      wsrep_local_state_comment: 'Inconsistent',
    };
    const reason = healthVerdict(parseWsrepStatus(status, null, null, true, 1), true, DEFAULT_HEALTH_POLICY).reason;
    assert.deepEqual(healthCommand(reason), ['systemctl', 'restart', 'mariadb']);
    assert.equal(healthCommand('Galera node is not synced (Joining).'), null);
  });
});
