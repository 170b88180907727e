// The fault campaign on the production layout (issue 22): runs a round's plan (campaign-plan.ts)
// against a ProductionCluster while a writer commits rows and a sampler reads every node's view of
// the cluster, then heals and checks. What a round asserts:
//   - no acknowledged row lost: every commit the writer saw succeed is on every node afterwards;
//   - never two Primary components at one time: in every sweep (every node asked at once), all
//     Primary nodes share one state UUID and their member sets overlap;
//   - at most one bootstrap by galera-init per round;
//   - Synced 3 again: by itself, or after a galera-init wait whose advice names the command that
//     ends it (`run on dbN: mysql -e "..."`), which the campaign then runs, as an operator would,
//     once the NMS (snmptrapd on the bridge) has received galeraInitWaiting with that advice; or
//     after a node Galera took out as Inconsistent (a write-set it could not apply: the full disk)
//     is restarted with the command its health reason names, once the NMS has received
//     galeraLocalStateChanged saying Inconsistent from it;
//   - keepalived's VIP (the writer's only way in) on a healthy node within the VIP bound of every
//     change, whenever some reachable node is healthy (VipWatch), and on one node at the end.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { sleep, tempDir } from './proc';
import { ClusterNode, ProductionCluster, VIP, WsrepView } from './production';
import { Fault, RoundPlan, roundRandom } from './campaign-plan';
import type { Trap } from './traps';
import { loadMib } from '../../src/snmp/mib';
import { inconsistencyIn, parseJournalJson } from '../../src/core/autorecover';

const pexec = promisify(execFile);
const mib = loadMib();
const WAITING_OID = mib.notifications.get('galeraInitWaiting')!.oid.join('.');
const LOCAL_STATE_OID = mib.notifications.get('galeraLocalStateChanged')!.oid.join('.');
const vbOid = (name: string): string => `${mib.object(name).oid.join('.')}.0`;
const DISK_LOW_OID = mib.notifications.get('galeraDiskLowAlarm')!.oid.join('.');
const DISK_OK_OID = mib.notifications.get('galeraDiskRecovered')!.oid.join('.');

/** How many notifications of one kind (by OID) the NMS received from one node. */
export function noticesFrom(traps: Trap[], oid: string, node: string): number {
  return traps.filter((t) => t.trapOid === oid && t.varbinds.get(vbOid('galeraNodeName')) === node).length;
}

export interface RoundResult {
  acked: number;
  refused: number;
  sweeps: number;
  bootstraps: string[];
  /** The galera-init advice the campaign carried out to end a wait (empty when the cluster healed alone). */
  operator: string[];
  /** From the round's start until Synced 3. */
  convergedMs: number;
  /** The longest time the VIP was off every healthy node while one was healthy (VipWatch). */
  vipWorstMs: number;
  /** How often the VIP changed hands. */
  vipMoves: number;
}

/**
 * VRRP's master-down interval with docs/keepalived.conf (advert_int 1, priority 100): 3 adverts
 * plus the skew (256 - 100) / 256 s (RFC 5798 6.1). A backup takes the VIP only after it, when the
 * holder vanished without a word (power cut, cable pulled) or nobody held it (a fresh election);
 * a holder that turns unhealthy leaves at once with a priority-0 advert and a peer takes over
 * after the skew alone.
 */
export const VRRP_MASTER_DOWN_MS = 3000 + Math.round(((256 - 100) / 256) * 1000);

/** One sweep as the VIP check sees it: only reachable nodes (running, cable in) count. */
export interface VipSample {
  at: number;
  /** Synced in the Primary component. */
  healthy: string[];
  /** Hold the VIP on their eth0. */
  holders: string[];
}

/**
 * Whenever some reachable node is healthy, the VIP must sit on healthy nodes only (two holders
 * while VRRP settles are fine if both are healthy) within boundMs of the sweep where it first did
 * not, plus VRRP_MASTER_DOWN_MS when no reachable node held it then.
 */
