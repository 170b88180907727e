// The two edits galera-init makes to the chosen node's grastate.dat before it starts the server.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { GRASTATE_FILE } from '../core/grastate';
import { bootstrapGrastate } from '../core/grastate-edit';

/**
 * Makes the chosen node's grastate.dat bootstrappable, atomically and keeping owner and mode:
 * safe_to_bootstrap: 1 when a crash left 0, or the whole file from the recovered position when it
 * names no state. A fresh node (no file, no position) is left alone.
 */
export function markSafeToBootstrap(
  datadir: string,
  log: Logger,
  position: { uuid: string | null; seqno: bigint } = { uuid: null, seqno: -1n },
): void {
  const file = path.join(datadir, GRASTATE_FILE.name);
  let text = '';
  let owner: { mode: number; uid: number; gid: number };
  try {
    const st = fs.statSync(file);
    text = fs.readFileSync(file, 'utf8');
    owner = { mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
  } catch {
    if (!position.uuid) return; // no file and no position: a fresh node
    const dir = fs.statSync(datadir);
    owner = { mode: 0o660, uid: dir.uid, gid: dir.gid };
  }
  const next = bootstrapGrastate(text, position);
  if (next === text) return;
  const tmp = `${file}.galera-init.tmp`;
  fs.writeFileSync(tmp, next, { mode: owner.mode, flag: 'w' });
  fs.chownSync(tmp, owner.uid, owner.gid);
  fs.renameSync(tmp, file);
  log.warn(
    { file, position: `${position.uuid}:${position.seqno}` },
    /uuid:/.test(text)
      ? 'set safe_to_bootstrap: 1 on the chosen node (it said 0 after a crash)'
      : 'wrote grastate.dat from the recovered position on the chosen node (it named no state), so the cluster keeps its history',
  );
}

/**
 * A forced join of a node ahead of the cluster: Galera aborts such a join ("Local state seqno is
 * greater than group seqno: states diverged") and asks for grastate.dat to be removed. It is renamed,
 * not removed, so the operator can still see what the node had.
 */
export function discardState(datadir: string, log: Logger): void {
  const file = path.join(datadir, GRASTATE_FILE.name);
  const aside = `${file}.discarded-${new Date().toISOString().replace(/[:.]/g, '')}`;
  try {
    fs.renameSync(file, aside);
    log.warn(
      { file, aside },
      "FORCED: set grastate.dat aside; the server receives a full state transfer and this node's newer transactions are discarded",
    );
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'could not set grastate.dat aside');
  }
}
