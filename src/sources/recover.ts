// The --wsrep-recover run that finds a crashed node's last committed position. It takes the
// initiator lock first: a recovery and a server start must never overlap on one datadir (InnoDB
// would be opened twice), and while it runs the node reports `locked`.

import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import {
  orphansRolledBack,
  parseRecoveredPosition,
  preparedTransactions,
  RECOVERY_TIMED_OUT,
  RecoveredPosition,
} from '../core/recoverlog';
import { parseSeqno, parseUuid } from '../core/gtid';
import { needsRecovery, grastateDamaged } from '../core/seqno';
import type { RecoveryFacts, SourceFacts } from '../core/snapshot';
import { acquireLock, releaseLock } from './lock';
import { innodbStamp } from './datafile';
import { Reads, Source } from './source';

export type RecoveryResult =
  | { ok: true; position: RecoveredPosition; ms: number; output: string }
  /** prepared: the count of prepared transactions that stopped the run (0: something else did). */
  /** aborted: killed because a server started here; it found nothing out about the data. */
  | { ok: false; busy: boolean; error: string; ms: number; prepared: number; output?: string; aborted?: true };

/** What galera-init adds to the recovery command to roll back the prepared transactions a crash left. */
export const HEURISTIC_ROLLBACK = '--tc-heuristic-recover=rollback';

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

/**
 * What galera-init or galera-check left beside the lock: the position found, or why the run found
 * none (prepared transactions, a timeout): an agent that may not run a recovery itself (the
 * packaged one) publishes either as if it were its own.
 */
export type RecoveryCacheEntry = { position: RecoveredPosition } | { position: null; error: string; prepared: number };

export function readRecoveryCacheEntry(lockFile: string, grastateVersion: string): RecoveryCacheEntry | null {
  try {
    const doc = JSON.parse(fs.readFileSync(recoveryCacheFile(lockFile), 'utf8')) as {
      version?: string;
      uuid?: string;
      seqno?: string;
      error?: string;
      prepared?: number;
    };
    if (doc.version !== grastateVersion) return null;
    if (typeof doc.error === 'string' && doc.error !== '') {
      const n = doc.prepared;
      const prepared = typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
      return { position: null, error: doc.error.slice(0, 1000), prepared };
    }
    if (typeof doc.uuid !== 'string' || typeof doc.seqno !== 'string') return null;
    const uuid = parseUuid(doc.uuid);
    const seqno = parseSeqno(doc.seqno);
    return uuid && seqno !== null ? { position: { uuid, seqno } } : null;
  } catch {
    return null;
  }
}

export function readRecoveryCache(lockFile: string, grastateVersion: string): RecoveredPosition | null {
  return readRecoveryCacheEntry(lockFile, grastateVersion)?.position ?? null;
}

export function writeRecoveryCache(
  lockFile: string,
  grastateVersion: string,
  r: RecoveredPosition | { error: string; prepared: number },
): void {
  const file = recoveryCacheFile(lockFile);
  const tmp = `${file}.${process.pid}.tmp`;
  const doc =
    'error' in r
      ? { version: grastateVersion, error: r.error, prepared: r.prepared }
      : { version: grastateVersion, uuid: r.uuid, seqno: r.seqno.toString() };
  try {
    fs.writeFileSync(tmp, JSON.stringify(doc), { flag: 'w', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true }); // a cache: failing to write it costs a second recovery, nothing else
  }
}

/** What the command printed and how it ended; aborted: killed because a server started here. */
type RunOutput = { text: string; code: number | null; error?: string; aborted?: true };

