// The galera-agentx daemon: sources -> snapshot -> (SNMP view, notifications).
// Every source pushes its facts; a change schedules one recompute on the next tick; the SNMP
// session reads the last view. Nothing on the request path touches a file, a socket or a process.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Config, detectLatencyMs } from './config';
import { AgentxSession } from './snmp/agentx/session';
import { Mib, loadMib } from './snmp/mib';
import { HeldChange, buildView, intValue, notificationVarbinds } from './snmp/publish';
import { View, makeView } from './snmp/view';
import type { Value } from './snmp/agentx/pdu';
import { NodeSnapshot, SourceHealth, SourceName, WindowEstimate, buildSnapshot } from './core/snapshot';
import { HealthVerdict, WsrepHealth, healthOf, healthVerdict } from './core/health';
import { ByteSample, addSample, rateOver, windowLow, windowOf } from './core/window';
import { TrackFile } from './outputs/trackfile';
import { grastateDamaged, needsRecovery } from './core/seqno';
import { HealthEndpoint } from './outputs/http';
import type { RecoveredPosition } from './core/recoverlog';
import type { NodeStatus } from './core/status';
import { ProcessSource } from './sources/processes';
import { LockSource } from './sources/lock';
import { DataFileSource, innodbStamp } from './sources/datafile';
import { GRASTATE_FILE, Grastate } from './core/grastate';
import { GVWSTATE_FILE, Gvwstate } from './core/gvwstate';
import { WsrepSource, wsrepView } from './sources/wsrep';
import { readRecoveryCache, recoveryKey, runRecovery, writeRecoveryCache } from './sources/recover';
import { Promoter } from './promoter';

export class Agent {
  readonly mib: Mib;
  readonly processes: ProcessSource;
  readonly lock: LockSource;
  readonly grastate: DataFileSource<Grastate>;
  readonly gvwstate: DataFileSource<Gvwstate>;
  readonly wsrep: WsrepSource;
  session: AgentxSession | null = null;
  snapshot: NodeSnapshot | null = null;
  private view: View;
  private scheduled = false;
  private serverPids = '';
  /** A bootstrap server seen ready: it stays running for its life (see Readiness.wasReady). */
  private readyBootstrapPid = 0;
  /** The InnoDB data's stamp, taken again when grastate.dat or the server processes change. */
  private stamp = { for: '', value: '' };
  private recovery: { version: string; position: RecoveredPosition | null; running: boolean; error: string; at: number } =
    { version: '', position: null, running: false, error: '', at: 0 };
  private statusNotifier: HeldChange<NodeStatus> | null = null;
  /** One held change per watched value, created at its first known value. */
  private watchers = new Map<string, HeldChange<string | number | boolean>>();
  private history: ByteSample[] = [];
  private lastSampleAt = 0;
  private readonly track: TrackFile | null;
  private readonly promoter: Promoter;
  readonly http: HealthEndpoint | null;
  /** The rule shared by the track file, the HTTP endpoint and galera-check healthy. */
  health: HealthVerdict = { healthy: false, reason: 'Galera node is not known yet (agent starting).' };
  private stopped = false;
  readonly stats = { recomputes: 0, notifications: 0 };
  /** galeraAgentInstance: tells one agent reached under two names from two nodes sharing a name. */
  private readonly instance = randomUUID();

