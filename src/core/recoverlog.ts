// The position a `--wsrep-recover` run prints:
//   MariaDB:  [Note] WSREP: Recovered position: 9acf4d34-acdb-11e6-bcc3-d3e36276629f:1234
//             (with wsrep_gtid_mode a ",domain-server-seqno" suffix follows)
//   PXC 8:    [WSREP] Recovered position: 9acf4d34-acdb-11e6-bcc3-d3e36276629f:1234

import { parseSeqno, parseUuid } from './gtid';

/** How a recovery killed at its timeout starts its error (galeraRecoveryOutcome timedOut). */
export const RECOVERY_TIMED_OUT = 'timed out:';

export interface RecoveredPosition {
  uuid: string;
  seqno: bigint;
}

const RE = /(?:WSREP:|\[WSREP\])\s*Recovered position:?\s*([0-9a-fA-F-]{36}):(-?\d+)/g;

/**
 * Transactions a crash left prepared, as the server's transaction-coordinator recovery counts them
 * (sql/handler.cc): "Found N prepared transactions! ... You have to start server with
 * --tc-heuristic-recover switch to commit or rollback pending transactions." The run then aborts
 * with no position. (Its "Found N prepared XA transactions" warning, about XA transactions an
 * application prepared, does not stop the run and is not counted here.) 0 when none.
 */
export function preparedTransactions(output: string): number {
  let n = 0;
  for (const m of output.matchAll(/Found (\d{1,9}) prepared transactions?!/g)) n = Math.max(n, Number(m[1]));
  return n;
}

/**
 * Write-sets this node had prepared but not committed, which the recovery itself rolled back
 * because they do not continue its committed sequence (MariaDB 10.6+, handler.cc:
 * "Rolled back orphan prepared wsrep transaction 8"): their seqnos, ascending. They are gone from
 * this datadir; a state transfer brings back what the cluster committed of them.
 */
export function orphansRolledBack(output: string): bigint[] {
  const seqnos = [...output.matchAll(/Rolled back orphan prepared wsrep transaction (\d{1,19})\b/g)].map((m) =>
    BigInt(m[1]),
  );
  return [...new Set(seqnos)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * How MariaDB ends a run with --tc-heuristic-recover: it resolves the prepared transactions, then
 * stops without a position ("Please restart without --tc-heuristic-recover", exit 1).
 */
export const heuristicRunEnded = (output: string): boolean =>
  /Please restart without --tc-heuristic-recover/.test(output);

/** The last recovered position in the output, or null when there is none or it is malformed. */
export function parseRecoveredPosition(output: string): RecoveredPosition | null {
  let found: RecoveredPosition | null = null;
  for (const m of output.matchAll(RE)) {
    const uuid = parseUuid(m[1]);
    const seqno = parseSeqno(m[2]);
    found = uuid && seqno !== null ? { uuid, seqno } : null;
  }
  return found;
}
