// galera-init: asks every member's agent, decides under the lock (pure decide()), and starts the
// server the configured way. Waits, with a reason on every round, when in doubt.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { Config, ConfigError } from './config';
import { collectOnce } from './collect';
import { Decision, MemberFacts, decide } from './core/decide';
import { withSafeToBootstrap } from './core/grastate-edit';
import type { NodeSnapshot } from './core/snapshot';
import { loadMib, Mib } from './snmp/mib';
import { PeerTarget, askPeers, parseTarget } from './snmp/peers';
import { acquireLock, releaseLock } from './sources/lock';
import { ProcessSource } from './sources/processes';
import { ACCESS_DENIED } from './sources/wsrep';
import { clusterHosts, readServerOptions } from './sources/servercnf';
import { expandCommand } from './sources/recover';

export const EXIT = { OK: 0, FAILED: 1, TEMPFAIL: 75, CONFIG: 78 } as const;

export interface InitOptions { dryRun: boolean; force: boolean; once: boolean; out: NodeJS.WritableStream }

/** Every member's SNMP target, and which one is this node. */
export function resolveMembers(cfg: Config): { targets: PeerTarget[]; selfId: string } {
  const i = cfg.init;
  const defaults = {
    port: i.snmpPort, version: i.snmpVersion, community: i.community, user: i.snmpUser, authProtocol: i.authProtocol,
    authKey: i.authKey || undefined, privProtocol: i.privProtocol, privKey: i.privKey || undefined, timeoutMs: i.snmpTimeoutMs, retries: i.snmpRetries,
  };
  let members = i.members;
  let nodeHost = '';
  if (members.length === 0 || !i.self) {
    const server = readServerOptions(i.serverConfig);
    const address = server.values.get('wsrep_cluster_address') ?? '';
    nodeHost = (server.values.get('wsrep_node_address') ?? '').replace(/:\d+$/, '');
    if (members.length === 0) {
      const hosts = clusterHosts(address);
      if (hosts.length === 0) {
        throw new ConfigError(`no members: set init.members in the config, or wsrep_cluster_address in ${i.serverConfig}` +
          `${server.problems.length ? ` (${server.problems.join('; ')})` : ''}`);
      }
      members = hosts.map((h) => ({ target: h.includes(':') ? `[${h}]` : h }));
    }
  }
  const targets = members.map((m) => {
    const t = parseTarget(m.target, defaults);
    return { ...t, community: m.community ?? t.community, user: m.snmpUser ?? t.user, authKey: m.authKey ?? t.authKey, privKey: m.privKey ?? t.privKey };
  });
  let selfId = i.self;
  if (!selfId) {
    const locals = new Set([nodeHost, os.hostname(), ...Object.values(os.networkInterfaces()).flat().map((a) => a?.address ?? '')].filter(Boolean));
    const mine = targets.filter((t) => locals.has(t.host));
    if (mine.length !== 1) {
      throw new ConfigError(`cannot tell which member is this node (${mine.length} match its addresses): set init.self to one of ${targets.map((t) => t.id).join(', ')}`);
    }
    selfId = mine[0].id;
  }
  if (!targets.some((t) => t.id === selfId)) throw new ConfigError(`init.self '${selfId}' is not among the members ${targets.map((t) => t.id).join(', ')}`);
  return { targets, selfId };
}

function selfFacts(id: string, s: NodeSnapshot): MemberFacts {
  return { id, self: true, answered: true, status: s.status, seqno: s.seqno, uuid: s.uuid, safeToBootstrap: s.safeToBootstrap };
}

export function formatTable(members: MemberFacts[], d: Decision): string {
  const rows = members.map((m) => [
    `${m.id}${m.self ? ' (this node)' : ''}`, m.answered ? 'yes' : 'no', m.status ?? '?', m.seqno?.toString() ?? '?', m.uuid ?? '', m.safeToBootstrap === true ? '1' : m.safeToBootstrap === false ? '0' : '?', m.error ?? '',
  ]);
  const head = ['member', 'answered', 'status', 'seqno', 'uuid', 'safe', 'note'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n\ndecision: ${d.action}${'target' in d ? ` ${d.target}` : ''}\nreason:   ${d.reason}\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sets safe_to_bootstrap: 1 (atomically, keeping owner and mode) when the chosen node's file says 0. */
function markSafeToBootstrap(datadir: string, log: Logger): void {
  const file = path.join(datadir, 'grastate.dat');
  let text: string;
  let st: fs.Stats;
  try { st = fs.statSync(file); text = fs.readFileSync(file, 'utf8'); } catch { return; } // no file: a fresh node
  const next = withSafeToBootstrap(text);
  if (next === text) return;
  const tmp = `${file}.galera-init.tmp`;
  fs.writeFileSync(tmp, next, { mode: st.mode & 0o777, flag: 'w' });
  fs.chownSync(tmp, st.uid, st.gid);
  fs.renameSync(tmp, file);
  log.warn({ file }, 'set safe_to_bootstrap: 1 on the chosen node (it said 0 after a crash)');
}

/** Starts the server; resolves once the process exists (so the lock may go) or the command failed. */
async function startServer(cfg: Config, argv: string[], position: string, log: Logger): Promise<{ ok: boolean; error?: string }> {
  // {position} is the uuid:seqno found for this node, for a direct `mariadbd --wsrep-start-position=`
  // start (what MariaDB's unit does through galera_recovery): without it a crashed node that
  // bootstraps starts a new history, and every joiner then needs a full SST.
  const cmd = expandCommand(argv, { datadir: cfg.datadir, position });
  log.info({ argv: cmd }, 'starting the server');
  // Detached and with no pipes: a server run directly must outlive us and never get SIGPIPE.
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: true });
  let exit: { code: number | null; error?: string } | null = null;
  child.on('exit', (code) => { exit = { code }; });
  child.on('error', (err) => { exit = { code: null, error: err.message }; });
  child.unref();
  const until = Date.now() + cfg.init.startTimeoutSeconds * 1000;
  for (;;) {
    if (serverPids(cfg, log).length > 0) return { ok: true };
    const e = exit as { code: number | null; error?: string } | null;
    if (e && (e.code !== 0 || e.error)) return { ok: false, error: e.error ?? `${cmd[0]} exited with ${e.code}` };
    if (Date.now() > until) return { ok: false, error: `no server process after ${cfg.init.startTimeoutSeconds} s` };
    await sleep(100);
  }
}

