// The process table, read from /proc, at an idle cost close to nothing:
// - Every scanIntervalMs one small read of /proc/loadavg, whose last field is the last PID the
//   kernel handed out. PIDs are allocated in a cycle, so while it stands still no process (or
//   thread) was born and no listing of /proc is needed. When it moves, one readdir, and the
//   command line of new PIDs only.
// - The PIDs that matter (servers, recovery runs, initiators) are re-read every tick: an exit or
//   a zombie shows within one tick without listing /proc.
// - A new PID is re-read on every tick during its first second (fork-then-exec: systemd,
//   mysqld_safe and spawn show the parent's name first), then at 2, 4, 8 ... 64 s of age (a
//   wrapper that exec()s into mariadbd after a slow start), then only by the full re-read every
//   fullScanIntervalMs.
// - A server's datadir, when its command line has no --datadir, comes from the option files it
//   reads (read once per new command line, never on a request) or from its cwd.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  ClassifyOptions,
  ProcEntry,
  ProcessFacts,
  classifyProcesses,
  nameMatches,
  optionFilesOf,
  optionValue,
  sameProcessFacts,
} from '../core/procclass';
import { readServerOptions } from './servercnf';
import type { SourceHealth } from '../core/snapshot';
import { Source, healthRow } from './source';

export interface ProcessSourceOptions extends ClassifyOptions {
  procDir?: string;
  scanIntervalMs: number;
  fullScanIntervalMs: number;
  log: Logger;
}

interface Cached {
  /** Its name (/proc/PID/comm); null: gone, or a kernel thread. */
  comm: string | null;
  /** Its command line, read only for a name that may be a server or an initiator. */
  entry: ProcEntry | null;
  firstSeen: number;
  /** When to re-read this PID next (0: only at a full re-read). */
  nextCheck: number;
  /** It had a name and an empty command line at the last look. */
  blank?: boolean;
  /** The datadir from the option files of this command line; null: they name none. */
  optDatadir?: string | null;
}

/** A new PID is looked at again on the next tick, then at these ages (the last is LAST_RECHECK_MS). */
const RECHECK_AGES_MS = [400, 1600, 6400];
/** More PIDs born than this since the last tick: one listing of /proc is cheaper than probing each. */
const MAX_PROBES = 32;
/**
 * The last look at a new PID for an exec(): fork-then-exec (systemd, spawn, galera-init) takes
 * milliseconds. A later exec (a container entrypoint that runs for a while before `exec
 * mariadbd`) is found by the full re-read every fullScanIntervalMs.
 */
const LAST_RECHECK_MS = 6_400;

/** The process's entry; `comm` when the caller has just read it (saves a read). */
export function readProc(procDir: string, pid: number, comm?: string): ProcEntry | null {
  try {
    const raw = readProcFile(`${procDir}/${pid}/cmdline`, 'utf8');
    // Zombies and kernel threads have an empty command line. A zombie keeps its comm
    // ("mariadbd") until its parent reaps it, which a container's PID 1 may never do: it is not
    // a server.
    if (raw.length === 0) return null;
    const argv = raw.split('\0');
    if (argv.length && argv[argv.length - 1] === '') argv.pop();
    return { pid, comm: comm ?? readProcFile(`${procDir}/${pid}/comm`, 'utf8').trim(), argv };
  } catch {
    return null; // gone between readdir and read, or a kernel thread
  }
}

/**
 * Whether the process shares this agent's PID namespace. Unknown (no permission to read the link,
 * as for an unprivileged agent and a server of another user) counts as the same: only a namespace
 * seen to differ excludes a process.
 */
export function samePidNamespace(procDir: string, pid: number): boolean {
  try {
    return fs.readlinkSync(`${procDir}/${pid}/ns/pid`) === fs.readlinkSync(`${procDir}/self/ns/pid`);
  } catch {
    return true;
  }
}