  constructor(private readonly cfg: Config, private readonly log: Logger, opts: { snmp?: boolean } = {}) {
    this.mib = loadMib(cfg.mibFile);
    this.view = makeView([], []);
    this.processes = new ProcessSource({ ...cfg.processes, datadir: cfg.datadir, log });
    this.lock = new LockSource(cfg.lockFile, cfg.processes.scanIntervalMs, log);
    // One lstat per file per backstop period; a read only when it changed (see DataFileSource).
    const backstopMs = 2000;
    this.grastate = new DataFileSource(cfg.datadir, GRASTATE_FILE, backstopMs, log);
    this.gvwstate = new DataFileSource(cfg.datadir, GVWSTATE_FILE, backstopMs, log);
    this.wsrep = new WsrepSource({ ...cfg.mysql, log });
    this.track = cfg.keepalived.trackFile ? new TrackFile(cfg.keepalived.trackFile, log) : null;
    this.promoter = new Promoter(cfg, log, this.mib, this.wsrep,
      (text) => void this.send('galeraPromotedPrimary', { galeraNotifyText: { type: 4, value: text.slice(0, 255) } as Value }));
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
    const recompute = (): void => this.schedule();
    this.processes.on('change', recompute);
    this.lock.on('change', recompute);
    // A recovery galera-init or galera-check ran has rewritten InnoDB's redo log, and their result is
    // keyed by the data as the run left it: look at the data again, or the key never matches.
    this.lock.on('recovery-cache', () => { this.stamp = { for: '', value: '' }; recompute(); });
    this.grastate.on('change', recompute);
    this.gvwstate.on('change', recompute);
    this.wsrep.on('change', recompute);
    this.processes.start();
    this.lock.start();
    await this.grastate.start();
    await this.gvwstate.start();
    this.recompute();
    this.promoter.start();
    await this.http?.start();
    this.session?.start();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; if (!this.stopped) this.recompute(); });
  }

  private sourceHealth(): SourceHealth[] {
    const serverRunning = this.processes.facts.servers.length > 0;
    const w = this.wsrep.facts;
    const h = (name: SourceName, state: SourceHealth['state'], lastOkAt: number, error: string | null): SourceHealth =>
      ({ name, state, lastOkAt, error: error ?? '' });
    return [
      h('processes', this.processes.lastError ? 'failing' : 'ok', this.processes.lastScanAt, this.processes.lastError),
      h('lock', this.lock.state.state === 'unreadable' ? 'failing' : 'ok', this.lock.lastReadAt, this.lock.state.state === 'unreadable' ? this.lock.state.error : null),
      h('grastate', this.grastate.facts.error ? 'failing' : 'ok', this.grastate.lastReadAt, this.grastate.facts.error),
      h('mysql', !serverRunning || !this.cfg.mysql.enabled ? 'idle' : w.reachable ? 'ok' : 'failing', w.at, w.error),
      h('recovery', this.recovery.running || this.recovery.error ? (this.recovery.error ? 'failing' : 'ok') : 'idle', this.recovery.at, this.recovery.error || null),
      h('gvwstate', this.gvwstate.facts.error ? 'failing' : 'ok', this.gvwstate.lastReadAt, this.gvwstate.facts.error),
    ];
  }

  /** Rebuilds the snapshot and the view from the sources' latest facts. */
  recompute(): void {
    this.stats.recomputes++;
    const now = Date.now();
    const procs = this.processes.facts;
    const pids = procs.servers.map((s) => s.pid).join(',');
    if (pids !== this.serverPids) {
      // A different server process: the old one's wsrep values are not its values, and its
      // byte counters started again at 0.
      if (this.serverPids !== '' || pids !== '') this.wsrep.reset();
      this.serverPids = pids;
      this.history = [];
    }
    this.wsrep.setActive(this.cfg.mysql.enabled && procs.servers.length > 0);
    const gs = this.grastate.facts;
    const wv = wsrepView(this.wsrep.facts.status);
    const key = this.recoveryKeyNow(pids);
    const recovered = this.recovery.version === key ? this.recovery.position : null;
    const snap = buildSnapshot({
      at: now,
      nodeName: this.cfg.nodeName,
      processes: procs,
      lock: this.lock.state,
      grastate: gs.value,
      gvwstate: this.gvwstate.facts.value,
      wsrep: { reachable: this.wsrep.facts.reachable, accepting: this.wsrep.facts.accepting, ...wv },
      recovered,
      grastateDamaged: grastateDamaged(gs),
      hasData: this.stamp.value !== '',
      sources: this.sourceHealth(),
      readyBootstrapPid: this.readyBootstrapPid,
      detectMs: detectLatencyMs(this.cfg),
      instance: this.instance,
      mysqlPolled: this.cfg.mysql.enabled,
    });
    const boot = procs.servers.find((p) => p.bootstrap);
    if (boot && snap.status === 'running') this.readyBootstrapPid = boot.pid;
    const wf = this.wsrep.facts;
    snap.wsrep = healthOf(wf.status, wf.variables, wf.members, wf.reachable, wf.at);
    snap.window = this.windowEstimate(snap.wsrep);
    const prev = this.snapshot;
    this.snapshot = snap;
    this.promoter.observe(snap);
    this.view = buildView(this.mib, snap);
    this.watchWsrep(snap, procs.servers.length > 0);
    const health = healthVerdict(snap.wsrep, procs.servers.length > 0, this.cfg.keepalived.donorIsHealthy);
    if (health.reason !== this.health.reason) this.log.info({ healthy: health.healthy, reason: health.reason }, 'health');
    this.health = health;
    this.track?.write(this.health.healthy ? this.cfg.keepalived.healthyWeight : this.cfg.keepalived.unhealthyWeight);
    if (!prev || prev.status !== snap.status || prev.seqno !== snap.seqno || prev.seqnoSource !== snap.seqnoSource) {
      this.log.info({ status: snap.status, seqno: snap.seqno.toString(), source: snap.seqnoSource, reason: snap.reason }, 'node state');
    }
    if (!this.statusNotifier) {
      this.statusNotifier = new HeldChange<NodeStatus>(snap.status, this.cfg.notifications.holdMs, (next, before) => void this.notifyStatus(next, before));
    } else {
      this.statusNotifier.update(snap.status);
    }
    this.maybeRecover(procs.servers.length > 0 || procs.recoveries.length > 0, key);
  }

  /** The recovery key for the files now on disk; stats InnoDB only when no server runs. */
  private recoveryKeyNow(pids: string): string {
    const gs = this.grastate.facts;
    const forWhat = `${gs.version}|${pids}`;
    if (this.stamp.for !== forWhat) this.stamp = { for: forWhat, value: pids === '' ? innodbStamp(this.cfg.datadir) : '' };
    return recoveryKey(gs.version, this.stamp.value);
  }

  private windowEstimate(w: WsrepHealth): WindowEstimate {
    if (w.at > this.lastSampleAt && w.receivedBytes !== null && w.replicatedBytes !== null) {
      this.history = addSample(this.history, { t: w.at, bytes: w.receivedBytes + w.replicatedBytes }, this.cfg.window.longSpanSeconds * 1000);
      this.lastSampleAt = w.at;
    }
    const rateShort = rateOver(this.history, this.cfg.window.shortSpanSeconds * 1000);
    const rateLong = rateOver(this.history, this.cfg.window.longSpanSeconds * 1000);
    const short = windowOf(w.gcacheBytes, rateShort);
    const desiredSeconds = this.cfg.window.desiredSeconds;
    return { rateShort, rateLong, short, long: windowOf(w.gcacheBytes, rateLong), desiredSeconds, low: windowLow(short, desiredSeconds) };
  }

  /**
   * Notifications for wsrep values: a change is reported once it has held for the hold time, and
   * only between known values (a server that stops is reported by galeraStatusChanged, not by a
   * cascade of "unknown" traps). Alarms come in raise/clear pairs.
   */
  private watchWsrep(s: NodeSnapshot, serverRunning: boolean): void {
    const w = s.wsrep!;
    const e = (obj: string, label: string): Value => intValue(this.mib.enumValue(obj, label));
    if (w.reachable) {
      if (w.localState !== null) {
        this.watch('localState', w.localState, (_n, prev) => this.send('galeraLocalStateChanged', { galeraPrevLocalState: intValue(prev as number) }));
      }
      if (w.clusterStatus !== 'unknown') {
        this.watch('clusterStatus', w.clusterStatus, (_n, prev) => this.send('galeraClusterStatusChanged', { galeraPrevClusterStatus: e('galeraPrevClusterStatus', prev as string) }));
      }
      if (w.clusterSize !== null) {
        this.watch('clusterSize', w.clusterSize, (_n, prev) => this.send('galeraClusterSizeChanged', { galeraPrevClusterSize: { type: 66, value: prev as number } as Value }));
      }
    }
    if (s.window!.short.kind !== 'unknown') {
      this.watch('windowLow', s.window!.low, (low) => this.send(low ? 'galeraWindowLowAlarm' : 'galeraWindowRecovered'));
    }
    // Lost: a server runs, the agent had read it since it started, and now cannot.
    // A server that stops ends the condition silently: "regained" would say the opposite of what
    // happened (the status change tells it).
    if (!serverRunning) {
      this.watchers.get('mysqlLost')?.stop();
      this.watchers.delete('mysqlLost');
      return;
    }
    // A clean stop resets our connection (ECONNRESET) and then refuses connections until the
    // process exits: that is the server closing, reported by galeraStatusChanged, not a loss.
    const lost = this.cfg.mysql.enabled && w.at > 0 && !w.reachable && !this.wsrep.facts.closed;
    this.watch('mysqlLost', lost, (isLost) => this.send(isLost ? 'galeraMysqlLost' : 'galeraMysqlRegained',
      isLost ? { galeraNotifyText: { type: 4, value: (this.wsrep.facts.error ?? 'unknown error').slice(0, 255) } as Value } : {}), false);
  }

  private watch(key: string, value: string | number | boolean, report: (next: string | number | boolean, prev: string | number | boolean) => void, initial?: boolean): void {
    let h = this.watchers.get(key);
    if (!h) {
      h = new HeldChange<string | number | boolean>(initial ?? value, this.cfg.notifications.holdMs, report);
      this.watchers.set(key, h);
    }
    h.update(value);
  }

  private async send(name: string, extra: Record<string, Value> = {}): Promise<void> {
    if (!this.session) return;
    this.log.info({ notification: name }, 'sending notification');
    if (await this.session.notify(notificationVarbinds(this.mib, this.view, name, extra))) this.stats.notifications++;
  }

  private maybeRecover(busy: boolean, key: string): void {
    const gs = this.grastate.facts;
    if (this.recovery.running || this.recovery.version === key) return;
    if (!needsRecovery({ serverRunning: busy, recoveryRunning: false, grastate: gs.value, grastateDamaged: grastateDamaged(gs), hasData: this.stamp.value !== '' })) return;
    // A result found by galera-init or galera-check (root) is served even when this agent may not
    // run the recovery itself (an unprivileged agent cannot write the datadir).
    const cached = readRecoveryCache(this.cfg.lockFile, key);
    if (cached) {
      this.recovery = { version: key, position: cached, running: false, error: '', at: Date.now() };
      this.schedule();
      return;
    }
    if (!this.cfg.recovery.enabled) return;
    // Never while a lock is held: the holder may be about to start the server on this datadir.
    if (this.lock.state.state === 'held') return;
    // A starting server writes grastate.dat (seqno -1) at once; that event can beat the periodic
    // scan, so look at the process table again before touching the datadir.
    const fresh = this.processes.scan();
    if (fresh.servers.length > 0 || fresh.recoveries.length > 0) return;
    this.recovery = { version: key, position: null, running: true, error: '', at: this.recovery.at };
    void runRecovery({
      command: this.cfg.recovery.command, datadir: this.cfg.datadir, lockFile: this.cfg.lockFile, timeoutMs: this.cfg.recovery.timeoutMs, log: this.log,
      abortIf: () => this.processes.facts.servers.length > 0,
    })
      .then((r) => {
        if (r.ok) {
          this.log.info({ uuid: r.position.uuid, seqno: r.position.seqno.toString(), ms: r.ms }, 'recovered the seqno');
          // Keyed by the data as the run left it (it may have applied InnoDB's redo log).
          this.stamp = { for: '', value: '' };
          const after = this.recoveryKeyNow('');
          this.recovery = { version: after, position: r.position, running: false, error: '', at: Date.now() };
          writeRecoveryCache(this.cfg.lockFile, after, r.position);
        } else {
          this.log.warn({ err: r.error, ms: r.ms }, r.busy ? 'recovery postponed: the lock is busy' : 'recovery failed; seqno stays unknown until grastate.dat changes');
          // A busy lock is retried at the next change; a failure only when grastate.dat changes.
          this.recovery = { version: r.busy ? '' : key, position: null, running: false, error: r.busy ? '' : r.error, at: this.recovery.at };
        }
        this.lock.refresh();
        this.schedule();
      });
  }

  private async notifyStatus(_next: NodeStatus, prev: NodeStatus): Promise<void> {
    await this.send('galeraStatusChanged', { galeraPrevStatus: intValue(this.mib.enumValue('galeraPrevStatus', prev)) });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.promoter.stop();
    await this.http?.stop();
    this.statusNotifier?.stop();
    for (const h of this.watchers.values()) h.stop();
    // keepalived keeps the last weight it read: leave the unhealthy one behind.
    this.track?.write(this.cfg.keepalived.unhealthyWeight);
    this.processes.stop();
    this.lock.stop();
    this.wsrep.stop();
    await this.grastate.stop();
    await this.gvwstate.stop();
    await this.session?.stop();
  }
}