interface Readiness { ok: boolean; error?: string; leftCluster?: boolean }

/**
 * Waits for the started server to be Synced in a Primary component. A server whose MySQL is not
 * reachable yet (a joiner receiving its state transfer opens its socket only after) is not ready;
 * only a login that is refused (the credentials are wrong, so the state cannot be read) or MySQL
 * polling switched off make "its process runs" enough, with a warning.
 */
async function waitReady(cfg: Config, log: Logger): Promise<Readiness> {
  const until = Date.now() + cfg.init.startTimeoutSeconds * 1000;
  let disconnectedSince = 0;
  let warned = false;
  // Polled 4 times a second for as long as a state transfer takes: a refused MySQL is expected
  // here, not a line every 250 ms.
  const quiet = log.child({}, { level: 'error' });
  for (;;) {
    const s = await collectOnce(cfg, quiet, { recover: false });
    const w = s.wsrep;
    if (s.serverPid === 0) return { ok: false, error: 'the server process exited; see its error log' };
    if (w?.reachable) {
      if (w.clusterStatus === 'primary' && w.localState === 4) return { ok: true };
      // Up, answering, and out of the cluster: Galera gives up on a failed IST this way and asks
      // for a restart ("node restart required"); it will not rejoin by itself.
      if (w.clusterStatus === 'disconnected') {
        disconnectedSince ||= Date.now();
        if (cfg.init.leftClusterSeconds > 0 && Date.now() - disconnectedSince > cfg.init.leftClusterSeconds * 1000) {
          return { ok: false, leftCluster: true, error: `the server is up but Disconnected from the cluster for ${cfg.init.leftClusterSeconds} s (Galera asks for a restart after a failed state transfer; see its error log)` };
        }
      } else disconnectedSince = 0;
    } else {
      const why = s.sources.find((x) => x.name === 'mysql')?.error ?? '';
      if (!cfg.mysql.enabled || why === ACCESS_DENIED) {
        if (!warned) log.warn({ err: why || 'mysql polling is disabled' }, 'cannot read the server\'s wsrep state: taking a running process as ready');
        warned = true;
        if (s.status === 'running') return { ok: true };
      }
    }
    if (Date.now() > until) return { ok: false, error: `not Synced in a Primary component after ${cfg.init.startTimeoutSeconds} s (local state ${w?.localStateComment || 'unknown'})` };
    await sleep(250);
  }
}

/** This datadir's server processes, from the process table alone (no file or MySQL I/O). */
function serverPids(cfg: Config, log: Logger): number[] {
  return new ProcessSource({ ...cfg.processes, datadir: cfg.datadir, log }).scan().servers.map((s) => s.pid);
}

/** Stops the server this run started (SIGTERM, as systemctl stop does) and waits for it to go. */
async function stopStartedServer(cfg: Config, log: Logger): Promise<void> {
  const [pid] = serverPids(cfg, log);
  if (!pid) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const until = Date.now() + cfg.init.startTimeoutSeconds * 1000;
  while (Date.now() < until) {
    await sleep(200);
    if (!serverPids(cfg, log).includes(pid)) return;
  }
  log.error({ pid }, 'the server did not stop after SIGTERM');
}

/** galera-check cluster: the members table as galera-init would see it now, without the lock. */
export async function clusterTable(cfg: Config, log: Logger): Promise<string> {
  const mib = loadMib(cfg.mibFile);
  const { targets, selfId } = resolveMembers(cfg);
  const local = await collectOnce(cfg, log, { recover: false });
  const members = [selfFacts(selfId, local), ...await askPeers(mib, targets.filter((t) => t.id !== selfId))];
  return formatTable(members, decide(members, { force: false, quorumAfterMs: 0 }));
}

