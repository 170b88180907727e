// grastate.dat: the seqno a stopped node saved, its state UUID and safe_to_bootstrap.
//   # GALERA saved state
//   version: 2.1
//   uuid:    9acf4d34-acdb-11e6-bcc3-d3e36276629f
//   seqno:   1234
//   safe_to_bootstrap: 1
// Galera writes seqno -1 while the server runs and leaves it there after a crash.

import { parseSeqno, parseUuid } from './gtid';

export interface Grastate {
  uuid: string | null;
  seqno: bigint | null;
  safeToBootstrap: boolean | null;
  /** What was wrong with the file, for one log line; empty when it was well formed. */
  problems: string[];
}

export const GRASTATE_MAX_BYTES = 64 * 1024;

export function parseGrastate(data: Buffer | string): Grastate {
  const out: Grastate = { uuid: null, seqno: null, safeToBootstrap: null, problems: [] };
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  if (buf.length === 0) {
    out.problems.push('file is empty');
    return out;
  }
  if (buf.length > GRASTATE_MAX_BYTES) {
    out.problems.push(`file is ${buf.length} bytes, larger than any real grastate.dat`);
    return out;
  }
  if (buf.includes(0)) {
    out.problems.push('file holds binary data');
    return out;
  }
  for (const raw of buf.toString('utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue; // unknown lines are tolerated: newer Galera versions add keys
    const [, key, value] = m;
    if (key === 'uuid') {
      out.uuid = parseUuid(value);
      if (!out.uuid) out.problems.push(`uuid '${value.slice(0, 40)}' is not a UUID`);
    } else if (key === 'seqno') {
      out.seqno = parseSeqno(value);
      if (out.seqno === null) out.problems.push(`seqno '${value.slice(0, 40)}' is not a signed 64-bit integer`);
    } else if (key === 'safe_to_bootstrap') {
      if (value === '1' || value === '0') out.safeToBootstrap = value === '1';
      else out.problems.push(`safe_to_bootstrap '${value.slice(0, 20)}' is neither 0 nor 1`);
    }
  }
  if (out.uuid === null && !out.problems.some((p) => p.startsWith('uuid'))) out.problems.push('no uuid line');
  if (out.seqno === null && !out.problems.some((p) => p.startsWith('seqno'))) out.problems.push('no seqno line');
  return out;
}

export const GRASTATE_FILE = { name: 'grastate.dat', maxBytes: GRASTATE_MAX_BYTES, parse: parseGrastate };