export class VipWatch {
  failure: string | null = null;
  worstMs = 0;
  moves = 0;
  private badSince: number | null = null;
  private allowMs = 0;
  private last = '';

  constructor(readonly boundMs: number) {}

  feed(s: VipSample): void {
    const key = [...s.holders].sort().join(',');
    if (key && key !== this.last) {
      if (this.last) this.moves++;
      this.last = key;
    }
    const good = s.holders.length > 0 && s.holders.every((h) => s.healthy.includes(h));
    if (good || !s.healthy.length) {
      // The time off a healthy node runs until this sweep, the first that saw it back.
      if (good && this.badSince !== null) this.worstMs = Math.max(this.worstMs, s.at - this.badSince);
      this.badSince = null;
      return;
    }
    if (this.badSince === null) {
      this.badSince = s.at;
      this.allowMs = this.boundMs + (s.holders.length ? 0 : VRRP_MASTER_DOWN_MS);
    }
    const d = s.at - this.badSince;
    this.worstMs = Math.max(this.worstMs, d);
    if (d > this.allowMs && !this.failure)
      this.failure =
        `the VIP was off every healthy node for ${d} ms (allowed ${this.allowMs} ms): ` +
        `healthy ${s.healthy.join(',')}, holders ${s.holders.join(',') || 'none'}`;
  }
}

