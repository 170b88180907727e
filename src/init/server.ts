// Server control for galera-init: start the server the configured way, wait until it is ready,
// stop the one this run started when it leaves the cluster.

import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { isSyncedPrimary, parseWsrepStatus } from '../core/wsrep-status';
import { ProcessSource } from '../sources/processes';
import { WsrepSource } from '../sources/mysql';
import { expandCommand } from '../sources/recover';
import type { ReadyResult } from './round';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the server; resolves once the process exists (so the lock may go) or the command failed. */
export async function startServer(
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
export async function waitReady(cfg: Config, log: Logger): Promise<ReadyResult> {
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

/** This datadir's server processes, from the process table alone (no file or MySQL I/O). */
export function serverPids(cfg: Config, log: Logger): number[] {
  return new ProcessSource({ ...cfg.processes, datadir: cfg.datadir, log }).scan().servers.map((s) => s.pid);
}

/** Stops the server this run started (SIGTERM, as systemctl stop does) and waits for it to go. */
export async function stopStartedServer(cfg: Config, log: Logger): Promise<void> {
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