export async function runInit(cfg: Config, log: Logger, opts: InitOptions): Promise<number> {
  const mib: Mib = loadMib(cfg.mibFile);
  const { targets, selfId } = resolveMembers(cfg);
  const peers = targets.filter((t) => t.id !== selfId);
  const policy = { force: opts.force || cfg.init.force, quorumAfterMs: cfg.init.quorumAfterSeconds * 1000 };
  if (policy.force) log.warn('FORCE: may bootstrap without every member\'s answer; committed transactions on silent members can be lost');
  const t0 = Date.now();
  let lastReason = '';
  let restarts = 0;
  for (let round = 1; ; round++) {
    const local = await collectOnce(cfg, log, { recover: false });
    if (local.status === 'running' || local.status === 'bootstrapping') {
      log.info({ status: local.status }, 'the local server is already up: nothing to do');
      if (opts.dryRun) opts.out.write(`the local server is ${local.status}: nothing to do\n`);
      return EXIT.OK;
    }
    const answers = await askPeers(mib, peers);
    for (const a of answers) log.debug({ peer: a.id, answered: a.answered, status: a.status, seqno: a.seqno?.toString(), uuid: a.uuid, error: a.error }, 'peer answer');

    if (opts.dryRun) {
      const d = decide([selfFacts(selfId, local), ...answers], policy, Date.now() - t0);
      opts.out.write(formatTable([selfFacts(selfId, local), ...answers], d));
      return EXIT.OK;
    }

    const got = acquireLock(cfg.lockFile, 'galera-init');
    let decision: Decision;
    let members: MemberFacts[];
    if (!got.ok) {
      decision = { action: 'wait', waitingFor: [], reason: `the local lock is held (${got.holder.state === 'held' ? `pid ${got.holder.pid}${got.holder.purpose ? `, ${got.holder.purpose}` : ''}` : got.holder.state})` };
      members = [];
    } else {
      try {
        // Under the lock: the seqno lookup (a --wsrep-recover if needed) and the decision.
        const mine = await collectOnce(cfg, log, { recover: true, lockHeld: true });
        members = [selfFacts(selfId, mine), ...answers];
        decision = decide(members, policy, Date.now() - t0);
        if (decision.action === 'bootstrap' || decision.action === 'join') {
          log.info({ members: members.map((m) => ({ id: m.id, answered: m.answered, status: m.status, seqno: m.seqno?.toString(), error: m.error })), decision: decision.action, reason: decision.reason }, 'decision');
          if (decision.action === 'bootstrap') {
            if (decision.forced) log.warn({ reason: decision.reason }, 'FORCED BOOTSTRAP');
            markSafeToBootstrap(cfg.datadir, log);
          }
          const position = `${mine.uuid ?? '00000000-0000-0000-0000-000000000000'}:${mine.seqno}`;
          const started = await startServer(cfg, decision.action === 'bootstrap' ? cfg.init.bootstrapCommand : cfg.init.joinCommand, position, log);
          releaseLock(cfg.lockFile);
          if (!started.ok) {
            log.error({ err: started.error }, 'the server did not start: look at its error log and at the start command');
            return EXIT.FAILED;
          }
          const ready = await waitReady(cfg, log);
          if (!ready.ok && ready.leftCluster && restarts < cfg.init.restartAttempts) {
            restarts++;
            log.warn({ err: ready.error, restart: restarts, of: cfg.init.restartAttempts }, 'the server left the cluster after it started: stopping it and deciding again');
            await stopStartedServer(cfg, log);
            continue;
          }
          if (!ready.ok) {
            log.error({ err: ready.error }, 'the server started but did not become ready');
            return EXIT.FAILED;
          }
          log.info({ action: decision.action }, decision.action === 'bootstrap' ? 'bootstrapped a new cluster from this node' : 'joined the cluster');
          return EXIT.OK;
        }
      } finally {
        releaseLock(cfg.lockFile);
      }
    }
    if (decision.action === 'done') { log.info({ reason: decision.reason }, 'nothing to do'); return EXIT.OK; }
    if (decision.action === 'refuse') { log.error({ reason: decision.reason }, 'refusing to decide'); return EXIT.FAILED; }
    if (decision.reason !== lastReason) {
      log.info({ round, members: members.map((m) => ({ id: m.id, answered: m.answered, status: m.status, seqno: m.seqno?.toString(), error: m.error })), reason: decision.reason }, 'waiting');
      lastReason = decision.reason;
    }
    if (opts.once) return EXIT.TEMPFAIL;
    if (cfg.init.waitTimeoutSeconds > 0 && Date.now() - t0 > cfg.init.waitTimeoutSeconds * 1000) {
      log.error({ reason: decision.reason, waitedSeconds: Math.round((Date.now() - t0) / 1000) }, 'gave up waiting');
      return EXIT.TEMPFAIL;
    }
    // Jitter, so initiators started together do not stay in step.
    await sleep(cfg.init.pollIntervalMs * (0.75 + Math.random() * 0.5));
  }
}
