// The initiator lock: taking it (galera-init, the recovery run) and watching it (the agent).
// Taken atomically: the full content is written to a private temp file, then link(2)ed to the lock
// path, which fails if the path exists, so no reader ever sees a half-written lock and two takers
// can never both win. Neither step follows a symlink planted at the lock path.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { formatLock, LockInfo, parseLock } from '../core/lockfmt';
import type { LockState } from '../core/status';
import { procStartTime } from './processes';
import { Reads, Source } from './source';

/** Whether the lock's owner is the live process that took it. */
export function ownerAlive(info: LockInfo, procDir = '/proc'): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (info.starttime === null) return true;
  return procStartTime(info.pid, procDir) === info.starttime;
}

export function readLockState(lockFile: string): LockState {
  let text: string;
  try {
    const fd = fs.openSync(lockFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return { state: 'unreadable', error: `${lockFile} is not a regular file` };
      const buf = Buffer.alloc(Math.min(st.size, 4096));
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { state: 'free' };
    if (e.code === 'ELOOP') return { state: 'unreadable', error: `${lockFile} is a symlink; refusing to follow it` };
    return { state: 'unreadable', error: `${lockFile}: ${e.code ?? e.message}` };
  }
  const info = parseLock(text);
  if (!info) return { state: 'unreadable', error: `${lockFile} does not start with a PID` };
  return ownerAlive(info) ? { state: 'held', pid: info.pid, purpose: info.purpose } : { state: 'stale', pid: info.pid };
}

export type AcquireResult = { ok: true } | { ok: false; holder: LockState };

/** Takes the lock for this process, replacing a stale one. Never waits. */
export function acquireLock(lockFile: string, purpose: string): AcquireResult {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true, mode: 0o755 });
  const info: LockInfo = { pid: process.pid, starttime: procStartTime(process.pid), purpose };
  const tmp = `${lockFile}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, formatLock(info, os.hostname()), { flag: 'wx', mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.linkSync(tmp, lockFile);
        return { ok: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readLockState(lockFile);
      if (holder.state === 'held' || holder.state === 'unreadable') return { ok: false, holder };
      if (holder.state === 'stale' && !breakStale(lockFile, tmp, holder.pid))
        return { ok: false, holder: readLockState(lockFile) };
    }
    return { ok: false, holder: readLockState(lockFile) };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes a stale lock, one taker at a time. Only the holder of `<lock>.break` removes anything, so
 * a fresh lock that another taker linked after the stale one went can never be removed by a taker
 * that judged the path a moment earlier (that race let two takers win). The path, once free, goes
 * to whoever links first: exactly one. False when another taker is breaking it now.
 */
function breakStale(lockFile: string, tmp: string, stalePid: number): boolean {
  const breaker = `${lockFile}.break`;
  try {
    fs.linkSync(tmp, breaker);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A breaker that died in the middle leaves its file: stale like any lock, and removed as one.
    if (readLockState(breaker).state === 'stale') fs.rmSync(breaker, { force: true });
    return false;
  }
  try {
    const now = readLockState(lockFile);
    if (now.state !== 'stale' || now.pid !== stalePid) return true; // gone or replaced meanwhile: look again
    // Aside under our name, then checked: what we moved must be the stale lock we judged.
    const aside = `${lockFile}.stale.${process.pid}`;
    try {
      fs.renameSync(lockFile, aside);
    } catch {
      return true;
    }
    const moved = parseLock(fs.readFileSync(aside, 'utf8'));
    if (moved && moved.pid !== stalePid) {
      try {
        fs.linkSync(aside, lockFile);
      } catch {
        /* the path is taken again: theirs stands */
      }
    }
    fs.rmSync(aside, { force: true });
    return true;
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

/** Releases the lock if this process holds it. */
export function releaseLock(lockFile: string): void {
  try {
    const info = parseLock(fs.readFileSync(lockFile, 'utf8'));
    if (info && info.pid === process.pid) fs.rmSync(lockFile, { force: true });
  } catch {
    /* already gone */
  }
}

/**
 * Watches the lock for the agent: the file through a directory watch (inotify), and the owner's
 * liveness by polling only while a lock is held or stale (a PID dies without touching the file).
 * A free lock with a working watch costs nothing at rest: no timer runs.
 */
export class LockSource extends EventEmitter implements Source<LockState> {
  readonly name = 'lock';
  readonly reads = new Reads();
  state: LockState = { state: 'free' };
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private loggedStale = -1;
  private stopped = false;

  constructor(
    private readonly lockFile: string,
    private readonly pollMs: number,
    private readonly log: Logger,
  ) {
    super();
  }

  get facts(): LockState {
    return this.state;
  }

  start(): Promise<void> {
    this.stopped = false;
    this.watchDir();
    this.refresh();
    return Promise.resolve();
  }

  readOnce(): Promise<void> {
    this.refresh();
    return this.stop();
  }

  /**
   * Under a working directory watch the lock is known now (inotify would have said otherwise); a
   * held lock's owner is polled besides (a PID dies without touching the file).
   */
  watching(): boolean {
    return this.watcher !== null;
  }

  /** The backstop: a watch again where it was lost (and a read); nothing to do under a live watch. */
  backstop(): string | null {
    if (this.watcher) return this.state.state === 'unreadable' ? this.state.error : null;
    this.watchDir();
    return this.look();
  }

  /** Polls while the watch is missing (no directory yet) or an owner must be watched for death. */
  private arm(): void {
    const need = !this.stopped && (!this.watcher || this.state.state === 'held' || this.state.state === 'stale');
    if (need && !this.timer) {
      this.timer = setInterval(() => {
        if (!this.watcher) this.watchDir();
        this.refresh();
      }, this.pollMs);
    } else if (!need && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private watchDir(): void {
    try {
      const dir = path.dirname(this.lockFile);
      this.watcher = fs.watch(dir, { persistent: false }, (_ev, name) => {
        // The directory removed (and perhaps made again): this watch sees nothing any more.
        if (!fs.existsSync(dir)) {
          this.watcher?.close();
          this.watcher = null;
          this.arm();
        }
        if (!name || name === path.basename(this.lockFile)) this.refresh();
        // The recovery cache lives beside the lock: a result written by galera-init/galera-check.
        if (!name || name === `${path.basename(this.lockFile)}.recovered`) this.emit('recovery-cache');
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
        this.arm();
      });
    } catch {
      this.watcher = null; // the directory does not exist yet: polling covers it until it does
    }
  }

  refresh(): void {
    this.reads.run(() => this.look());
  }

  /** Reads the lock; returns the error of an unreadable one. */
  private look(): string | null {
    const next = readLockState(this.lockFile);
    if (next.state === 'stale' && this.loggedStale !== next.pid) {
      this.log.warn(
        { lockFile: this.lockFile, pid: next.pid },
        'stale initiator lock (its owner is dead); ignoring it',
      );
      this.loggedStale = next.pid;
    }
    if (JSON.stringify(next) !== JSON.stringify(this.state)) {
      if (next.state === 'unreadable')
        this.log.warn({ lockFile: this.lockFile, err: next.error }, 'initiator lock unreadable');
      this.state = next;
      this.emit('change', next);
    }
    this.arm();
    return next.state === 'unreadable' ? next.error : null;
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    this.timer = null;
    this.watcher = null;
    return Promise.resolve();
  }
}
