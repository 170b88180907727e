// The position a `--wsrep-recover` run prints:
//   MariaDB:  [Note] WSREP: Recovered position: 9acf4d34-acdb-11e6-bcc3-d3e36276629f:1234
//             (with wsrep_gtid_mode a ",domain-server-seqno" suffix follows)
//   PXC 8:    [WSREP] Recovered position: 9acf4d34-acdb-11e6-bcc3-d3e36276629f:1234

import { parseSeqno, parseUuid } from './gtid';

export interface RecoveredPosition {
  uuid: string;
  seqno: bigint;
}

const RE = /(?:WSREP:|\[WSREP\])\s*Recovered position:?\s*([0-9a-fA-F-]{36}):(-?\d+)/g;

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
