// The high-water mark's file under the state directory (core/mark.ts says what it holds and why).
// Written atomically: a temporary file in the same directory, fsync'd, renamed over the old one,
// then the directory fsync'd, so a power cut leaves the old mark or the new one, never half of
// one. A file that cannot be read or parsed is "no mark", with the reason: never a crash.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { MARK_FILE, Mark, MarkView, markView, parseMark, serializeMark } from '../core/mark';

export type MarkRead =
  | { state: 'none' }
  | { state: 'valid'; mark: Mark }
  /** Damaged, unreadable: treated as no mark; `error` names the file and what is wrong. */
  | { state: 'damaged'; error: string };

export const markPath = (stateDir: string): string => path.join(stateDir, MARK_FILE);

export function readMark(stateDir: string): MarkRead {
  const file = markPath(stateDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { state: 'none' };
    return { state: 'damaged', error: `${file}: cannot read it (${e.code ?? e.message}); check its permissions` };
  }
  const m = parseMark(text);
  if (typeof m === 'string')
    return {
      state: 'damaged',
      error: `${file}: damaged (${m}), treated as no mark; the agent writes a new one at the next commit it sees`,
    };
  return { state: 'valid', mark: m };
}

/** Replaces the mark atomically and durably. Throws with the file's name on failure. */
export function writeMark(stateDir: string, m: Mark): void {
  const file = markPath(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'w', 0o640);
    fs.writeSync(fd, serializeMark(m));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
    // The rename is durable only once the directory is.
    const dir = fs.openSync(stateDir, 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      `${file}: cannot write the high-water mark (${e.code ?? e.message}); the state directory (stateDir) must exist and be the agent's`,
      { cause: err },
    );
  }
}

/** The mark as a one-shot tool sees it (galera-check, galera-init): the file, judged against this snapshot. */
export function markViewFor(
  stateDir: string,
  s: { seqno: bigint; uuid: string | null; seqnoSource: string; serverPid: number },
): MarkView {
  const r = readMark(stateDir);
  return markView(r.state, r.state === 'valid' ? r.mark : null, r.state === 'damaged' ? r.error : '', s);
}
