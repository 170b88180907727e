// The galera-agentx daemon, as a composition root: the sources (src/sources/index.ts) push facts;
// a change schedules one recompute on the next tick, which assembles the snapshot (the same pure
// function galera-check uses), builds the SNMP view, feeds the notifier, the health outputs and the
// promoter. The session reads the last view: nothing on the request path touches a file, a
// socket or a process.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Config, detectLatencyMs } from '../config';
import { AgentxSession } from '../snmp/agentx/session';
import { Mib, loadMib } from '../snmp/mib';
import { buildView, notificationVarbinds } from '../snmp/publish';
import { View, makeView } from '../snmp/view';
import type { Value } from '../snmp/agentx/pdu';
import { NodeSnapshot, NodeIdentity, WindowEstimate, assembleSnapshot } from '../core/snapshot';
import { HealthVerdict, healthVerdict } from '../core/health';
import { WsrepStatus } from '../core/wsrep-status';
import { ByteSample, addSample, rateOver, windowLow, windowOf } from '../core/window';
import { TrackFile } from './outputs/trackfile';
import { HealthEndpoint } from './outputs/http';
import { SourceSet, createSources } from '../sources/index';
import { executeStatement } from '../sources/mysql';
import { Notifier } from './notifier';
import { ActedCounter, WaitNotice, waitingNotice } from '../core/initstate';
import { Promoter } from './promoter';
import { Watch } from './watch';
import { MarkKeeper } from './mark';
import { durabilityOf } from '../core/mark';

export interface AgentOptions {
  /** false: no AgentX session (in-process tests). */
  snmp?: boolean;
  /** The sources, injected (tests); built from the config otherwise. */
  sources?: SourceSet;
}

export class Agent {
  readonly mib: Mib;
  readonly sources: SourceSet;
  session: AgentxSession | null = null;
  snapshot: NodeSnapshot | null = null;
  private view: View;
  private scheduled = false;
  private readonly notifier: Notifier;
  private readonly identity: NodeIdentity;
  /** A bootstrap server seen ready: it stays running for its life (see Readiness.wasReady). */
  private readyBootstrapPid = 0;
  private serverPids = '';
  private history: ByteSample[] = [];
  private lastSampleAt = 0;
  private readonly track: TrackFile | null;
  private readonly promoter: Promoter;
  private readonly watch: Watch;
  private readonly markKeeper: MarkKeeper | null;
  readonly http: HealthEndpoint | null;
  /** The rule shared by the track file, the HTTP endpoint and galera-check healthy. */
  health: HealthVerdict = { healthy: false, reason: 'Galera node is not known yet (agent starting).' };
  private stopped = false;
  /** galera-init's state, as the notifications need it: the last wait notice, the notices and acts counted. */
  private waitNotice: WaitNotice | null = null;
  private waitNotices = 0;
  private waitTimer: NodeJS.Timeout | null = null;
  private readonly acts = new ActedCounter();
  /** The sources have had their first look (the process table is scanned): see the track file. */
  private sourcesStarted = false;
  readonly stats = { recomputes: 0, notifications: 0 };

  constructor(
    private readonly cfg: Config,
    private readonly log: Logger,
    opts: AgentOptions = {},
  ) {
    this.mib = loadMib(cfg.mibFile);
    this.view = makeView([], []);
    this.sources = opts.sources ?? createSources(cfg, log);
    // galeraAgentInstance: tells one agent reached under two names from two nodes sharing a name.
    this.identity = {
      nodeName: cfg.nodeName,
      detectMs: detectLatencyMs(cfg),
      instance: randomUUID(),
      mysqlPolled: cfg.mysql.enabled,
      role: cfg.role,
      lowFreePercent: cfg.disk.lowFreePercent,
    };
    this.notifier = new Notifier(this.mib, cfg.notifications.holdMs, (name, extra) => void this.send(name, extra));
    this.track = cfg.keepalived.trackFile ? new TrackFile(cfg.keepalived.trackFile, log) : null;
    this.promoter = new Promoter(
      cfg,
      log,
      this.mib,
      (sql) => executeStatement(cfg.mysql, sql),
      () => this.schedule(),
    );
    this.markKeeper = cfg.mark.enabled ? new MarkKeeper(cfg, log, () => this.schedule()) : null;
    // The mark learns the members' positions from the watch's rounds: one GET per member for both.
    const mark = this.markKeeper;
    this.watch = new Watch(cfg, log, this.mib, () => this.schedule(), mark ? (peers) => mark.seen(peers) : undefined);
    this.http = cfg.http.listen ? new HealthEndpoint(cfg.http.listen, () => this.health, log) : null;
    if (opts.snmp !== false) {
      this.session = new AgentxSession({
        ...cfg.agentx,
        id: this.mib.root,
        descr: `galera-agentx ${cfg.nodeName}`,
        subtrees: [this.mib.root],
        log,
        view: () => this.view,
      });
    }
  }

