// galeraSeqno: the best truth available, and where it came from.

import type { Grastate } from './grastate';
import type { RecoveredPosition } from './recoverlog';
import { UNKNOWN_SEQNO } from './seqnum';

export type SeqnoSource = 'live' | 'grastate' | 'recovered' | 'unknown';

export interface SeqnoInput {
  serverRunning: boolean;
  /** wsrep_last_committed and local_state_uuid from the running server, when it could be asked. */
  live: { seqno: bigint; uuid: string | null } | null;
  grastate: Grastate | null;
  /** The recovery result for the grastate.dat now on disk (the agent drops it when the file changes). */
  recovered: RecoveredPosition | null;
}

export interface SeqnoResult { seqno: bigint; source: SeqnoSource; uuid: string | null }

export function seqnoOf(input: SeqnoInput): SeqnoResult {
  const gs = input.grastate;
  if (input.serverRunning) {
    if (input.live) return { seqno: input.live.seqno, source: 'live', uuid: input.live.uuid ?? gs?.uuid ?? null };
    // A running server keeps -1 in grastate.dat: the file cannot say anything better here.
    return { seqno: UNKNOWN_SEQNO, source: 'unknown', uuid: gs?.uuid ?? null };
  }
  if (gs && gs.seqno !== null && gs.seqno >= 0n) return { seqno: gs.seqno, source: 'grastate', uuid: gs.uuid };
  if (input.recovered && input.recovered.seqno >= 0n) {
    return { seqno: input.recovered.seqno, source: 'recovered', uuid: input.recovered.uuid };
  }
  return { seqno: UNKNOWN_SEQNO, source: 'unknown', uuid: gs?.uuid ?? input.recovered?.uuid ?? null };
}

/**
 * Whether a --wsrep-recover run would tell more than grastate.dat: the server is down, the file
 * names a state (uuid) but seqno -1, which is what a crash leaves.
 */
export function needsRecovery(input: { serverRunning: boolean; recoveryRunning: boolean; grastate: Grastate | null }): boolean {
  const gs = input.grastate;
  return !input.serverRunning && !input.recoveryRunning && gs !== null && gs.uuid !== null && gs.seqno === -1n;
}
