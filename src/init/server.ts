// Server control for galera-init: start the server the configured way, wait until it is ready,
// stop the one this run started when it leaves the cluster. It watches the server through the
// run's one SourceSet (run.ts), as the agent does: the same process table, kept warm (a new PID is
// read once, not every process of /proc on every look), and the same MySQL source.

import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { isSyncedPrimary, parseWsrepStatus } from '../core/wsrep-status';
import type { SourceSet } from '../sources/index';
import { expandCommand } from '../sources/recover';
import type { ReadyResult } from './round';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * How long a start command that exited 0 may leave no server process behind. `systemctl start`
 * returns once the unit is up; a wrapper that starts the unit without waiting leaves it a
 * recovery run first (which restarts this clock). Past it the server has gone again.
 */
export const EXITED_GRACE_MS = 30000;

/** Starts the server; resolves once the process exists (so the lock may go) or the command failed. */
export async function startServer(
  cfg: Config,
  sources: SourceSet,
  argv: string[],
  position: string,
  log: Logger,
  exitedGraceMs = EXITED_GRACE_MS,
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
  let quietSince = 0;
  let lastFull = 0;
  for (;;) {
    if ((await serverPids(sources)).length > 0) return { ok: true };
    const e = exit as { code: number | null; error?: string } | null;
    if (e && (e.code !== 0 || e.error)) return { ok: false, error: e.error ?? `${cmd[0]} exited with ${e.code}` };
    if (e && Date.now() - lastFull >= 1000) {
      lastFull = Date.now();
      // The command succeeded and no server shows. Waiting out startTimeoutSeconds here would hold
      // the lock for it, and every other member waits on this one (a server that died right after
      // `systemctl start` returned kept a whole cluster down for 10 minutes). Trust a full re-read
      // of the process table (once a second), not the cache, before saying it has gone.
      const full = sources.rescanProcesses();
      if (full.servers.length > 0) return { ok: true };
      if (full.recoveries.length > 0 || quietSince === 0) quietSince = Date.now();
      else if (Date.now() - quietSince > exitedGraceMs)
        return {
          ok: false,
          error: `${cmd[0]} succeeded, but no server process of ${cfg.datadir} runs ${Math.round(exitedGraceMs / 1000)} s later: it stopped again (see its error log)`,
        };
    }
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
export async function waitReady(cfg: Config, sources: SourceSet, log: Logger): Promise<ReadyResult> {
  const until = Date.now() + cfg.init.startTimeoutSeconds * 1000;
  let disconnectedSince = 0;
  for (;;) {
    // One read of every source: the mysql source polls the server the process table shows.
    await sources.readOnce();
    const facts = sources.facts();
    if (facts.processes.servers.length === 0)
      return { ok: false, error: 'the server process exited; see its error log' };
    const f = cfg.mysql.enabled ? facts.mysql : null;
    const w = parseWsrepStatus(f?.status ?? null, null, null, f?.reachable ?? false, f?.at ?? 0);
    if (f?.reachable) {
      if (isSyncedPrimary(w)) return { ok: true };
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

/** This datadir's server processes, from a fresh look at the process table. */
export async function serverPids(sources: SourceSet): Promise<number[]> {
  return (await sources.readOne('processes')).servers.map((s) => s.pid);
}

/** Stops the server this run started (SIGTERM, as systemctl stop does) and waits for it to go. */
export async function stopStartedServer(cfg: Config, sources: SourceSet, log: Logger): Promise<void> {
  const [pid] = await serverPids(sources);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + cfg.init.startTimeoutSeconds * 1000;
  while (Date.now() < until) {
    await sleep(200);
    if (!(await serverPids(sources)).includes(pid)) return;
  }
  log.error({ pid }, 'the server did not stop after SIGTERM');
}