  async start(): Promise<void> {
    await this.sources.start(() => this.schedule());
    this.sourcesStarted = true;
    this.recompute();
    this.promoter.start();
    this.watch.observe(this.snapshot as NodeSnapshot);
    this.watch.start();
    this.markKeeper?.start();
    await this.http?.start();
    this.session?.start();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.recompute();
    });
  }

  /** Rebuilds the snapshot and the view from the sources' latest facts. */
  recompute(): void {
    this.stats.recomputes++;
    this.sources.sync();
    const facts = this.sources.facts();
    const snap = assembleSnapshot(facts, this.sources.health(), Date.now(), this.identity, this.readyBootstrapPid);
    const servers = facts.processes.servers;
    const boot = servers.find((p) => p.bootstrap);
    if (boot && snap.status === 'running') this.readyBootstrapPid = boot.pid;
    const pids = servers.map((s) => s.pid).join(',');
    // A different server process: its byte counters started again at 0.
    if (pids !== this.serverPids) {
      this.serverPids = pids;
      this.history = [];
    }
    snap.window = this.windowEstimate(snap.wsrep);
    const prev = this.snapshot;
    this.snapshot = snap;
    this.promoter.observe(snap);
    this.watch.observe(snap);
    const watch = this.watch.state;
    if (this.markKeeper) {
      this.markKeeper.observe(snap, durabilityOf(facts.mysql.variables ?? {}), boot?.pid ?? 0);
      snap.mark = this.markKeeper.view(snap);
    }
    // One view, built once the mark and the watch have seen this snapshot (their objects are in it).
    this.view = buildView(this.mib, snap, Date.now, watch);
    // The notifications' first look waits for every source's first read. The sources start one by
    // one and each first read schedules a recompute: a look taken before the state files were read
    // took galera-init's last act (or a maintenance already on) for news at every agent restart.
    if (this.sourcesStarted) {
      this.observeInit(snap);
      this.notifier.observe(snap, {
        serverRunning: servers.length > 0,
        mysqlPolled: this.cfg.mysql.enabled,
        mysqlClosed: facts.mysql.closed,
        mysqlError: facts.mysql.error?.text ?? '',
        promotions: this.promoter.promotions.count,
        promotedReason: this.promoter.promotions.reason,
        split: watch.state === 'split',
        fenced: watch.fenced,
        datadirBelowMark: this.markKeeper?.belowCount ?? 0,
        initWaitingNotices: this.waitNotices,
        initActs: this.acts.count,
      });
    }
    // A fenced node is unhealthy whatever its own server says: that is the point of fencing.
    const health = watch.fenced
      ? { healthy: false, reason: `Galera node is fenced by the split-brain watch (${watch.reason}).` }
      : healthVerdict(snap.wsrep, servers.length > 0, this.cfg.keepalived, snap.maintenance);
    if (health.reason !== this.health.reason)
      this.log.info({ healthy: health.healthy, reason: health.reason }, 'health');
    this.health = health;
    // Not before a real verdict: no server process (after the first scan), or the server answered or
    // failed once. Before that the verdict is "unhealthy" for no reason, and keepalived would move
    // the VIP off a healthy node at every start of the agent (a package upgrade restarts it).
    // keepalived's init_file covers a file that does not exist yet.
    const verdictKnown =
      this.sourcesStarted &&
      (!!snap.maintenance ||
        !this.cfg.mysql.enabled ||
        servers.length === 0 ||
        facts.mysql.at > 0 ||
        facts.mysql.error !== null);
    if (verdictKnown)
      this.track?.write(this.health.healthy ? this.cfg.keepalived.healthyWeight : this.cfg.keepalived.unhealthyWeight);
    if (!prev || prev.status !== snap.status || prev.seqno !== snap.seqno || prev.seqnoSource !== snap.seqnoSource) {
      this.log.info(
        { status: snap.status, seqno: snap.seqno.toString(), source: snap.seqnoSource, reason: snap.reason },
        'node state',
      );
    }
  }

  /**
   * Counts galera-init's acts and the galeraInitWaiting notices due (core/initstate.ts), and looks
   * again when a wait will have lasted long enough: the state file does not change when it does.
   */
  private observeInit(snap: NodeSnapshot): void {
    this.acts.observe(snap.init ?? null);
    const now = Date.now();
    const r = waitingNotice(snap.init ?? null, this.waitNotice, now, this.cfg.init.notifyWaitingAfterSeconds * 1000);
    this.waitNotice = r.notice;
    if (r.due) this.waitNotices++;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    if (r.nextAt !== null && !this.stopped)
      this.waitTimer = setTimeout(() => this.schedule(), Math.max(0, r.nextAt - now) + 5);
  }

  private windowEstimate(w: WsrepStatus): WindowEstimate {
    if (w.at > this.lastSampleAt && w.receivedBytes !== null && w.replicatedBytes !== null) {
      this.history = addSample(
        this.history,
        { t: w.at, bytes: w.receivedBytes + w.replicatedBytes },
        this.cfg.window.longSpanSeconds * 1000,
      );
      this.lastSampleAt = w.at;
    }
    const rateShort = rateOver(this.history, this.cfg.window.shortSpanSeconds * 1000);
    const rateLong = rateOver(this.history, this.cfg.window.longSpanSeconds * 1000);
    const short = windowOf(w.gcacheBytes, rateShort);
    const desiredSeconds = this.cfg.window.desiredSeconds;
    return {
      rateShort,
      rateLong,
      short,
      long: windowOf(w.gcacheBytes, rateLong),
      desiredSeconds,
      low: windowLow(short, desiredSeconds),
    };
  }

  private async send(name: string, extra: Record<string, Value> = {}): Promise<void> {
    if (!this.session) return;
    this.log.info({ notification: name }, 'sending notification');
    if (await this.session.notify(notificationVarbinds(this.mib, this.view, name, extra))) this.stats.notifications++;
  }

  /**
   * Stops every source and output. `handover`: a restart onto new code (a package upgrade), so the
   * track file keeps its weight for the next agent to rewrite, and keepalived's VIP stays put.
   */
  async stop(opts: { handover?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    this.promoter.stop();
    this.watch.stop();
    this.markKeeper?.stop();
    await this.http?.stop();
    this.notifier.stop();
    // keepalived keeps the last weight it read: leave the unhealthy one behind.
    if (!opts.handover) this.track?.write(this.cfg.keepalived.unhealthyWeight);
    await this.sources.stop();
    await this.session?.stop();
  }
}