export async function runRecovery(opts: {
  command: string[];
  datadir: string;
  lockFile: string;
  timeoutMs: number;
  log: Logger;
  /** Checked while the run lasts: when it turns true (a server started here), the run is killed. */
  abortIf?: () => boolean;
  /** The caller (galera-init) already holds the lock and keeps it. */
  lockHeld?: boolean;
  /** Appended to the command (galera-init's heuristic rollback). */
  extraArgs?: string[];
}): Promise<RecoveryResult> {
  const t0 = Date.now();
  const argv = [...expandCommand(opts.command, { datadir: opts.datadir }), ...(opts.extraArgs ?? [])];
  const got = opts.lockHeld ? { ok: true as const } : acquireLock(opts.lockFile, 'wsrep-recover');
  if (!got.ok) {
    return {
      ok: false,
      busy: true,
      error: `lock busy (${got.holder.state === 'held' ? `pid ${got.holder.pid}` : got.holder.state})`,
      ms: Date.now() - t0,
      prepared: 0,
    };
  }
  try {
    if (!opts.extraArgs) opts.log.info({ argv }, 'running --wsrep-recover to find the seqno after a crash');
    const output = await new Promise<RunOutput>((resolve) => {
      let text = '';
      let settled = false;
      // Own process group, so a timeout kills whatever the command started too.
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const collect = (b: Buffer): void => {
        if (text.length < MAX_OUTPUT) text += b.toString('utf8');
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const kill = (error: string, aborted?: true): void => {
        try {
          // No pid: the command never started (its 'error' settles the run).
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        if (!settled) {
          settled = true;
          resolve({ text, code: null, error, ...(aborted ? { aborted } : {}) });
        }
      };
      // A large InnoDB (a long redo log to apply) can outlive the default: say so, with the time.
      const timer = setTimeout(
        () =>
          kill(
            `${RECOVERY_TIMED_OUT} ran ${Math.round((Date.now() - t0) / 1000)} s, killed at recovery.timeoutMs (${opts.timeoutMs} ms); a large InnoDB may need longer: raise recovery.timeoutMs`,
          ),
        opts.timeoutMs,
      );
      // Two InnoDBs on one datadir is how data gets hurt: a server that appears wins.
      const abortIf = opts.abortIf;
      const watch = abortIf
        ? setInterval(() => {
            if (abortIf()) kill('aborted: a server started on this datadir', true);
          }, 50)
        : null;
      child.on('close', () => {
        if (watch) clearInterval(watch);
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          resolve({ text, code: null, error: `cannot run ${argv[0]}: ${err.message}` });
        }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          resolve({ text, code });
        }
      });
    });
    const ms = Date.now() - t0;
    if (output.error)
      return {
        ok: false,
        busy: false,
        error: output.error,
        ms,
        prepared: 0,
        ...(output.aborted ? { aborted: true } : {}),
      };
    const position = parseRecoveredPosition(output.text);
    const prepared = preparedTransactions(output.text);
    if (!position && prepared > 0) {
      return {
        ok: false,
        busy: false,
        error: `the crash left ${prepared} prepared transaction${prepared > 1 ? 's' : ''}: no position until resolved. Fix: recovery.heuristicRollback (galera-init rolls ${prepared > 1 ? 'them' : 'it'} back with --tc-heuristic-recover=rollback before a join), or galera-init --force`,
        ms,
        prepared,
      };
    }
    if (!position) {
      const tail = output.text.trim().split('\n').slice(-2).join(' | ').slice(0, 300);
      // The recovery opens the server's port like a start does. Seen on stock Debian 12: its package
      // enables mariadb.socket, so systemd holds 3306 with no server running, and every recovery fails.
      const cause = /Bind on TCP\/IP port\. Got error: 98/.test(output.text)
        ? "the server's port is held by another process, with no server running (Debian 12's mariadb.socket does: systemctl disable --now mariadb.socket; else ss -ltnp names it); "
        : '';
      return {
        ok: false,
        busy: false,
        error: `${cause}no "Recovered position" in the output (exit ${output.code}): ${tail}`,
        ms,
        prepared: 0,
        output: output.text,
      };
    }
    const orphans = orphansRolledBack(output.text);
    // Not a failure (the position is there), but data this node had is gone: say which.
    if (orphans.length)
      opts.log.warn(
        { seqnos: orphans.map(String) },
        `the recovery rolled back ${orphans.length} prepared write-set${orphans.length > 1 ? 's' : ''} that did not continue this node's committed sequence (seqno ${orphans.join(', ')}): a state transfer brings back what the cluster committed of them; a bootstrap from this node would not have them`,
      );
    return { ok: true, position, ms, output: output.text };
  } finally {
    if (!opts.lockHeld) releaseLock(opts.lockFile);
  }
}

