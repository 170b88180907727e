// galera-init: asks every member's agent, decides under the lock (pure decide()), and starts the
// server the configured way. Waits, with a reason on every round, when in doubt.
// This file wires the real world (sources, peers, lock, server control) behind round.ts's InitEnv.

import type { Logger } from 'pino';
import { Config, detectLatencyMs, initStateFileOf } from '../config';
import { EXIT } from '../errors';
import { collectOnce } from '../collect';
import { resolveMembers } from '../members';
import { loadMib } from '../snmp/mib';
import { PeerTarget, askPeers } from '../snmp/peers';
import { createSources } from '../sources/index';
import { HEURISTIC_ROLLBACK, runRecovery } from '../sources/recover';
import { heuristicRunEnded } from '../core/recoverlog';
import { acquireLock, releaseLock } from '../sources/lock';
import { readMaintenance, writeInitState } from '../sources/initfiles';
import type { Policy } from '../core/decide';
import { InitEnv, Members, RollbackResult, initLoop, look } from './round';
import { discardState, markSafeToBootstrap } from './grastate';
import { serverPids, sleep, startServer, stopStartedServer, waitReady } from './server';
import { formatTable } from './table';
import { markFacts } from '../core/mark';

export interface InitOptions {
  dryRun: boolean;
  force: boolean;
  /** --discard-data: the user schemas this node may lose to a state transfer (see Policy). */
  discardData?: string[];
  once: boolean;
  out: NodeJS.WritableStream;
}

/** The real world behind galera-init's protocol (round.ts). */
export function realEnv(cfg: Config, log: Logger, targets: PeerTarget[]): InitEnv {
  const mib = loadMib(cfg.mibFile);
  const byId = new Map(targets.map((t) => [t.id, t]));
  // One set of sources for the whole run, as the agent has one: the lock, the process table and
  // MySQL are watched through it, round after round and while a server starts. --wsrep-recover may
  // run only while localFacts asks for it, under the lock.
  let recovering = false;
  // A damaged mark, or a datadir below it, is told once per run, not once per round.
  let markSaid = '';
  let recordError: string | null = null;
  const sources = createSources(cfg, log, {
    recover: () => recovering,
    lockHeld: () => recovering,
    // Read 4 times a second for as long as a state transfer takes: a refused MySQL is expected
    // while the server starts, not a log line.
    mysqlLog: log.child({}, { level: 'error' }),
  });
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
    serverRunning: async () => (await serverPids(sources)).length > 0,
    localFacts: async ({ recover }) => {
      recovering = recover;
      let s;
      try {
        s = await collectOnce(cfg, log, { sources });
      } finally {
        recovering = false;
      }
      const mv = s.mark;
      if (mv && mv.reason && mv.reason !== markSaid) {
        markSaid = mv.reason;
        log.warn({ mark: mv.state }, mv.reason);
      }
      return {
        status: s.status,
        seqno: s.seqno,
        seqnoSource: s.seqnoSource,
        uuid: s.uuid,
        safeToBootstrap: s.safeToBootstrap,
        serverRunning: s.serverPid > 0,
        userData: s.userData?.held ?? null,
        userSchemas: s.userData?.schemas ?? [],
        ...(mv?.mark ? { mark: markFacts(mv.mark) } : {}),
        pcBootstrap: s.wsrep.pcBootstrap,
        prepared: sources.facts().recovery.prepared ?? 0,
      };
    },
    heuristicRollback: (prepared, why) =>
      heuristicRollback(cfg, log, prepared, why, () => sources.recoveryDataChanged()),
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
            role: a.role,
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
      startServer(
        cfg,
        sources,
        action === 'bootstrap' ? cfg.init.bootstrapCommand : cfg.init.joinCommand,
        position,
        log,
      ),
    waitReady: () => waitReady(cfg, sources, log),
    stopServer: () => stopStartedServer(cfg, sources, log),
    maintenance: () => readMaintenance(cfg.maintenanceFile),
    record: (state) => {
      const err = writeInitState(initStateFileOf(cfg), state);
      // Once per problem: the decision goes on, only the agent's view of it is missing.
      if (err && err !== recordError) log.warn({ err }, 'cannot write the state file the agent serves (galeraInit)');
      recordError = err;
    },
    log: {
      info: (f, m) => log.info(f, m),
      warn: (f, m) => log.warn(f, m),
      error: (f, m) => log.error(f, m),
    },
  };
}

