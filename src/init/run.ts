// galera-init: asks every member's agent, decides under the lock (pure decide()), and starts the
// server the configured way. Waits, with a reason on every round, when in doubt.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { Config, ConfigError, detectLatencyMs } from '../config';
import { EXIT } from '../errors';
import { collectOnce } from '../collect';
import type { Decision, MemberFacts } from '../core/decide';
import { bootstrapGrastate } from '../core/grastate-edit';
import { loadMib } from '../snmp/mib';
import { PeerTarget, askPeers, parseTarget } from '../snmp/peers';
import { acquireLock, releaseLock } from '../sources/lock';
import { ProcessSource } from '../sources/processes';
import { WsrepSource } from '../sources/mysql';
import { parseWsrepStatus } from '../core/wsrep-status';
import { clusterHosts, readServerOptions } from '../sources/servercnf';
import { expandCommand } from '../sources/recover';
import { InitEnv, Members, Readiness, initLoop, look } from './round';

/** The CLIs' one exit-code table lives in errors.ts; re-exported for callers that import it from here. */
export { EXIT };

export interface InitOptions {
  dryRun: boolean;
  force: boolean;
  once: boolean;
  out: NodeJS.WritableStream;
}

/** How two spellings of one target compare: host case and IPv6 brackets do not matter, the port does. */
export const targetKey = (t: { host: string; port: number }): string => `${t.host.toLowerCase()}:${t.port}`;

export interface ResolvedMembers {
  targets: PeerTarget[];
  selfId: string;
  /** Configured entries dropped as copies of another (same host and port) or as other names of this node. */
  dropped: string[];
}

/**
 * Every member's SNMP target, normalised and de-duplicated, and which one is this node. Whatever
 * is left that still names one node twice (a DNS alias, say) is caught by the decision, which
 * compares the identities the agents answer with.
 */
