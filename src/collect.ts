// One-shot collection of a node's facts for galera-check and galera-init: the daemon's own sources,
// each read once, and the same assembleSnapshot. The only differences are what a one-shot run
// cannot have: no agent instance, no memory of a bootstrap seen ready, no write-rate history.

import type { Logger } from 'pino';
import { Config, detectLatencyMs } from './config';
import { AssembledSnapshot, assembleSnapshot } from './core/snapshot';
import { SourceSet, createSources } from './sources/index';
import { markViewFor } from './sources/markfile';

export async function collectOnce(
  cfg: Config,
  log: Logger,
  opts: { recover?: boolean; lockHeld?: boolean; sources?: SourceSet },
): Promise<AssembledSnapshot> {
  const sources = opts.sources ?? createSources(cfg, log, { recover: opts.recover, lockHeld: opts.lockHeld });
  await sources.readOnce();
  const identity = {
    nodeName: cfg.nodeName,
    detectMs: detectLatencyMs(cfg),
    instance: '',
    mysqlPolled: cfg.mysql.enabled,
    role: cfg.role,
    lowFreePercent: cfg.disk.lowFreePercent,
  };
  const snap = assembleSnapshot(sources.facts(), sources.health(), Date.now(), identity);
  if (cfg.mark.enabled) snap.mark = markViewFor(cfg.stateDir, snap);
  return snap;
}