/**
 * Rolls back the prepared transactions that stop this node's recovery. The caller holds the lock;
 * the recovery source then looks at the data again, so the next read recovers the position anew
 * (the cache beside the lock tells the agent).
 */
async function heuristicRollback(
  cfg: Config,
  log: Logger,
  prepared: number,
  why: string,
  dataChanged: () => void,
): Promise<RollbackResult> {
  const txs = `${prepared} prepared transaction${prepared > 1 ? 's' : ''}`;
  log.warn(
    { prepared, by: why, argv: [...cfg.recovery.command, HEURISTIC_ROLLBACK] },
    `HEURISTIC ROLLBACK (${why}): rolling back the ${txs} the crash left; this node never committed them, and what the cluster committed of them comes back with the join's state transfer (a bootstrap from here would lose them)`,
  );
  const r = await runRecovery({
    command: cfg.recovery.command,
    datadir: cfg.datadir,
    lockFile: cfg.lockFile,
    timeoutMs: cfg.recovery.timeoutMs,
    log,
    lockHeld: true,
    extraArgs: [HEURISTIC_ROLLBACK],
  });
  dataChanged();
  // MariaDB ends such a run without a position ("Please restart without --tc-heuristic-recover",
  // exit 1): that is its success. The recovery that follows finds the position.
  const ended = r.ok || heuristicRunEnded(r.output ?? '');
  if (!ended) return { ok: false, error: r.error };
  const summary = `rolled back ${txs} in ${r.ms} ms; recovering the position again`;
  log.info({ prepared, ms: r.ms }, summary);
  return { ok: true, summary };
}

/** The round's view of the members: this node's id, the peers' ids, and their SNMP targets. */
export function roundMembers(cfg: Config, log: Logger): { members: Members; targets: PeerTarget[] } {
  const { targets, selfId, arbitratorIds, dropped } = resolveMembers(cfg);
  if (dropped.length) log.info({ dropped }, 'member list: entries that name a member already listed are asked once');
  return {
    targets,
    members: {
      selfId,
      peerIds: targets.filter((t) => t.id !== selfId).map((t) => t.id),
      selfName: cfg.nodeName,
      arbitratorIds,
    },
  };
}

/** galera-init's first look, without the lock: what --dry-run and galera-check cluster print. */
export async function firstLook(cfg: Config, log: Logger, policy: Policy): Promise<string> {
  const { members, targets } = roundMembers(cfg, log);
  const seen = await look(realEnv(cfg, log, targets), members, policy, 0);
  return formatTable(seen.members, seen.decision);
}

export async function runInit(cfg: Config, log: Logger, opts: InitOptions): Promise<number> {
  const policy = {
    force: opts.force || cfg.init.force,
    quorumAfterMs: cfg.init.quorumAfterSeconds * 1000,
    discardData: opts.discardData,
    heuristicRollback: cfg.recovery.heuristicRollback,
  };
  if (opts.dryRun) {
    opts.out.write(await firstLook(cfg, log, policy));
    return EXIT.OK;
  }
  const { members, targets } = roundMembers(cfg, log);
  const env = realEnv(cfg, log, targets);
  if (policy.force)
    log.warn(
      "FORCE: may bootstrap or join without every member's answer or against a refusal; committed transactions can be lost",
    );
  if (policy.discardData)
    log.warn(
      { schemas: policy.discardData },
      'DISCARD DATA: this node may join by a state transfer that replaces these schemas',
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
  return outcome.code === 'failed' ? EXIT.FAILED : EXIT.TEMPFAIL;
}
