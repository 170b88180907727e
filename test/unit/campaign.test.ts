// The fault campaign's pure parts (test/helpers/campaign-plan.ts, campaign.ts): a seed replays the
// same plans, every fault kind is drawn, two faults of a round never share a node, and the checker
// tells two Primary components from one seen at different moments.

import { strict as assert } from 'node:assert';
import { describePlan, FAULT_KINDS, mulberry32, nodesOf, planRound } from '../helpers/campaign-plan';
import { adviceCommand, lastAdvice, splitBrain } from '../helpers/campaign';
import type { WsrepView } from '../helpers/production';

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
