// galera-check's answers, apart from its flags: one word (status, seqno), the health rule's verdict,
// the members table, or the whole snapshot as JSON. Computed with the daemon's own sources and core.

import type { Logger } from 'pino';
import type { Config } from '../config';
import { EXIT } from '../errors';
import { collectOnce } from '../collect';
import { healthVerdict } from '../core/health';
import { snapshotToJson } from '../core/snapshot';
import { clusterTable } from './cluster';
import { initLines, localInitLines } from './initstate';

export const QUESTIONS = ['status', 'seqno', 'healthy', 'cluster'] as const;
export type Question = (typeof QUESTIONS)[number];

/** What to print on stdout, and the exit code (healthy: FAILED when the node should not take traffic). */
export async function answer(
  cfg: Config,
  log: Logger,
  what: Question | undefined,
  o: { json: boolean; recover: boolean; verbose?: boolean },
): Promise<{ out: string; code: number }> {
  if (what === 'cluster') return { out: `${await clusterTable(cfg, log)}\n${localInitLines(cfg)}`, code: EXIT.OK };
  const snap = await collectOnce(cfg, log, { recover: o.recover && (what === 'seqno' || o.json) });
  let out = o.json ? `${JSON.stringify(snapshotToJson(snap), null, 2)}\n` : '';
  if (what === 'healthy') {
    const v = healthVerdict(snap.wsrep, snap.serverPid !== 0, cfg.keepalived.donorIsHealthy, snap.maintenance);
    if (!o.json) out += `${v.reason}\n`;
    return { out, code: v.healthy ? EXIT.OK : EXIT.FAILED };
  }
  if (!o.json && what) out += `${what === 'status' ? snap.status : snap.seqno.toString()}\n`;
  // The one word stays alone on its line for scripts; --verbose adds galera-init's round and maintenance.
  if (!o.json && what === 'status' && o.verbose) out += initLines(snap.init ?? null, snap.maintenance ?? null, snap.at);
  return { out, code: EXIT.OK };
}
