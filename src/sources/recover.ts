// The --wsrep-recover run that finds a crashed node's last committed position. It takes the
// initiator lock first: a recovery and a server start must never overlap on one datadir (InnoDB
// would be opened twice), and while it runs the node reports `locked`.

import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { parseRecoveredPosition, RecoveredPosition } from '../core/recoverlog';
import { acquireLock, releaseLock } from './lock';

export type RecoveryResult =
  | { ok: true; position: RecoveredPosition; ms: number }
  | { ok: false; busy: boolean; error: string; ms: number };

const MAX_OUTPUT = 1 << 20;

export function expandCommand(command: string[], vars: Record<string, string>): string[] {
  return command.map((a) => a.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m));
}

export async function runRecovery(opts: { command: string[]; datadir: string; lockFile: string; timeoutMs: number; log: Logger }): Promise<RecoveryResult> {
  const t0 = Date.now();
  const argv = expandCommand(opts.command, { datadir: opts.datadir });
  const got = acquireLock(opts.lockFile, 'wsrep-recover');
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
      const timer = setTimeout(() => {
        try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
        if (!settled) { settled = true; resolve({ text, code: null, error: `timed out after ${opts.timeoutMs} ms` }); }
      }, opts.timeoutMs);
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
    releaseLock(opts.lockFile);
  }
}
