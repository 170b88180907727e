// The fault campaign on the production layout (issue 22): runs a round's plan (campaign-plan.ts)
// against a ProductionCluster while a writer commits rows and a sampler reads every node's view of
// the cluster, then heals and checks. What a round asserts:
//   - no acknowledged row lost: every commit the writer saw succeed is on every node afterwards;
//   - never two Primary components at one time: in every sweep (every node asked at once), all
//     Primary nodes share one state UUID and their member sets overlap;
//   - at most one bootstrap by galera-init per round;
//   - Synced 3 again: by itself, or after a galera-init wait whose advice names the command that
//     ends it (`run on dbN: mysql -e "..."`), which the campaign then runs, as an operator would.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { sleep } from './proc';
import { ClusterNode, ProductionCluster, WsrepView } from './production';
import { Fault, RoundPlan, roundRandom } from './campaign-plan';

export interface RoundResult {
  acked: number;
  refused: number;
  sweeps: number;
  bootstraps: string[];
  /** The galera-init advice the campaign carried out to end a wait (empty when the cluster healed alone). */
  operator: string[];
  /** From the round's start until Synced 3. */
  convergedMs: number;
}

/** Two Primary views that cannot be one component: different histories, or no member in common. */
export function splitBrain(views: WsrepView[]): string | null {
  const primary = views.filter((v) => v.status === 'Primary');
  for (let i = 0; i < primary.length; i++)
    for (let j = i + 1; j < primary.length; j++) {
      const [a, b] = [primary[i], primary[j]];
      // A server that does not list its members yet (joining) proves nothing either way.
      const disjoint = a.members.length > 0 && b.members.length > 0 && !a.members.some((m) => b.members.includes(m));
      if (a.uuid !== b.uuid || disjoint)
        return `two Primary components at once: ${a.node} (uuid ${a.uuid}, conf ${a.confId}, members ${a.members.join(',')}) and ${b.node} (uuid ${b.uuid}, conf ${b.confId}, members ${b.members.join(',')})`;
    }
  return null;
}

/** Where an advice names a statement to run on one node: `run on db1: mysql -e "..."`. */
export function adviceCommand(advice: string): { node: string; sql: string } | null {
  const m = /run on (\S+): mysql -e "([^"]+)"/.exec(advice);
  return m ? { node: m[1], sql: m[2] } : null;
}

/** galera-init's last wait (or refusal) in a journal, with its advice, unless a decision followed it. */
export function lastAdvice(journal: string): { reason: string; advice: string } | null {
  let last: { reason: string; advice: string } | null = null;
  for (const line of journal.split('\n')) {
    const i = line.indexOf('{');
    if (i < 0) continue;
    try {
      const j = JSON.parse(line.slice(i)) as { msg?: string; reason?: string; advice?: string };
      if ((j.msg === 'waiting' || j.msg === 'refusing to decide' || j.msg === 'gave up waiting') && j.reason)
        last = { reason: j.reason, advice: j.advice ?? '' };
      else if (j.msg === 'decision' || j.msg === 'ready' || /bootstrapped|joined/.test(j.msg ?? '')) last = null;
    } catch {
      /* not one of galera-init's JSON lines */
    }
  }
  return last;
}

export class Campaign {
  /** Every commit acknowledged to the writer, by id: they must all be on every node. */
  readonly acked = new Set<number>();
  private nextId = 1;
  readonly log: string[] = [];

  constructor(
    readonly c: ProductionCluster,
    readonly say: (line: string) => void = (l) => console.log(l),
  ) {}

  /** The writer's table, made once on the running cluster. */
  async prepare(): Promise<void> {
    await this.c.sql(
      this.c.nodes[0],
      'CREATE DATABASE IF NOT EXISTS gx; CREATE TABLE IF NOT EXISTS gx.c (id BIGINT PRIMARY KEY, r INT)',
    );
  }

  private node(i: number): ClusterNode {
    return this.c.nodes[i];
  }

