// galera-check cluster: galera-init's first look, without the lock, printed as the members table.

import type { Logger } from 'pino';
import type { Config } from '../config';
import { look } from '../init/round';
import { realEnv, roundMembers } from '../init/run';
import { formatTable } from '../init/table';

/** galera-check cluster: the members table as galera-init would see it now, without the lock. */
export async function clusterTable(cfg: Config, log: Logger): Promise<string> {
  const { members, targets } = roundMembers(cfg, log);
  const seen = await look(realEnv(cfg, log, targets), members, { force: false, quorumAfterMs: 0 }, 0);
  return formatTable(seen.members, seen.decision);
}
