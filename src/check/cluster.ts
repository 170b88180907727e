// galera-check cluster: galera-init's first look, without the lock, printed as the members table.

import type { Logger } from 'pino';
import type { Config } from '../config';
import { firstLook } from '../init/run';

/**
 * galera-check cluster: the members table as galera-init would see it now (no force, no quorum
 * wait; the heuristic rollback as configured, since it changes a join into a wait).
 */
export function clusterTable(cfg: Config, log: Logger): Promise<string> {
  return firstLook(cfg, log, { force: false, quorumAfterMs: 0, heuristicRollback: cfg.recovery.heuristicRollback });
}
