// galera-check's answers, apart from its flags: one word (status, seqno), the health rule's verdict,
// the members table, or the whole snapshot as JSON. Computed with the daemon's own sources and core.

import type { Logger } from 'pino';
import type { Config } from '../config';
import { EXIT } from '../errors';
import { collectOnce } from '../collect';
import { healthVerdict } from '../core/health';
import { snapshotToJson } from '../core/snapshot';
import { clusterTable } from './cluster';
import { readFence } from '../sources/fence';
import { MarkView, markToJson, markTop } from '../core/mark';
import { initLines, localInitLines } from './initstate';
import { diskLine } from '../core/disk';

const noMark: MarkView = {
  state: 'none',
  mark: null,
  datadirBelow: false,
  reason: 'the high-water mark is off (mark.enabled)',
};

/** One line on the high-water mark: what a restored datadir looks like to the operator. */
export function markLine(v: MarkView | undefined): string {
  if (!v) return noMark.reason;
  if (v.state === 'damaged') return `no mark: ${v.reason}`;
  if (!v.mark)
    return 'no mark yet: this node has not been Synced in a Primary component since its state directory was made';
  const top = markTop(v.mark);
  const head = v.datadirBelow ? `${v.reason}; ` : '';
  const seen = top.node !== v.mark.node ? `, highest ${top.seqno} by ${top.node}` : '';
  return `${head}mark ${v.mark.committed} in ${v.mark.uuid}${seen} (tolerance ${v.mark.tolerance})`;
}

export const QUESTIONS = ['status', 'seqno', 'healthy', 'cluster', 'mark'] as const;
export type Question = (typeof QUESTIONS)[number];

/** What to print on stdout, and the exit code (healthy: FAILED when the node should not take traffic). */
export async function answer(
  cfg: Config,
  log: Logger,
  what: Question | undefined,
  o: { json: boolean; recover: boolean; verbose?: boolean },
): Promise<{ out: string; code: number }> {
  if (what === 'cluster') return { out: `${await clusterTable(cfg, log)}\n${localInitLines(cfg)}`, code: EXIT.OK };
  const snap = await collectOnce(cfg, log, { recover: o.recover && (what === 'seqno' || what === 'mark' || o.json) });
  // stdout keeps its one word for scripts; what the mark says goes to stderr with the problems.
  if (snap.mark?.reason) log.warn({ mark: snap.mark.state }, snap.mark.reason);
  if (what === 'mark')
    return {
      out: o.json ? `${JSON.stringify(markToJson(snap.mark ?? noMark), null, 2)}\n` : `${markLine(snap.mark)}\n`,
      code: EXIT.OK,
    };
  let out = o.json ? `${JSON.stringify(snapshotToJson(snap), null, 2)}\n` : '';
  if (what === 'healthy') {
    // The agent's split-brain watch fences across processes through its fence file.
    const fence = readFence(cfg);
    const v = fence
      ? { healthy: false, reason: `Galera node is fenced by the split-brain watch (${fence}).` }
      : healthVerdict(snap.wsrep, snap.serverPid !== 0, cfg.keepalived, snap.maintenance);
    if (!o.json) out += `${v.reason}\n`;
    return { out, code: v.healthy ? EXIT.OK : EXIT.FAILED };
  }
  if (!o.json && what) out += `${what === 'status' ? snap.status : snap.seqno.toString()}\n`;
  // The one word stays alone on its line for scripts; --verbose adds galera-init's round, maintenance
  // and the datadir's free space.
  if (!o.json && what === 'status' && o.verbose)
    out +=
      initLines(snap.init ?? null, snap.maintenance ?? null, snap.at) + diskLine(snap.disk, cfg.disk.lowFreePercent);
  return { out, code: EXIT.OK };
}
