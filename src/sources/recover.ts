// The --wsrep-recover run that finds a crashed node's last committed position. It takes the
// initiator lock first: a recovery and a server start must never overlap on one datadir (InnoDB
// would be opened twice), and while it runs the node reports `locked`.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Logger } from 'pino';
import { parseRecoveredPosition, RecoveredPosition } from '../core/recoverlog';
import { parseSeqno, parseUuid } from '../core/seqnum';
import { acquireLock, releaseLock } from './lock';

export type RecoveryResult =
  | { ok: true; position: RecoveredPosition; ms: number }
  | { ok: false; busy: boolean; error: string; ms: number };

const MAX_OUTPUT = 1 << 20;

export function expandCommand(command: string[], vars: Record<string, string>): string[] {
  return command.map((a) => a.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m));
}

/**
 * The last recovery result, kept beside the lock for the grastate.dat version it was found for,
 * so galera-check (and galera-init) reuse the agent's answer instead of running InnoDB again.
 */
/**
 * What a recovery result is valid for: this version of grastate.dat and this InnoDB data. A result
 * found while grastate.dat was missing must not outlive the data it was found in.
 */
export const recoveryKey = (grastateVersion: string, innodb: string): string => `${grastateVersion}|${innodb}`;

export const recoveryCacheFile = (lockFile: string): string => `${lockFile}.recovered`;

export function readRecoveryCache(lockFile: string, grastateVersion: string): RecoveredPosition | null {
  try {
    const doc = JSON.parse(fs.readFileSync(recoveryCacheFile(lockFile), 'utf8')) as { version?: string; uuid?: string; seqno?: string };
    if (doc.version !== grastateVersion || typeof doc.uuid !== 'string' || typeof doc.seqno !== 'string') return null;
    const uuid = parseUuid(doc.uuid);
    const seqno = parseSeqno(doc.seqno);
    return uuid && seqno !== null ? { uuid, seqno } : null;
  } catch {
    return null;
  }
}

export function writeRecoveryCache(lockFile: string, grastateVersion: string, pos: RecoveredPosition): void {
  const file = recoveryCacheFile(lockFile);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify({ version: grastateVersion, uuid: pos.uuid, seqno: pos.seqno.toString() }), { flag: 'w', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true }); // a cache: failing to write it costs a second recovery, nothing else
  }
}

export async function runRecovery(opts: {
  command: string[]; datadir: string; lockFile: string; timeoutMs: number; log: Logger;
  /** Checked while the run lasts: when it turns true (a server started here), the run is killed. */
  abortIf?: () => boolean;
  /** The caller (galera-init) already holds the lock and keeps it. */
  lockHeld?: boolean;
}): Promise<RecoveryResult> {
  const t0 = Date.now();
  const argv = expandCommand(opts.command, { datadir: opts.datadir });
  const got = opts.lockHeld ? { ok: true as const } : acquireLock(opts.lockFile, 'wsrep-recover');
  if (!got.ok) {
    return { ok: false, busy: true, error: `lock busy (${got.holder.state === 'held' ? `pid ${got.holder.pid}` : got.holder.state})`, ms: Date.now() - t0 };
  }
  try {
    opts.log.info({ argv }, 'running --wsrep-recover to find the seqno after a crash');
    const output = await new Promise<{ text: string; code: number | null; error?: string }>((resolve) => {
      let text = '';
      let settled = false;
      // Own process group, so a timeout kills whatever the command started too.
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const collect = (b: Buffer): void => { if (text.length < MAX_OUTPUT) text += b.toString('utf8'); };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const kill = (error: string): void => {
        try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
        if (!settled) { settled = true; resolve({ text, code: null, error }); }
      };
      const timer = setTimeout(() => kill(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
      // Two InnoDBs on one datadir is how data gets hurt: a server that appears wins.
      const watch = opts.abortIf ? setInterval(() => { if (opts.abortIf!()) kill('aborted: a server started on this datadir'); }, 50) : null;
      child.on('close', () => { if (watch) clearInterval(watch); });
      child.on('error', (err) => {
        clearTimeout(timer);
        if (!settled) { settled = true; resolve({ text, code: null, error: `cannot run ${argv[0]}: ${err.message}` }); }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (!settled) { settled = true; resolve({ text, code }); }
      });
    });
    const ms = Date.now() - t0;
    if (output.error) return { ok: false, busy: false, error: output.error, ms };
    const position = parseRecoveredPosition(output.text);
    if (!position) {
      const tail = output.text.trim().split('\n').slice(-2).join(' | ').slice(0, 300);
      return { ok: false, busy: false, error: `no "Recovered position" in the output (exit ${output.code}): ${tail}`, ms };
    }
    return { ok: true, position, ms };
  } finally {
    if (!opts.lockHeld) releaseLock(opts.lockFile);
  }
}