export function resolveMembers(cfg: Config): ResolvedMembers {
  const i = cfg.init;
  const defaults = {
    port: i.snmpPort,
    version: i.snmpVersion,
    community: i.community,
    user: i.snmpUser,
    authProtocol: i.authProtocol,
    authKey: i.authKey || undefined,
    privProtocol: i.privProtocol,
    privKey: i.privKey || undefined,
    timeoutMs: i.snmpTimeoutMs,
    retries: i.snmpRetries,
  };
  let members = i.members;
  let nodeHost = '';
  const fromServer = members.length === 0;
  if (members.length === 0 || !i.self) {
    const server = readServerOptions(i.serverConfig);
    const address = server.values.get('wsrep_cluster_address') ?? '';
    nodeHost = (server.values.get('wsrep_node_address') ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (members.length === 0) {
      const hosts = clusterHosts(address);
      if (hosts.length === 0) {
        throw new ConfigError(
          `no members: set init.members in the config, or wsrep_cluster_address in ${i.serverConfig}` +
            (server.problems.length ? ` (${server.problems.join('; ')})` : ''),
        );
      }
      members = hosts.map((h) => ({ target: h.includes(':') ? `[${h}]` : h }));
    }
  }
  const dropped: string[] = [];
  const seen = new Map<string, PeerTarget>();
  for (const m of members) {
    const t = parseTarget(m.target, defaults);
    const key = targetKey(t);
    const same = seen.get(key);
    if (same) {
      dropped.push(`${t.id} (same as ${same.id})`);
      continue;
    }
    seen.set(key, {
      ...t,
      community: m.community ?? t.community,
      user: m.snmpUser ?? t.user,
      authKey: m.authKey ?? t.authKey,
      privKey: m.privKey ?? t.privKey,
    });
  }
  let targets = [...seen.values()];
  let selfId: string;
  if (i.self) {
    const want = targetKey(parseTarget(i.self, defaults));
    const mine = targets.find((t) => targetKey(t) === want);
    if (!mine)
      throw new ConfigError(`init.self '${i.self}' is not among the members ${targets.map((t) => t.id).join(', ')}`);
    selfId = mine.id;
  } else {
    const locals = new Set(
      [
        nodeHost,
        os.hostname(),
        ...Object.values(os.networkInterfaces())
          .flat()
          .map((a) => a?.address ?? ''),
      ]
        .filter(Boolean)
        .map((h) => h.toLowerCase()),
    );
    const mine = targets.filter((t) => locals.has(t.host.toLowerCase()));
    if (mine.length === 0 && fromServer) {
      // wsrep_cluster_address often leaves out the node it is written on: this node is a member
      // all the same, and its own agent answers on loopback.
      const self = parseTarget(`127.0.0.1:${i.snmpPort}`, defaults);
      targets = [self, ...targets];
      selfId = self.id;
    } else if (mine.length === 0 || new Set(mine.map((t) => t.port)).size > 1) {
      throw new ConfigError(
        `cannot tell which member is this node (${mine.length} match its addresses): set init.self to one of ${targets.map((t) => t.id).join(', ')}`,
      );
    } else {
      // The host name and an address of this node, on the same port: one agent, one member.
      selfId = mine[0].id;
      for (const t of mine.slice(1)) dropped.push(`${t.id} (this node, as ${selfId})`);
      targets = targets.filter((t) => !mine.slice(1).includes(t));
    }
  }
  return { targets, selfId, dropped };
}

export function formatTable(members: MemberFacts[], d: Decision): string {
  const rows = members.map((m) => [
    `${m.id}${m.self ? ' (this node)' : ''}`,
    m.name ?? '?',
    m.answered ? 'yes' : 'no',
    m.status ?? '?',
    m.status === 'running' || m.status === 'bootstrapping' ? (m.clusterStatus ?? '?') : '-',
    m.seqno?.toString() ?? '?',
    m.seqnoSource ?? '?',
    m.uuid ?? '',
    m.safeToBootstrap === true ? '1' : m.safeToBootstrap === false ? '0' : '?',
    m.error ?? '',
  ]);
  const head = ['member', 'name', 'answered', 'status', 'cluster', 'seqno', 'source', 'uuid', 'safe', 'note'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string =>
    r
      .map((x, c) => x.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  const advice = 'advice' in d && d.advice ? `advice:   ${d.advice}\n` : '';
  return `${[line(head), ...rows.map(line)].join('\n')}\n\ndecision: ${d.action}${'target' in d ? ` ${d.target}` : ''}\nreason:   ${d.reason}\n${advice}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Makes the chosen node's grastate.dat bootstrappable, atomically and keeping owner and mode:
 * safe_to_bootstrap: 1 when a crash left 0, or the whole file from the recovered position when it
 * names no state. A fresh node (no file, no position) is left alone.
 */
export function markSafeToBootstrap(
  datadir: string,
  log: Logger,
  position: { uuid: string | null; seqno: bigint } = { uuid: null, seqno: -1n },
): void {
  const file = path.join(datadir, 'grastate.dat');
  let text = '';
  let owner: { mode: number; uid: number; gid: number };
  try {
    const st = fs.statSync(file);
    text = fs.readFileSync(file, 'utf8');
    owner = { mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
  } catch {
    if (!position.uuid) return; // no file and no position: a fresh node
    const dir = fs.statSync(datadir);
    owner = { mode: 0o660, uid: dir.uid, gid: dir.gid };
  }
  const next = bootstrapGrastate(text, position);
  if (next === text) return;
  const tmp = `${file}.galera-init.tmp`;
  fs.writeFileSync(tmp, next, { mode: owner.mode, flag: 'w' });
  fs.chownSync(tmp, owner.uid, owner.gid);
  fs.renameSync(tmp, file);
  log.warn(
    { file, position: `${position.uuid}:${position.seqno}` },
    /uuid:/.test(text)
      ? 'set safe_to_bootstrap: 1 on the chosen node (it said 0 after a crash)'
      : 'wrote grastate.dat from the recovered position on the chosen node (it named no state), so the cluster keeps its history',
  );
}

/**
 * A forced join of a node ahead of the cluster: Galera aborts such a join ("Local state seqno is
 * greater than group seqno: states diverged") and asks for grastate.dat to be removed. It is renamed,
 * not removed, so the operator can still see what the node had.
 */
export function discardState(datadir: string, log: Logger): void {
  const file = path.join(datadir, 'grastate.dat');
  const aside = `${file}.discarded-${new Date().toISOString().replace(/[:.]/g, '')}`;
  try {
    fs.renameSync(file, aside);
    log.warn(
      { file, aside },
      "FORCED: set grastate.dat aside; the server receives a full state transfer and this node's newer transactions are discarded",
    );
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'could not set grastate.dat aside');
  }
}

/** Starts the server; resolves once the process exists (so the lock may go) or the command failed. */
async function startServer(
  cfg: Config,
  argv: string[],
  position: string,
  log: Logger,
): Promise<{ ok: boolean; error?: string }> {
  // {position} is the uuid:seqno found for this node, for a direct `mariadbd --wsrep-start-position=`
  // start (what MariaDB's unit does through galera_recovery): without it a crashed node that
  // bootstraps starts a new history, and every joiner then needs a full SST.
  const cmd = expandCommand(argv, { datadir: cfg.datadir, position });
  log.info({ argv: cmd }, 'starting the server');
  // Detached and with no pipes: a server run directly must outlive us and never get SIGPIPE.
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore', detached: true });
  let exit: { code: number | null; error?: string } | null = null;
  child.on('exit', (code) => {
    exit = { code };
  });
  child.on('error', (err) => {
    exit = { code: null, error: err.message };
  });
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

/**
 * Waits for the started server to be Synced in a Primary component. A server whose MySQL is not
 * reachable yet (a joiner receiving its state transfer opens its socket only after) is not ready;
 * only a login that is refused (any auth error: the credentials are wrong, so the state cannot be
 * read) or MySQL polling switched off make "its process runs" enough, with a warning.
 */
async function waitReady(cfg: Config, log: Logger): Promise<Readiness> {
  const until = Date.now() + cfg.init.startTimeoutSeconds * 1000;
  let disconnectedSince = 0;
  // Polled 4 times a second for as long as a state transfer takes: a refused MySQL is expected
  // here, not a line every 250 ms.
  const quiet = log.child({}, { level: 'error' });
  for (;;) {
    if (serverPids(cfg, log).length === 0) return { ok: false, error: 'the server process exited; see its error log' };
    const f = cfg.mysql.enabled ? await new WsrepSource({ ...cfg.mysql, log: quiet }).refreshOnce() : null;
    const w = parseWsrepStatus(f?.status ?? null, null, null, f?.reachable ?? false, f?.at ?? 0);
    if (f?.reachable) {
      if (w.clusterStatus === 'primary' && w.localState === 4) return { ok: true };
      // Up, answering, and out of the cluster: Galera gives up on a failed IST this way and asks
      // for a restart ("node restart required"); it will not rejoin by itself.
      if (w.clusterStatus === 'disconnected') {
        disconnectedSince ||= Date.now();
        if (cfg.init.leftClusterSeconds > 0 && Date.now() - disconnectedSince > cfg.init.leftClusterSeconds * 1000) {
          return {
            ok: false,
            leftCluster: true,
            error: `the server is up but Disconnected from the cluster for ${cfg.init.leftClusterSeconds} s (Galera asks for a restart after a failed state transfer; see its error log)`,
          };
        }
      } else disconnectedSince = 0;
    } else if (!f || f.error?.kind === 'auth') {
      log.warn(
        { err: f?.error?.text ?? 'mysql polling is disabled' },
        "cannot read the server's wsrep state: taking a running process as ready",
      );
      return { ok: true };
    }
    if (Date.now() > until) {
      return {
        ok: false,
        error: `not Synced in a Primary component after ${cfg.init.startTimeoutSeconds} s (${f.reachable ? `cluster ${f.status?.wsrep_cluster_status ?? '?'}, local state ${w.localState ?? '?'}` : (f.error?.text ?? 'MySQL unknown')})`,
      };
    }
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
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + cfg.init.startTimeoutSeconds * 1000;
  while (Date.now() < until) {
    await sleep(200);
    if (!serverPids(cfg, log).includes(pid)) return;
  }
  log.error({ pid }, 'the server did not stop after SIGTERM');
}

/** The real world behind galera-init's protocol (round.ts). */
export function realEnv(cfg: Config, log: Logger, targets: PeerTarget[]): InitEnv {
  const mib = loadMib(cfg.mibFile);
  const byId = new Map(targets.map((t) => [t.id, t]));
  return {
    now: () => Date.now(),
    sleep,
    random: Math.random,
    pid: process.pid,
    lock: () => {
      const got = acquireLock(cfg.lockFile, 'galera-init');
      if (got.ok) return { ok: true };
      const h = got.holder;
      return { ok: false, holder: h.state === 'held' ? `pid ${h.pid}${h.purpose ? `, ${h.purpose}` : ''}` : h.state };
    },
    unlock: () => releaseLock(cfg.lockFile),
    serverRunning: () => serverPids(cfg, log).length > 0,
    localFacts: async ({ recover }) => {
      const s = await collectOnce(cfg, log, { recover, lockHeld: recover });
      return {
        status: s.status,
        seqno: s.seqno,
        seqnoSource: s.seqnoSource,
        uuid: s.uuid,
        safeToBootstrap: s.safeToBootstrap,
        serverRunning: s.serverPid > 0,
      };
    },
    ask: async (ids) => {
      const answers = await askPeers(
        mib,
        ids.map((id) => {
          const t = byId.get(id);
          if (!t) throw new Error(`no member ${id} among the resolved targets`);
          return t;
        }),
      );
      for (const a of answers)
        log.debug(
          {
            peer: a.id,
            name: a.name,
            answered: a.answered,
            status: a.status,
            seqno: a.seqno?.toString(),
            cluster: a.clusterStatus,
            error: a.error,
            errorKind: a.errorKind,
          },
          'agent answer',
        );
      return answers;
    },
    markSafeToBootstrap: (position) => markSafeToBootstrap(cfg.datadir, log, position),
    discardState: () => discardState(cfg.datadir, log),
    start: (action, position) =>
      startServer(cfg, action === 'bootstrap' ? cfg.init.bootstrapCommand : cfg.init.joinCommand, position, log),
    waitReady: () => waitReady(cfg, log),
    stopServer: () => stopStartedServer(cfg, log),
    log: {
      info: (f, m) => log.info(f, m),
      warn: (f, m) => log.warn(f, m),
      error: (f, m) => log.error(f, m),
    },
  };
}

function membersOf(cfg: Config, log: Logger): { members: Members; targets: PeerTarget[] } {
  const { targets, selfId, dropped } = resolveMembers(cfg);
  if (dropped.length) log.info({ dropped }, 'member list: entries that name a member already listed are asked once');
  return {
    targets,
    members: { selfId, peerIds: targets.filter((t) => t.id !== selfId).map((t) => t.id), selfName: cfg.nodeName },
  };
}

/** galera-check cluster: the members table as galera-init would see it now, without the lock. */
export async function clusterTable(cfg: Config, log: Logger): Promise<string> {
  const { members, targets } = membersOf(cfg, log);
  const seen = await look(realEnv(cfg, log, targets), members, { force: false, quorumAfterMs: 0 }, 0);
  return formatTable(seen.members, seen.decision);
}

export async function runInit(cfg: Config, log: Logger, opts: InitOptions): Promise<number> {
  const { members, targets } = membersOf(cfg, log);
  const env = realEnv(cfg, log, targets);
  const policy = { force: opts.force || cfg.init.force, quorumAfterMs: cfg.init.quorumAfterSeconds * 1000 };
  if (opts.dryRun) {
    const seen = await look(env, members, policy, 0);
    opts.out.write(formatTable(seen.members, seen.decision));
    return EXIT.OK;
  }
  if (policy.force)
    log.warn(
      "FORCE: may bootstrap or join without every member's answer or against a refusal; committed transactions can be lost",
    );
  const outcome = await initLoop(env, members, {
    policy,
    pollIntervalMs: cfg.init.pollIntervalMs,
    detectMs: detectLatencyMs(cfg),
    startTimeoutMs: cfg.init.startTimeoutSeconds * 1000,
    confirmFactor: 5,
    once: opts.once,
    waitTimeoutMs: cfg.init.waitTimeoutSeconds * 1000,
    leftClusterRestarts: cfg.init.restartAttempts,
  });
  if (outcome.code === 'ok') return EXIT.OK;
  if (outcome.code === 'tempfail' && opts.once) opts.out.write('');
  return outcome.code === 'failed' ? EXIT.FAILED : EXIT.TEMPFAIL;
}