/** A yes/no option, or a function when the caller changes it between reads. */
export type Flag = boolean | (() => boolean);
const flagNow = (f: Flag | undefined): boolean => (typeof f === 'function' ? f() : f === true);

export interface RecoverySourceOptions {
  enabled: boolean;
  command: string[];
  timeoutMs: number;
  datadir: string;
  lockFile: string;
  log: Logger;
  /** Whether a server or a recovery runs on this datadir now (a fresh look, not the last scan). */
  busyNow: () => boolean;
  /** One-shot tools: once() may run a recovery (galera-check seqno, galera-init). */
  recover?: Flag;
  /** The caller (galera-init) holds the initiator lock and keeps it. */
  lockHeld?: Flag;
  /** How long the datadir must hold still before the daemon runs a recovery on it (ms). */
  settleMs?: number;
}

/** No result: nothing known about the data now on disk. */
const NO_RESULT = { key: '', position: null, error: '', prepared: 0 } as const;

/** An operator's `rm -rf` and `mariadb-install-db`, or a restore, take about this long between steps. */
export const SETTLE_MS = 2000;

/** What changes while anyone rewrites a datadir: its entries, InnoDB's files, grastate.dat. */
function datadirLook(datadir: string): string {
  let dir: string;
  try {
    const st = fs.statSync(datadir);
    dir = `${st.ino}:${st.mtimeMs}`;
  } catch (err) {
    dir = (err as NodeJS.ErrnoException).code ?? 'error';
  }
  let gs: string;
  try {
    const st = fs.statSync(path.join(datadir, 'grastate.dat'));
    gs = `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    gs = '';
  }
  return `${dir}|${innodbStamp(datadir)}|${gs}`;
}

/**
 * The position a crashed node stopped at, when grastate.dat cannot tell (seqno -1, damaged, or
 * absent next to InnoDB data): from a --wsrep-recover run, or from the result galera-init or
 * galera-check left beside the lock. A result is valid for one version of grastate.dat and of the
 * InnoDB data; anything else makes it unknown again.
 */
export class RecoverySource extends EventEmitter implements Source<RecoveryFacts, SourceFacts> {
  readonly name = 'recovery';
  readonly reads = new Reads();
  /** The InnoDB data's stamp, taken again when grastate.dat or the server processes change. */
  private stamp = { for: '', value: '' };
  private key = '';
  private result = { key: '', position: null as RecoveredPosition | null, error: '', prepared: 0 };
  private running = false;
  /** How long this source's own last run took (ms): galeraRecoveryDuration. */
  private lastMs: number | undefined;
  private last: SourceFacts | null = null;
  private daemon = false;
  /** The data (key, as the run left it) this source last ran a recovery of its own for. */
  private ranFor = '';
  /** The datadir as the daemon last looked before a run, and since when it has looked so. */
  private still = { look: '', since: 0 };
  private stillTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RecoverySourceOptions) {
    super();
  }

  get facts(): RecoveryFacts {
    const mine = this.result.key === this.key && this.key !== '';
    return {
      position: mine ? this.result.position : null,
      hasData: this.stamp.value !== '',
      running: this.running,
      error: mine ? this.result.error : '',
      prepared: mine ? this.result.prepared : 0,
      ...(this.lastMs !== undefined ? { ms: this.lastMs } : {}),
    };
  }

  /**
   * ok while a run is in progress (a child watched to its end: fresh), failing when the last run
   * for this data failed, idle otherwise (nothing to recover, or found: the position then shows as
   * galeraSeqnoSource recovered).
   */
  idle(): boolean {
    return !this.running && !this.facts.error;
  }

  watching(): boolean {
    return this.running;
  }

  /** The last run's failure holds for the data it ran on, not for the last read. */
  problem(): string | null {
    return this.facts.error || null;
  }

  start(): Promise<void> {
    this.daemon = true;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.daemon = false;
    clearTimeout(this.stillTimer);
    return Promise.resolve();
  }

  /** A recovery result appeared beside the lock (galera-init, galera-check): look at the data again. */
  dataChanged(): void {
    this.stamp = { for: '', value: '' };
    // A failure (its own or theirs) is looked at again: the new file may hold a position for it.
    if (this.result.error) this.result = { ...this.result, key: '' };
    this.emit('change');
  }

  sync(all: SourceFacts): void {
    this.rekey(all);
    if (this.daemon) void this.maybeRun(false);
  }

  /** The key for the files now on disk. */
  private rekey(all: SourceFacts): void {
    this.last = all;
    const pids = all.processes.servers.map((p) => p.pid).join(',');
    const forWhat = `${all.grastate.version}|${pids}`;
    // Stats InnoDB only when no server runs (a running server rewrites it all the time).
    if (this.stamp.for !== forWhat)
      this.stamp = { for: forWhat, value: pids === '' ? innodbStamp(this.opts.datadir) : '' };
    this.key = recoveryKey(all.grastate.version, this.stamp.value);
  }

  /** One-shot: the cached result, or a run when allowed (galera-check seqno, galera-init). */
  async readOnce(): Promise<void> {
    if (this.last) await this.maybeRun(true);
  }

  private needed(f: SourceFacts): boolean {
    return needsRecovery({
      serverRunning: f.processes.servers.length > 0,
      recoveryRunning: f.processes.recoveries.length > 0,
      grastate: f.grastate.value,
      grastateDamaged: grastateDamaged(f.grastate),
      hasData: this.stamp.value !== '',
    });
  }

  private async maybeRun(oneShot: boolean): Promise<void> {
    const f = this.last;
    // The daemon tries once per version of the data; a one-shot reader (galera-init's next round)
    // tries a failed run again, as it did when each round built its own sources.
    const tried = this.result.key === this.key && !(oneShot && this.result.error);
    if (!f || this.running || tried || !this.needed(f)) return;
    const lockHeld = flagNow(this.opts.lockHeld);
    const key = this.key;
    // A result found by galera-init or galera-check (root) is served even when this agent may not
    // run the recovery itself (an unprivileged agent cannot write the datadir).
    const cached = readRecoveryCacheEntry(this.opts.lockFile, key);
    if (cached?.position) {
      this.reads.run(() => null);
      this.found(key, cached.position);
      return;
    }
    // A failed run cached for this data is served by one that may not run a recovery (the packaged
    // agent), and by a daemon that already ran its own for this data (its own failure, or a tool's
    // since: the file's change must not start another run, or its own write would loop). Anyone
    // else runs first: a failure an earlier process cached (another command, a timeout since
    // raised) must not outlive its cause; a tool that may (galera-init's next round) always retries.
    const mayRun = this.opts.enabled && (!oneShot || flagNow(this.opts.recover));
    if (cached && (!mayRun || (!oneShot && this.ranFor === key))) {
      this.reads.run(() => cached.error);
      this.result = { key, position: null, error: cached.error, prepared: cached.prepared };
      this.emit('change');
      return;
    }
    if (!mayRun) return;
    // Never while a lock is held by another: the holder may be about to start the server here.
    if (f.lock.state === 'held' && !lockHeld) return;
    // A starting server writes grastate.dat (seqno -1) at once; that event can beat the periodic
    // scan, so look at the process table again before touching the datadir.
    if (this.opts.busyNow()) return;
    if (!oneShot && !this.holdsStill()) return;
    this.running = true;
    this.result = { key, position: null, error: '', prepared: 0 };
    this.emit('change');
    let r: RecoveryResult = { ok: false, busy: true, error: 'not run', ms: 0, prepared: 0 };
    await this.reads.runAsync(async () => {
      r = await this.runOnce(oneShot, lockHeld);
      return r.ok || r.busy || r.aborted ? null : r.error;
    });
    this.settle(r, f.grastate.version);
  }

  /**
   * Whether the datadir has held still for settleMs. Someone rewriting it (`rm -rf` then
   * `mariadb-install-db`, a restore) makes a server-less datadir without grastate.dat for a moment:
   * a run started then reads a half-removed InnoDB and writes into the next one, which its install
   * then cannot lock (CI: a schema of the removed data appeared in the new one). Not yet: the
   * daemon looks again when it would have held still long enough, at the data as it is then.
   */
  private holdsStill(): boolean {
    const settleMs = this.opts.settleMs ?? SETTLE_MS;
    const look = datadirLook(this.opts.datadir);
    const now = Date.now();
    if (look !== this.still.look) this.still = { look, since: now };
    const left = this.still.since + settleMs - now;
    if (left <= 0) return true;
    clearTimeout(this.stillTimer);
    this.stillTimer = setTimeout(() => {
      this.restamp();
      if (this.daemon) void this.maybeRun(false);
    }, left + 10);
    this.stillTimer.unref();
    return false;
  }

  private runOnce(oneShot: boolean, lockHeld: boolean): Promise<RecoveryResult> {
    return runRecovery({
      command: this.opts.command,
      datadir: this.opts.datadir,
      lockFile: this.opts.lockFile,
      timeoutMs: this.opts.timeoutMs,
      log: this.opts.log,
      lockHeld,
      abortIf: oneShot ? undefined : () => (this.last?.processes.servers.length ?? 0) > 0,
    });
  }

  private settle(r: RecoveryResult, version: string): void {
    this.running = false;
    const ran = r.ok || !r.busy;
    if (ran && this.last && this.last.grastate.version !== version) {
      // grastate.dat changed while InnoDB was read (an operator's edit, a restore): the result
      // answers for the files as they were, and keyed now it would stand for the new ones.
      this.opts.log.info({ ms: r.ms }, 'recovery result set aside: grastate.dat changed during the run');
      this.result = NO_RESULT;
      this.restamp();
      this.emit('change');
      if (this.daemon) void this.maybeRun(false);
      return;
    }
    // A run the lock kept from starting took no time of its own.
    if (r.ok || !(r.busy || r.aborted)) this.lastMs = r.ms;
    if (!r.ok && r.aborted) {
      // The server's start is the answer: nothing is known about the data, nothing is cached, and
      // the run is due again if that server goes without leaving a position.
      this.opts.log.info({ ms: r.ms }, 'recovery abandoned: a server started on this datadir');
      this.result = NO_RESULT;
      this.emit('change');
    } else if (r.ok) {
      this.opts.log.info(
        { uuid: r.position.uuid, seqno: r.position.seqno.toString(), ms: r.ms },
        'recovered the seqno',
      );
      this.rekeyAfterRun();
      writeRecoveryCache(this.opts.lockFile, this.key, r.position);
      this.found(this.key, r.position);
    } else {
      this.opts.log.warn(
        { err: r.error, ms: r.ms },
        r.busy
          ? 'recovery postponed: the lock is busy'
          : 'recovery failed; seqno stays unknown until grastate.dat changes',
      );
      // A busy lock is retried at the next change (nothing ran: ranFor stays); a failure only when
      // the data changes.
      if (r.busy) this.result = { key: '', position: null, error: '', prepared: r.prepared };
      else {
        this.rekeyAfterRun();
        this.result = { key: this.key, position: null, error: r.error, prepared: r.prepared };
        writeRecoveryCache(this.opts.lockFile, this.key, { error: r.error, prepared: r.prepared });
      }
      this.emit('change');
    }
  }

  /**
   * A run that ran is keyed by the data as it left it: even a failed one may have applied InnoDB's
   * redo log (MariaDB 10.11 rewrites ibdata1 and ib_logfile0 at the first run after a crash). Keyed
   * by the data before it, the result would be stale at once: the packaged agent would serve
   * nothing, and this daemon would run again on its own write, and again.
   */
  private rekeyAfterRun(): void {
    this.restamp();
    this.ranFor = this.key;
  }

  /** The key for the files as they are now (the InnoDB stamp is otherwise taken on a grastate or process change). */
  private restamp(): void {
    this.stamp = { for: '', value: '' };
    if (this.last) this.rekey(this.last);
  }

  private found(key: string, position: RecoveredPosition): void {
    this.result = { key, position, error: '', prepared: 0 };
    this.emit('change');
  }
}
