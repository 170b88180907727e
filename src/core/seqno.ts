// galeraSeqno: the best truth available, and where it came from.

import type { Grastate } from './grastate';
import type { RecoveredPosition } from './recoverlog';
import { UNKNOWN_SEQNO } from './gtid';

export type SeqnoSource = 'live' | 'grastate' | 'recovered' | 'unknown' | 'unreadable';

export interface SeqnoInput {
  serverRunning: boolean;
  /** wsrep_last_committed and local_state_uuid from the running server, when it could be asked. */
  live: { seqno: bigint; uuid: string | null } | null;
  grastate: Grastate | null;
  /** The recovery result for the grastate.dat now on disk (the agent drops it when the file changes). */
  recovered: RecoveredPosition | null;
  /** grastate.dat exists but cannot be read, or names no uuid or no seqno. */
  grastateDamaged?: boolean;
  /** The datadir holds InnoDB data (a node with no grastate.dat but data is not a fresh node). */
  hasData?: boolean;
}

export interface SeqnoResult {
  seqno: bigint;
  source: SeqnoSource;
  uuid: string | null;
}

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
  // Data whose position nobody could read (recovery not run yet, or it failed): not a fresh node,
  // and possibly the most advanced one. A recovery that finds no Galera position (the zero UUID,
  // -1: a datadir that never ran Galera) does make it fresh.
  if (!input.recovered && (input.grastateDamaged === true || (!gs && input.hasData === true))) {
    return { seqno: UNKNOWN_SEQNO, source: 'unreadable', uuid: gs?.uuid ?? null };
  }
  return { seqno: UNKNOWN_SEQNO, source: 'unknown', uuid: gs?.uuid ?? input.recovered?.uuid ?? null };
}

/** grastate.dat as a whole: absent, usable, or there but naming no position. */
export function grastateDamaged(file: { value: Grastate | null; error: string | null }): boolean {
  if (file.error) return true;
  return file.value !== null && (file.value.uuid === null || file.value.seqno === null);
}

/**
 * Whether a --wsrep-recover run would tell more than grastate.dat: the server is down and the file
 * names a state (uuid) but seqno -1, which is what a crash leaves; or the datadir holds InnoDB data
 * while grastate.dat is missing or damaged (InnoDB keeps the position itself).
 */
export function needsRecovery(input: {
  serverRunning: boolean;
  recoveryRunning: boolean;
  grastate: Grastate | null;
  grastateDamaged?: boolean;
  hasData?: boolean;
}): boolean {
  if (input.serverRunning || input.recoveryRunning) return false;
  const gs = input.grastate;
  if (gs !== null && gs.uuid !== null && gs.seqno === -1n) return true;
  return input.hasData === true && (input.grastateDamaged === true || gs === null);
}
