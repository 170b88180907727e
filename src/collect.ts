// One-shot collection of a node's facts with the same sources and core as the daemon, for
// galera-check (and later galera-init's view of its own node).

import type { Logger } from 'pino';
import { Config, detectLatencyMs } from './config';
import { NodeSnapshot, SourceHealth, buildSnapshot } from './core/snapshot';
import { grastateDamaged, needsRecovery } from './core/seqno';
import { GRASTATE_FILE } from './core/grastate';
import { GVWSTATE_FILE } from './core/gvwstate';
import type { RecoveredPosition } from './core/recoverlog';
import { ProcessSource } from './sources/processes';
import { readLockState } from './sources/lock';
import { innodbStamp, readDataFile } from './sources/datafile';
import { WsrepSource, wsrepView } from './sources/wsrep';
import { readRecoveryCache, recoveryKey, runRecovery, writeRecoveryCache } from './sources/recover';
import { healthOf } from './core/health';

export async function collectOnce(cfg: Config, log: Logger, opts: { recover: boolean; lockHeld?: boolean }): Promise<NodeSnapshot> {
  const now = Date.now();
  const procs = new ProcessSource({ ...cfg.processes, datadir: cfg.datadir, log });
  const facts = procs.scan();
  const lock = readLockState(cfg.lockFile);
  const gs = await readDataFile(cfg.datadir, GRASTATE_FILE);
  const gv = await readDataFile(cfg.datadir, GVWSTATE_FILE);
  const serverRunning = facts.servers.length > 0;
  const wsrep = new WsrepSource({ ...cfg.mysql, log });
  const w = serverRunning && cfg.mysql.enabled ? await wsrep.refreshOnce() : wsrep.facts;
  const damaged = grastateDamaged(gs);
  const stamp = serverRunning ? '' : innodbStamp(cfg.datadir);
  const hasData = stamp !== '';
  const key = recoveryKey(gs.version, stamp);
  let recovered: RecoveredPosition | null = serverRunning ? null : readRecoveryCache(cfg.lockFile, key);
  let recError = '';
  if (!recovered && opts.recover && cfg.recovery.enabled && (lock.state !== 'held' || opts.lockHeld) &&
      needsRecovery({ serverRunning, recoveryRunning: facts.recoveries.length > 0, grastate: gs.value, grastateDamaged: damaged, hasData })) {
    const r = await runRecovery({ command: cfg.recovery.command, datadir: cfg.datadir, lockFile: cfg.lockFile, timeoutMs: cfg.recovery.timeoutMs, log, lockHeld: opts.lockHeld });
    if (r.ok) { recovered = r.position; writeRecoveryCache(cfg.lockFile, recoveryKey(gs.version, innodbStamp(cfg.datadir)), r.position); }
    else recError = r.error;
  }
  const sources: SourceHealth[] = [
    { name: 'processes', state: procs.lastError ? 'failing' : 'ok', lastOkAt: procs.lastScanAt, error: procs.lastError ?? '' },
    { name: 'lock', state: lock.state === 'unreadable' ? 'failing' : 'ok', lastOkAt: now, error: lock.state === 'unreadable' ? lock.error : '' },
    { name: 'grastate', state: gs.error ? 'failing' : 'ok', lastOkAt: now, error: gs.error ?? '' },
    { name: 'mysql', state: !serverRunning ? 'idle' : w.reachable ? 'ok' : 'failing', lastOkAt: w.at, error: w.error ?? '' },
    { name: 'recovery', state: recError ? 'failing' : recovered ? 'ok' : 'idle', lastOkAt: recovered ? Date.now() : 0, error: recError },
    { name: 'gvwstate', state: gv.error ? 'failing' : 'ok', lastOkAt: now, error: gv.error ?? '' },
  ];
  const snap = buildSnapshot({
    at: now, nodeName: cfg.nodeName, processes: facts, lock, grastate: gs.value, gvwstate: gv.value,
    wsrep: { reachable: w.reachable, accepting: w.accepting, ...wsrepView(w.status) }, recovered, sources, grastateDamaged: damaged, hasData, detectMs: detectLatencyMs(cfg), mysqlPolled: cfg.mysql.enabled,
  });
  snap.wsrep = healthOf(w.status, w.variables, w.members, w.reachable, w.at);
  return snap;
}