/** The process's working directory, or undefined when it is gone or not ours to read. */
export function procCwd(procDir: string, pid: number): string | undefined {
  try {
    return fs.readlinkSync(`${procDir}/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * The datadir the server's option files give (--defaults-file, --defaults-extra-file,
 * --defaults-group-suffix, the built-in files; includes followed), or null when they name none.
 * Relative option file paths are the server's: resolved against its cwd.
 */
export function optionFileDatadir(argv: string[], cwd: string | undefined): string | null {
  const plan = optionFilesOf(argv);
  let datadir: string | null = null;
  for (const f of plan.files) {
    const file = path.isAbsolute(f) || cwd === undefined ? f : path.resolve(cwd, f);
    const v = readServerOptions(file, plan.groupSuffix).values.get('datadir');
    if (v) datadir = cwd !== undefined ? path.resolve(cwd, v) : v; // later files win
  }
  return datadir;
}

const loadavgBuf = Buffer.alloc(128);

/** The last PID the kernel allocated (/proc/loadavg, 5th field), or null when unreadable. */
export function lastPid(procDir: string): number | null {
  // Read ten times a second: one preallocated buffer, no string per read.
  let fd = -1;
  try {
    fd = fs.openSync(`${procDir}/loadavg`, 'r');
    const n = fs.readSync(fd, loadavgBuf, 0, loadavgBuf.length, 0);
    let end = n;
    while (end > 0 && (loadavgBuf[end - 1] < 48 || loadavgBuf[end - 1] > 57)) end--;
    let start = end;
    while (start > 0 && loadavgBuf[start - 1] >= 48 && loadavgBuf[start - 1] <= 57) start--;
    let v = 0;
    for (let i = start; i < end; i++) v = v * 10 + loadavgBuf[i] - 48;
    return end > start ? v : null;
  } catch {
    return null;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/**
 * The name of the process with this PID, or null when the PID is a thread, gone or unreadable.
 * /proc/TID answers for threads too, though a listing of /proc does not show them: a server's
 * thread is not another server.
 */
export function processName(procDir: string, pid: number): string | null {
  try {
    const status = readProcFile(`${procDir}/${pid}/status`);
    const m = /^Name:\t(.*)\n[^]*?\nTgid:\s*(\d+)/.exec(status);
    return m !== null && Number(m[2]) === pid ? m[1] : null;
  } catch {
    return null;
  }
}

let readBuf = Buffer.alloc(4096);

/**
 * A /proc file's text, read into one shared buffer: open, read, close (readFileSync adds an
 * fstat, a second read and a buffer per call, on a path taken tens of times a second).
 */
export function readProcFile(file: string, encoding: 'latin1' | 'utf8' = 'latin1'): string {
  const fd = fs.openSync(file, 'r');
  try {
    let n = 0;
    for (;;) {
      const r = fs.readSync(fd, readBuf, n, readBuf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === readBuf.length) {
        const bigger = Buffer.alloc(readBuf.length * 2);
        readBuf.copy(bigger);
        readBuf = bigger;
      }
    }
    return readBuf.toString(encoding, 0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function readComm(procDir: string, pid: number): string | null {
  try {
    return readProcFile(`${procDir}/${pid}/comm`).trim();
  } catch {
    return null;
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when the PID is gone. */
export function procStartTime(pid: number, procDir = '/proc'): number | null {
  try {
    const stat = fs.readFileSync(`${procDir}/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

const sameEntry = (a: ProcEntry | null, b: ProcEntry | null): boolean =>
  a === b ||
  (a !== null &&
    b !== null &&
    a.comm === b.comm &&
    a.datadir === b.datadir &&
    a.argv.length === b.argv.length &&
    a.argv.every((v, i) => v === b.argv[i]));

export class ProcessSource extends EventEmitter implements Source<ProcessFacts> {
  readonly name = 'processes';
  private cache = new Map<number, Cached>();
  /** PIDs still on their re-read schedule (young, or backing off to LAST_RECHECK_MS). */
  private pending = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private lastFull = 0;
  private lastPidSeen: number | null = null;
  private readonly procDir: string;
  facts: ProcessFacts = { servers: [], recoveries: [], initiators: [] };
  /** The last look at the table that succeeded. */
  lastScanAt = 0;
  lastError: string | null = null;
  readonly stats = { scans: 0, reads: 0, ticks: 0, probes: 0 };

  constructor(private readonly opts: ProcessSourceOptions) {
    super();
    this.procDir = opts.procDir ?? '/proc';
  }

  start(): Promise<void> {
    this.scan();
    this.timer = setInterval(() => this.tick(), this.opts.scanIntervalMs);
    return Promise.resolve();
  }

  readOnce(): Promise<void> {
    this.scan();
    return Promise.resolve();
  }

  health(): SourceHealth {
    return healthRow(this.name, this.lastError ? 'failing' : 'ok', this.lastScanAt, this.lastError);
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Promise.resolve();
  }

  /** The cheap periodic look: a full listing only when many PIDs were born since the last look. */
  tick(): void {
    this.stats.ticks++;
    const now = Date.now();
    const lp = lastPid(this.procDir);
    const prev = this.lastPidSeen;
    // A lower last PID: the counter wrapped and PIDs may have been reused; list and re-read all.
    if (
      lp === null ||
      prev === null ||
      lp < prev ||
      lp - prev > MAX_PROBES ||
      now - this.lastFull >= this.opts.fullScanIntervalMs
    ) {
      this.scan(lp !== null && prev !== null && lp < prev);
      return;
    }
    this.lastScanAt = now;
    let dirty = false;
    // A few PIDs born: look at each by number (most are threads or already gone) instead of
    // listing /proc. Exits of other processes are pruned by the next listing.
    if (lp !== prev) {
      this.lastPidSeen = lp;
      for (let pid = prev + 1; pid <= lp; pid++) {
        this.stats.probes++;
        if (this.cache.has(pid)) continue;
        const comm = processName(this.procDir, pid);
        if (comm === null) continue;
        // Looked at again on the next tick: it may have been caught between fork() and exec().
        const c: Cached = { comm: null, entry: null, firstSeen: now, nextCheck: now + 1 };
        dirty = this.read(pid, c, comm) || dirty;
        this.cache.set(pid, c);
        if (c.comm !== null) this.pending.add(pid);
      }
    }
    for (const pid of this.pending) {
      const c = this.cache.get(pid);
      if (c && c.nextCheck <= now) dirty = this.reread(pid, c, now) || dirty;
    }
    for (const pid of this.watchedPids()) {
      const c = this.cache.get(pid);
      if (c) dirty = this.reread(pid, c, now, true) || dirty;
    }
    if (dirty) this.classify();
  }

  private watchedPids(): number[] {
    const f = this.facts;
    if (f.servers.length + f.recoveries.length + f.initiators.length === 0) return [];
    return [...f.servers.map((s) => s.pid), ...f.recoveries, ...f.initiators];
  }

  /** Looks at a PID again (in full when forced: watched, or a full re-read); true when it changed. */
  private reread(pid: number, c: Cached, now: number, force = false): boolean {
    this.stats.reads++;
    // Its name first: the command line is read again only when the name changed (an exec), or
    // for a watched PID (whose exit leaves no name behind).
    const comm = readComm(this.procDir, pid);
    // A blank command line under a name is read again while the PID is young: exec() sets the new
    // name before the new command line, so a look in between sees the new name and no argv.
    const changed = comm !== c.comm || force || (c.blank && comm !== null) ? this.read(pid, c, comm) : false;
    const age = now - c.firstSeen;
    // Gone, a zombie or a kernel thread: none of them turns into a server (PIDs are not reused
    // before the counter wraps, which forces a full re-read).
    const nextAge = RECHECK_AGES_MS.find((a) => a > age);
    if (c.comm === null || age >= LAST_RECHECK_MS || nextAge === undefined) {
      c.nextCheck = 0;
      this.pending.delete(pid);
    } else c.nextCheck = c.firstSeen + nextAge;
    return changed;
  }

  /** Reads the command line (and a server's datadir); sets c.comm and c.entry. True when the entry changed. */
  private read(pid: number, c: Cached, comm: string | null): boolean {
    c.comm = comm;
    const entry = comm !== null ? this.readEntry(pid, c, comm) : null;
    // Named but without a command line: a zombie, a kernel thread, or caught inside exec(). It stays
    // on the re-read schedule (a few reads) rather than being taken for a kernel thread for good.
    c.blank = entry === null && comm !== null && this.exists(pid);
    if (entry === null && !c.blank) c.comm = null; // gone
    if (sameEntry(entry, c.entry)) return false;
    // Only a change to a process that is (or was) a server or an initiator is worth a classification.
    const matters = this.relevant(entry) || this.relevant(c.entry);
    c.entry = entry;
    return matters;
  }

  private exists(pid: number): boolean {
    return fs.existsSync(`${this.procDir}/${pid}`);
  }

  private relevant(e: ProcEntry | null): boolean {
    return e !== null && (nameMatches(e, this.opts.serverNames) || nameMatches(e, this.opts.initiatorNames));
  }

  /** The entry, with the datadir of a server that does not name one on its command line. */
  private readEntry(pid: number, c: Cached, comm: string): ProcEntry | null {
    const entry = readProc(this.procDir, pid, comm);
    if (!entry || !nameMatches(entry, this.opts.serverNames) || optionValue(entry.argv, 'datadir') !== undefined)
      return entry;
    const cwd = procCwd(this.procDir, pid);
    // Option files are read once per command line: a new PID, or an exec() into another one.
    const known = c.optDatadir;
    const same =
      c.entry &&
      known !== undefined &&
      c.entry.argv.length === entry.argv.length &&
      c.entry.argv.every((v, i) => v === entry.argv[i]);
    const optDatadir = same ? known : optionFileDatadir(entry.argv, cwd);
    c.optDatadir = optDatadir;
    const datadir = optDatadir ?? cwd;
    if (datadir !== undefined) entry.datadir = datadir;
    return entry;
  }

  /**
   * Lists /proc now and reads the PIDs it has not seen (all of them when rereadAll, or when the
   * full re-read is due); emits 'change' when the classification differs from the last one.
   */
  scan(rereadAll = false): ProcessFacts {
    const now = Date.now();
    // Before the listing: a PID born after this read moves it, and the next tick lists again.
    const lp = lastPid(this.procDir);
    let names: string[];
    try {
      names = fs.readdirSync(this.procDir);
    } catch (err) {
      const msg = `cannot list ${this.procDir}: ${(err as Error).message}`;
      if (msg !== this.lastError)
        this.opts.log.error({ err: msg }, 'process table unreadable; status kept from the last scan');
      this.lastError = msg;
      return this.facts;
    }
    this.lastPidSeen = lp;
    this.lastError = null;
    this.stats.scans++;
    const first = this.stats.scans === 1;
    const full = !first && (rereadAll || now - this.lastFull >= this.opts.fullScanIntervalMs);
    if (full || first) this.lastFull = now;
    const seen = new Set<number>();
    let dirty = full || first;
    for (const name of names) {
      const c0 = name.charCodeAt(0);
      if (c0 < 48 || c0 > 57) continue;
      const pid = Number(name);
      seen.add(pid);
      const cached = this.cache.get(pid);
      if (!cached) {
        this.stats.reads++;
        // At the first listing every process is old news (it ran before the agent): no re-reads
        // for exec-after-fork, which would cost the whole table ten reads in the first minute.
        const c: Cached = first
          ? { comm: null, entry: null, firstSeen: now - LAST_RECHECK_MS, nextCheck: 0 }
          : { comm: null, entry: null, firstSeen: now, nextCheck: now + 1 };
        dirty = this.read(pid, c, readComm(this.procDir, pid)) || dirty;
        this.cache.set(pid, c);
        if (!first && c.comm !== null) this.pending.add(pid);
      } else if (full || (cached.nextCheck !== 0 && cached.nextCheck <= now)) {
        if (full) cached.optDatadir = undefined;
        dirty = this.reread(pid, cached, now, full) || dirty;
      }
    }
    for (const [pid, c] of this.cache)
      if (!seen.has(pid)) {
        this.cache.delete(pid);
        this.pending.delete(pid);
        if (this.relevant(c.entry)) dirty = true;
      }
    // The PIDs that matter are re-read on every tick; a listing must not skip them.
    for (const pid of this.watchedPids()) {
      const c = this.cache.get(pid);
      if (c && seen.has(pid) && !full) dirty = this.reread(pid, c, now, true) || dirty;
    }
    this.lastScanAt = now;
    // An idle node's table does not change: skip the classification when no entry did.
    if (dirty) this.classify();
    return this.facts;
  }

  private classify(): void {
    const entries: ProcEntry[] = [];
    for (const c of this.cache.values()) if (c.entry) entries.push(c.entry);
    const facts = classifyProcesses(entries, { ...this.opts, sameHost: (pid) => samePidNamespace(this.procDir, pid) });
    if (!sameProcessFacts(facts, this.facts)) {
      this.facts = facts;
      this.emit('change', facts);
    }
  }
}