  private async doFault(f: Fault, plan: RoundPlan): Promise<void> {
    const c = this.c;
    switch (f.kind) {
      case 'powercut':
        for (let i = 0; i < f.nodes.length; i++) {
          if (f.gapsMs[i]) await sleep(f.gapsMs[i]);
          await this.node(f.nodes[i]).node.powerCut();
        }
        await sleep(f.downMs);
        await c.bootAll(f.nodes.map((i) => this.node(i)));
        return;
      case 'reboot':
        await this.node(f.node).node.shutdown(120000);
        await sleep(f.downMs);
        await c.bootAll([this.node(f.node)]);
        return;
      case 'partition':
        await Promise.all(f.nodes.map((i) => c.bridge.link(this.node(i).node.hostSide, 'down')));
        await sleep(f.forMs);
        // A node rebooted meanwhile by another fault has a new cable, already plugged in.
        await Promise.all(f.nodes.map((i) => c.bridge.link(this.node(i).node.hostSide, 'up').catch(() => undefined)));
        return;
      case 'kill': {
        const x = this.node(f.node);
        const unit = f.target === 'mariadbd' ? 'mariadb.service' : `${f.target}.service`;
        const pid = await x.node.prop(unit, 'MainPID');
        if (pid !== '0' && pid !== '') await x.node.exec(['kill', '-9', pid]);
        return;
      }
      case 'grastate': {
        const x = this.node(f.node);
        await x.node.powerCut();
        const file = path.join(x.node.upper, 'var/lib/mysql/grastate.dat');
        if (fs.existsSync(file)) {
          if (f.damage === 'missing') fs.rmSync(file);
          else {
            const rnd = roundRandom(plan.seed ^ 0x5bd1e995, plan.round);
            const junk = Buffer.from(Array.from({ length: 64 }, () => Math.floor(rnd() * 256)));
            fs.writeFileSync(file, f.damage === 'empty' ? '' : junk);
          }
        }
        await sleep(f.downMs);
        await c.bootAll([x]);
        return;
      }
    }
  }

  /** One commit at a time, round-robin over the running nodes; an error or a timeout is not an acknowledgement. */
  private async writer(plan: RoundPlan, stop: { done: boolean }): Promise<{ refused: number }> {
    let refused = 0;
    let k = 0;
    while (!stop.done) {
      const up = this.c.nodes.filter((x) => x.node.running);
      const x = up[k++ % Math.max(1, up.length)];
      if (x) {
        const id = this.nextId++;
        const r = await x.node
          .exec(['mariadb', '-e', `INSERT INTO gx.c (id, r) VALUES (${id}, ${plan.round})`], { timeoutMs: 10000 })
          .catch(() => ({ code: 1 }));
        if (r.code === 0) this.acked.add(id);
        else refused++;
      }
      await sleep(plan.writeEveryMs);
    }
    return { refused };
  }

  /** Every node asked at once, again and again; any sweep with two Primary components fails the round. */
  private async sampler(stop: { done: boolean }, found: { split: string | null; sweeps: number }): Promise<void> {
    while (!stop.done) {
      const views = (await Promise.all(this.c.nodes.map((x) => this.c.view(x).catch(() => null)))).filter(
        (v): v is WsrepView => v !== null,
      );
      found.sweeps++;
      const split = splitBrain(views);
      if (split && !found.split) found.split = split;
      await sleep(500);
    }
  }