/** The advice of every galeraInitWaiting the NMS received from one node (snmptrapd's escapes undone). */
export function waitingAdvice(traps: Trap[], node: string): string[] {
  return traps
    .filter((t) => t.trapOid === WAITING_OID && t.varbinds.get(vbOid('galeraNodeName')) === node)
    .map((t) => (t.varbinds.get(vbOid('galeraInitAdvice')) ?? '').replace(/\\(["\\])/g, '$1'));
}

/** How many galeraLocalStateChanged saying Inconsistent (galeraLocalStateComment) the NMS received from one node. */
export function inconsistentNotices(traps: Trap[], node: string): number {
  return traps.filter(
    (t) =>
      t.trapOid === LOCAL_STATE_OID &&
      t.varbinds.get(vbOid('galeraNodeName')) === node &&
      /^inconsistent$/i.test((t.varbinds.get(vbOid('galeraLocalStateComment')) ?? '').trim()),
  ).length;
}

/** The command a health reason ends with (`...; fix the cause, then systemctl restart mariadb (...)`). */
export function healthCommand(reason: string): string[] | null {
  const m = /then (systemctl restart [\w@.-]+)/.exec(reason);
  return m ? m[1].split(' ') : null;
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
  /** Nodes whose cable is pulled now: they count as unreachable for the VIP check. */
  private readonly cut = new Set<number>();
  /** The writer's client options (the VIP, its account): a file, so no password is in argv. */
  private clientCnf = '';
  /**
   * A story's step between "the NMS knows a node is Inconsistent" and the operator's command (the
   * round 38 story kills that server first); what it returns joins the round's operator record.
   */
  beforeOperator: ((x: ClusterNode) => Promise<string>) | null = null;

  constructor(
    readonly c: ProductionCluster,
    /** The VIP on a healthy node within this long of a change (3 s × TEST_SLACK in the test). */
    readonly vipBoundMs: number,
    readonly say: (line: string) => void = (l) => console.log(l),
  ) {}

  /** The writer's table and account (it connects through the VIP, from the bridge), made once. */
  async prepare(): Promise<void> {
    const password = `gx${Math.random().toString(36).slice(2)}`;
    await this.c.sql(
      this.c.nodes[0],
      'CREATE DATABASE IF NOT EXISTS gx; CREATE TABLE IF NOT EXISTS gx.c (id BIGINT PRIMARY KEY, r INT); ' +
        `CREATE USER IF NOT EXISTS 'gxw'@'192.0.2.%' IDENTIFIED BY '${password}'; ` +
        "GRANT SELECT, INSERT ON gx.* TO 'gxw'@'192.0.2.%'",
    );
    this.clientCnf = path.join(tempDir('gx-campaign-'), 'writer.cnf');
    fs.writeFileSync(this.clientCnf, `[client]\nhost=${VIP}\nuser=gxw\npassword=${password}\nconnect-timeout=3\n`, {
      mode: 0o600,
    });
  }

  /** One statement through the VIP, from the bridge (where the NMS and the clients are). */
  private async viaVip(sql: string): Promise<boolean> {
    if (!this.clientCnf) return false;
    return pexec('ip', ['netns', 'exec', this.c.bridge.ns, 'mariadb', `--defaults-file=${this.clientCnf}`, '-e', sql], {
      timeout: 10000,
      killSignal: 'SIGKILL',
    }).then(
      () => true,
      () => false,
    );
  }

  /** Frames dropped at random on the bridge: every port, or these nodes' ports. */
  private async loss(nodes: number[] | 'all', percent: number): Promise<void> {
    const rule = `numgen random mod 100 < ${percent} drop`;
    const match =
      nodes === 'all'
        ? [rule]
        : nodes.flatMap((i) => [
            `iifname "${this.node(i).node.hostSide}" ${rule}`,
            `oifname "${this.node(i).node.hostSide}" ${rule}`,
          ]);
    // One statement a line: nft's one-line syntax takes chain names such as `fwd` for keywords.
    const chain = (name: string, hook: string): string =>
      `chain ${name} { type filter hook ${hook} priority 0; policy accept; ${match.join('; ')}; }`;
    const ruleset = [
      'table bridge gxloss {',
      chain('lossfwd', 'forward'),
      chain('lossin', 'input'),
      chain('lossout', 'output'),
      '}',
      '',
    ].join('\n');
    await new Promise<void>((resolve, reject) => {
      const p = execFile('ip', ['netns', 'exec', this.c.bridge.ns, 'nft', '-f', '-'], (err, _o, stderr) =>
        err ? reject(new Error(`nft (loss on the bridge): ${stderr || err.message}`)) : resolve(),
      );
      p.stdin!.end(ruleset);
    });
  }

  private async healLoss(): Promise<void> {
    await pexec('ip', ['netns', 'exec', this.c.bridge.ns, 'nft', 'delete', 'table', 'bridge', 'gxloss']).catch(
      () => undefined,
    );
  }

  private healDisk(): void {
    for (const x of this.c.nodes) if (x.node.datadirMount) this.c.freeDatadir(x);
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
        for (const i of f.nodes) this.cut.add(i);
        await Promise.all(f.nodes.map((i) => c.bridge.link(this.node(i).node.hostSide, 'down')));
        await sleep(f.forMs);
        // A node rebooted meanwhile by another fault has a new cable, already plugged in.
        await Promise.all(f.nodes.map((i) => c.bridge.link(this.node(i).node.hostSide, 'up').catch(() => undefined)));
        for (const i of f.nodes) this.cut.delete(i);
        return;
      case 'loss':
        await this.loss(f.nodes.length === c.nodes.length ? 'all' : f.nodes, f.percent);
        await sleep(f.forMs);
        await this.healLoss();
        return;
      case 'disk': {
        // The product names a filling datadir before Galera acts on it: while the filesystem is
        // full the NMS reads galeraDiskSpaceLow true (polled: it has no loss on this node's port,
        // the plan's faults are on other nodes) and receives galeraDiskLowAlarm; once it is freed,
        // galeraDiskRecovered.
        const x = this.node(f.node);
        const before = c.traps();
        c.fillDatadir(x);
        const until = Date.now() + f.forMs;
        let low = '';
        while (low !== '1' && Date.now() < until) {
          low = await c.snmp(x, 'get', vbOid('galeraDiskSpaceLow')).catch(() => '');
          if (low !== '1') await sleep(500);
        }
        await sleep(until - Date.now());
        this.healDisk();
        if (low !== '1')
          throw new Error(
            `${x.name}: its datadir filesystem was full for ${f.forMs} ms; the NMS never read galeraDiskSpaceLow true`,
          );
        const told = async (oid: string, what: string): Promise<void> => {
          for (
            const by = Date.now() + 30000;
            noticesFrom(c.traps(), oid, x.name) <= noticesFrom(before, oid, x.name);
          ) {
            if (Date.now() > by)
              throw new Error(`${x.name}: its datadir filesystem was full; the NMS received no ${what} within 30 s`);
            await sleep(250);
          }
        };
        await told(DISK_LOW_OID, 'galeraDiskLowAlarm');
        await told(DISK_OK_OID, 'galeraDiskRecovered after it was freed');
        return;
      }
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
        const file = path.join(x.node.datadir, 'grastate.dat');
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

  /** One commit at a time, through the VIP, as a client would; an error or a timeout is not an acknowledgement. */
  private async writer(plan: RoundPlan, stop: { done: boolean }): Promise<{ refused: number }> {
    let refused = 0;
    while (!stop.done) {
      const id = this.nextId++;
      if (await this.viaVip(`INSERT INTO gx.c (id, r) VALUES (${id}, ${plan.round})`)) this.acked.add(id);
      else refused++;
      await sleep(plan.writeEveryMs);
    }
    return { refused };
  }

  private reachable(i: number): boolean {
    return this.c.nodes[i].node.running && !this.cut.has(i);
  }

  /**
   * Every node asked at once, again and again; any sweep with two Primary components fails the
   * round; each sweep also feeds the VIP check (who holds it, who is healthy).
   */
  private async sampler(
    stop: { done: boolean },
    found: { split: string | null; sweeps: number },
    vip: VipWatch,
  ): Promise<void> {
    while (!stop.done) {
      const [all, holders] = await Promise.all([
        Promise.all(this.c.nodes.map((x) => this.c.view(x).catch(() => null))),
        this.c.vipHolders().catch(() => [] as string[]),
      ]);
      const views = all.filter((v): v is WsrepView => v !== null);
      found.sweeps++;
      const split = splitBrain(views);
      if (split && !found.split) found.split = split;
      const ok = (i: number): boolean => this.reachable(i);
      vip.feed({
        at: Date.now(),
        healthy: this.c.nodes
          .filter((_, i) => ok(i) && all[i]?.status === 'Primary' && all[i]?.state === 'Synced')
          .map((x) => x.name),
        holders: holders.filter((h) => ok(this.c.nodes.findIndex((x) => x.name === h))),
      });
      await sleep(500);
    }
  }

  /**
   * Everything healed (every node on, every cable in, no loss, the disk freed, snmpd and the agent
   * started), then Synced 3; a galera-init wait with no Primary anywhere for 20 s is ended by
   * running its advice once the NMS has received it in galeraInitWaiting (sent after
   * init.notifyWaitingAfterSeconds, 60 s by default: that time is not the cluster's, so it does not
   * count against the bound).
   */
  private async converge(
    t0: number,
    boundMs: number,
    operator: string[],
    found: { split: string | null },
    inconsistentBefore: Map<string, number>,
  ): Promise<void> {
    const c = this.c;
    const off = c.nodes.filter((x) => !x.node.running);
    if (off.length) await c.bootAll(off);
    for (const x of c.nodes) await c.bridge.link(x.node.hostSide, 'up');
    this.cut.clear();
    await this.healLoss();
    this.healDisk();
    for (const x of c.nodes) await x.node.systemctl('start', 'snmpd.service', 'galera-agentx.service');
    let until = Date.now() + boundMs;
    let noPrimarySince = 0;
    let pending: {
      x: ClusterNode;
      target: ClusterNode;
      reason: string;
      advice: string;
      sql: string;
      since: number;
    } | null = null;
    let inconsistent: { x: ClusterNode; since: number } | null = null;
    for (;;) {
      // Two Primary components do not heal by themselves: the round has failed, say so now.
      if (found.split) return;
      const views = await Promise.all(c.nodes.map((x) => c.view(x).catch(() => null)));
      if (views.every((v) => v && v.size === c.nodes.length && v.state === 'Synced' && v.status === 'Primary')) return;
      const anyPrimary = views.some((v) => v?.status === 'Primary');
      noPrimarySince = anyPrimary ? 0 : noPrimarySince || Date.now();
      if (anyPrimary) pending = null;
      if (!pending && noPrimarySince && Date.now() - noPrimarySince > 20000 && operator.length < 2) {
        for (const x of c.nodes) {
          const w = lastAdvice(await x.node.journal('galera-init.service', t0));
          const cmd = w && adviceCommand(w.advice);
          const target = cmd && c.nodes.find((y) => y.name === cmd.node);
          if (!w || !cmd || !target) continue;
          pending = { x, target, reason: w.reason, advice: w.advice, sql: cmd.sql, since: Date.now() };
          break;
        }
      }
      if (pending) {
        // The operator acts on what the NMS shows: the trap's advice, which must be the journal's.
        const p = pending;
        const waited = Date.now() - p.since;
        if (waitingAdvice(c.traps(), p.x.name).includes(p.advice)) {
          operator.push(
            `${p.x.name} waits: ${p.reason}; the NMS got galeraInitWaiting with its advice ` +
              `(${Math.round(waited / 1000)} s after the campaign looked); ran on ${p.target.name}: ${p.sql}`,
          );
          this.say(`      operator (galeraInitWaiting from ${p.x.name} at the NMS): on ${p.target.name}: ${p.sql}`);
          await p.target.node.run(['mariadb', '-e', p.sql], { timeoutMs: 30000 });
          until += waited;
          noPrimarySince = 0;
          pending = null;
        } else if (waited > 150000 * (boundMs / 120000)) {
          const got = waitingAdvice(c.traps(), p.x.name);
          throw new Error(
            `${p.x.name}: galera-init waits (${p.reason}; advice: ${p.advice}) but the NMS received no ` +
              `galeraInitWaiting with that advice within ${Math.round(waited / 1000)} s ` +
              `(its galeraInitWaiting advice so far: ${got.length ? got.join(' | ') : 'none'})`,
          );
        }
      }
      // Galera takes a node out as Inconsistent when a write-set fails to apply there (a full
      // disk): the server stays up, Disconnected, and neither it nor the automatic recovery acts;
      // that is a person's call. The operator acts on what the NMS shows (galeraLocalStateChanged
      // saying Inconsistent, from this round) and runs the command the node's health reason names.
      const out = views.findIndex((v) => v !== null && /^inconsistent$/i.test(v.state.trim()));
      if (!inconsistent && out >= 0 && operator.length < 2) inconsistent = { x: c.nodes[out], since: Date.now() };
      if (inconsistent) {
        const p = inconsistent;
        const waited = Date.now() - p.since;
        if (inconsistentNotices(c.traps(), p.x.name) > (inconsistentBefore.get(p.x.name) ?? 0)) {
          const h = await p.x.node.exec(['galera-check', 'healthy'], { timeoutMs: 15000 });
          const reason = `${h.stdout} ${h.stderr}`.replace(/\s+/g, ' ').trim();
          const cmd = healthCommand(reason);
          if (h.code === 0 || !/Inconsistent/.test(reason) || !cmd)
            throw new Error(
              `${p.x.name} is Inconsistent and the NMS knows, but galera-check healthy (exit ${h.code}) ` +
                `does not name it and a command: ${reason}`,
            );
          // The automatic recovery's reading of the server's journal (src/init/auto.ts, the same
          // journalctl and the same parse) must know these words for what they are: were this
          // server to die now and its unit give up, a recovery would bring an inconsistent node back.
          const journal = await p.x.node.run(
            [
              'journalctl',
              '-u',
              'mariadb.service',
              '-b',
              '-o',
              'json',
              '-n',
              '20000',
              '--no-pager',
              '--output-fields=MESSAGE,MESSAGE_ID',
            ],
            { timeoutMs: 30000 },
          );
          const said = inconsistencyIn(parseJournalJson(journal));
          if (said === null)
            throw new Error(
              `${p.x.name} is Inconsistent, but the automatic recovery finds no inconsistency in its server's ` +
                `journal: its words are not the server's. The server's WSREP lines: ` +
                parseJournalJson(journal)
                  .filter((e) => /WSREP/.test(e.message))
                  .slice(-15)
                  .map((e) => e.message)
                  .join(' | '),
            );
          const before = this.beforeOperator ? `; ${await this.beforeOperator(p.x)}` : '';
          operator.push(
            `${p.x.name} Inconsistent; the NMS got galeraLocalStateChanged saying so ` +
              `(${Math.round(waited / 1000)} s after the campaign saw it); the automatic recovery would refuse on "${said}"${before}; ` +
              `its health reason names: ${cmd.join(' ')}; ran it`,
          );
          this.say(
            `      operator (galeraLocalStateChanged Inconsistent from ${p.x.name} at the NMS): ${cmd.join(' ')}`,
          );
          await p.x.node.run(cmd, { timeoutMs: 300000 });
          until += Date.now() - p.since;
          inconsistent = null;
        } else if (waited > 60000 * (boundMs / 120000)) {
          throw new Error(
            `${p.x.name} is Inconsistent (out of the cluster until a person acts) but the NMS received no ` +
              `galeraLocalStateChanged saying so within ${Math.round(waited / 1000)} s`,
          );
        }
      }
      if (!pending && !inconsistent && Date.now() > until) {
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
    const vip = new VipWatch(this.vipBoundMs);
    const sampling = this.sampler(stop, found, vip);
    const ackedBefore = this.acked.size;
    const writing = this.writer(plan, stop);
    const operator: string[] = [];
    // The NMS's Inconsistent notices so far: only a new one is this round's.
    const trapsBefore = c.traps();
    const inconsistentBefore = new Map(c.nodes.map((x) => [x.name, inconsistentNotices(trapsBefore, x.name)]));
    let failure: Error | null = null;
    try {
      await Promise.all([
        ...plan.steps.map(async (s) => {
          await sleep(s.atMs);
          await this.doFault(s.fault, plan);
        }),
        also?.(),
      ]);
      await this.converge(t0, boundMs, operator, found, inconsistentBefore);
    } catch (e) {
      failure = e as Error;
    }
    const convergedMs = Date.now() - t0;
    stop.done = true;
    const { refused } = await writing;
    await sampling;
    if (found.split) throw new Error(found.split + (failure ? `\nand: ${failure.message}` : ''));
    if (failure) throw failure;
    if (vip.failure) throw new Error(vip.failure);
    // Healed: the VIP on one node, which is healthy (all three are Synced by now).
    const vipBy = Date.now() + this.vipBoundMs + VRRP_MASTER_DOWN_MS;
    for (let h = await c.vipHolders(); h.length !== 1; h = await c.vipHolders()) {
      if (Date.now() > vipBy)
        throw new Error(
          `the cluster is Synced 3 but the VIP is on ${h.length ? h.join(' and ') : 'no node'} ` +
            `${Math.round((this.vipBoundMs + VRRP_MASTER_DOWN_MS) / 1000)} s later`,
        );
      await sleep(200);
    }
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
      vipWorstMs: vip.worstMs,
      vipMoves: vip.moves,
    };
  }
}