  /**
   * Everything healed (every node on, every cable in, snmpd and the agent started), then Synced 3;
   * a galera-init wait with no Primary anywhere for 20 s is ended by running its advice, once.
   */
  private async converge(
    t0: number,
    boundMs: number,
    operator: string[],
    found: { split: string | null },
  ): Promise<void> {
    const c = this.c;
    const off = c.nodes.filter((x) => !x.node.running);
    if (off.length) await c.bootAll(off);
    for (const x of c.nodes) await c.bridge.link(x.node.hostSide, 'up');
    for (const x of c.nodes) await x.node.systemctl('start', 'snmpd.service', 'galera-agentx.service');
    const until = Date.now() + boundMs;
    let noPrimarySince = 0;
    for (;;) {
      // Two Primary components do not heal by themselves: the round has failed, say so now.
      if (found.split) return;
      const views = await Promise.all(c.nodes.map((x) => c.view(x).catch(() => null)));
      if (views.every((v) => v && v.size === c.nodes.length && v.state === 'Synced' && v.status === 'Primary')) return;
      const anyPrimary = views.some((v) => v?.status === 'Primary');
      noPrimarySince = anyPrimary ? 0 : noPrimarySince || Date.now();
      if (noPrimarySince && Date.now() - noPrimarySince > 20000 && operator.length < 2) {
        for (const x of c.nodes) {
          const w = lastAdvice(await x.node.journal('galera-init.service', t0));
          const cmd = w && adviceCommand(w.advice);
          const target = cmd && c.nodes.find((y) => y.name === cmd.node);
          if (!w || !cmd || !target) continue;
          operator.push(`${x.name} waits: ${w.reason}; ran on ${target.name}: ${cmd.sql}`);
          this.say(`      operator (galera-init's advice on ${x.name}): on ${target.name}: ${cmd.sql}`);
          await target.node.run(['mariadb', '-e', cmd.sql], { timeoutMs: 30000 });
          noPrimarySince = 0;
          break;
        }
      }
      if (Date.now() > until) {
        const seen = views.map(
          (v, i) => `${c.nodes[i].name}: ${v ? `${v.status} ${v.state} size ${v.size}` : 'no answer'}`,
        );
        const waits = [];
        for (const x of c.nodes.filter((y) => y.node.running)) {
          const w = lastAdvice(await x.node.journal('galera-init.service', t0));
          if (w) waits.push(`${x.name} galera-init waits: ${w.reason} (advice: ${w.advice || 'none'})`);
        }
        throw new Error(
          `not Synced 3 within ${Math.round(boundMs / 1000)} s of the heal: ${seen.join('; ')}${waits.length ? `\n${waits.join('\n')}` : '\nno galera-init wait names a command'}`,
        );
      }
      await sleep(1000);
    }
  }

  /** One round; `also` runs beside the plan's steps (the first boot is a round with no fault). */
  async round(plan: RoundPlan, boundMs: number, also?: () => Promise<void>): Promise<RoundResult> {
    const c = this.c;
    const t0 = Date.now();
    const stop = { done: false };
    const found = { split: null as string | null, sweeps: 0 };
    const sampling = this.sampler(stop, found);
    const ackedBefore = this.acked.size;
    const writing = this.writer(plan, stop);
    const operator: string[] = [];
    let failure: Error | null = null;
    try {
      await Promise.all([
        ...plan.steps.map(async (s) => {
          await sleep(s.atMs);
          await this.doFault(s.fault, plan);
        }),
        also?.(),
      ]);
      await this.converge(t0, boundMs, operator, found);
    } catch (e) {
      failure = e as Error;
    }
    const convergedMs = Date.now() - t0;
    stop.done = true;
    const { refused } = await writing;
    await sampling;
    if (found.split) throw new Error(found.split + (failure ? `\nand: ${failure.message}` : ''));
    if (failure) throw failure;
    // galera-init logs its decision before it acts, and ends (a oneshot) after the server is Synced:
    // once it has ended everywhere, every bootstrap decision of the round is in the journals.
    for (const x of c.nodes) await x.node.waitState('galera-init.service', ['inactive', 'failed'], 120000);
    const bootstraps: string[] = [];
    for (const x of c.nodes)
      for (const line of (await x.node.journal('galera-init.service', t0)).split('\n'))
        if (line.includes('"decision":"bootstrap"')) bootstraps.push(x.name);
    if (bootstraps.length > 1)
      throw new Error(`${bootstraps.length} bootstraps in one round: ${bootstraps.join(', ')}`);
    // Every acknowledged commit on every node (the last ones may still be applying: wait for them).
    for (const x of this.acked.size ? c.nodes : []) {
      let missing: number[] = [];
      for (let i = 0; i < 20; i++) {
        const have = new Set((await c.sql(x, 'SELECT id FROM gx.c')).split('\n').filter(Boolean).map(Number));
        missing = [...this.acked].filter((id) => !have.has(id));
        if (!missing.length) break;
        await sleep(500);
      }
      if (missing.length)
        throw new Error(
          `${x.name}: ${missing.length} acknowledged rows lost (ids ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''})`,
        );
    }
    return {
      acked: this.acked.size - ackedBefore,
      refused,
      sweeps: found.sweeps,
      bootstraps,
      operator,
      convergedMs,
    };
  }
}
