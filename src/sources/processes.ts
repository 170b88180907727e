// The process table, read from /proc, at an idle cost close to nothing. The table cannot be
// watched, but what a server, galera-init or a recovery does to the filesystem can: the agent
// sleeps until one of those marks, or the backstop.
// - Event-driven: inotify on the datadir, the lock's directory, processes.watchDirs (the run dir
//   of the socket and pid file, /run/mysqld by default) and the directories of a running
//   server's --socket and --pid-file. A file created, removed or renamed there (the pid file,
//   the socket, ibtmp1, ddl_recovery.log, galera.cache, a lock), or grastate.dat rewritten (seqno
//   -1 when the provider loads), starts a burst: a look now, then every scanIntervalMs until 2 s
//   pass without a mark, which sees the server (or its exit) as it happens.
// - The backstop (SourceSet, every processes.backstopMs) gives a look to a start or an exit that
//   leaves no mark (a crash: its socket and pid file stay behind).
// - A look is one small read of /proc/loadavg, whose last field is the last PID the kernel handed
//   out. PIDs are allocated in a cycle, so while it stands still no process (or thread) was born
//   and no listing of /proc is needed. When it moves, one readdir, and the command line of new
//   PIDs only. The PIDs that matter (servers, recovery runs, initiators) are re-read at each look.
// - A new PID is re-read at the next look (fork-then-exec: systemd, mysqld_safe and spawn show
//   the parent's name first), then at 0.4, 1.6 and 6.4 s of age (a wrapper that exec()s into
//   mariadbd after a slow start), then only by the full re-read every fullScanIntervalMs.
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
import { Reads, Source } from './source';

export interface ProcessSourceOptions extends ClassifyOptions {
  procDir?: string;
  /** The period of the looks in a burst (after a mark in a watched directory). */
  scanIntervalMs: number;
  fullScanIntervalMs: number;
  /** Directories whose changes start a burst (the datadir, the lock's, the server's run dir). */
  watchDirs?: string[];
  log: Logger;
}

/** A burst of looks lasts this long after the last mark: a start or a stop is under way. */
const BURST_MS = 2000;
/** Of the modifications in a watched directory, only these are marks (a busy server writes its logs all the time). */
const MARKED_WRITES = new Set(['grastate.dat', 'gvwstate.dat']);

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
  readonly reads = new Reads();
  private cache = new Map<number, Cached>();
  /** PIDs still on their re-read schedule (young, or backing off to LAST_RECHECK_MS). */
  private pending = new Set<number>();
  private burstTimer: NodeJS.Timeout | null = null;
  private burstUntil = 0;
  private started = false;
  /** Watched directories (null: not watchable now; tried again at the next backstop). */
  private watchers = new Map<string, fs.FSWatcher | null>();
  /** The directories of the running servers' --socket and --pid-file. */
  private serverDirs: string[] = [];
  private lastFull = 0;
  private lastPidSeen: number | null = null;
  private readonly procDir: string;
  facts: ProcessFacts = { servers: [], recoveries: [], initiators: [] };
  lastError: string | null = null;
  readonly stats = { scans: 0, reads: 0, ticks: 0, probes: 0, bursts: 0, marks: 0 };

  constructor(private readonly opts: ProcessSourceOptions) {
    super();
    this.procDir = opts.procDir ?? '/proc';
  }

  start(): Promise<void> {
    this.started = true;
    this.reads.run(() => (this.scan(), this.lastError));
    this.watchDirs();
    return Promise.resolve();
  }

  readOnce(): Promise<void> {
    this.reads.run(() => (this.scan(), this.lastError));
    return Promise.resolve();
  }

  /** The backstop's look (SourceSet times it): a start or an exit that left no mark. */
  backstop(): string | null {
    this.watchDirs();
    this.tick();
    return this.lastError;
  }

  /**
   * A mark of a start or a stop (a watched directory changed, the MySQL connection dropped): a
   * look now, and one every scanIntervalMs until BURST_MS pass without another mark.
   */
  poke(mark = 'the MySQL connection dropped'): void {
    if (!this.started) return;
    this.stats.marks++;
    this.burstUntil = Date.now() + BURST_MS;
    if (this.burstTimer) return;
    this.stats.bursts++;
    this.opts.log.debug({ mark }, 'a start or stop may be under way: looking at the process table');
    this.reads.run(() => (this.tick(), this.lastError));
    this.burstTimer = setInterval(() => {
      if (Date.now() > this.burstUntil) {
        if (this.burstTimer) clearInterval(this.burstTimer);
        this.burstTimer = null;
        return;
      }
      this.reads.run(() => (this.tick(), this.lastError));
    }, this.opts.scanIntervalMs);
  }

  stop(): Promise<void> {
    this.started = false;
    if (this.burstTimer) clearInterval(this.burstTimer);
    this.burstTimer = null;
    for (const w of this.watchers.values()) w?.close();
    this.watchers.clear();
    return Promise.resolve();
  }

  /** Watches every directory that may take a mark, and drops the watches of servers gone. */
  private watchDirs(): void {
    if (!this.started) return;
    const want = new Set([...(this.opts.watchDirs ?? []), ...this.serverDirs]);
    for (const [dir, w] of this.watchers)
      if (!want.has(dir)) {
        w?.close();
        this.watchers.delete(dir);
      }
    for (const dir of want) {
      if (this.watchers.get(dir)) continue;
      try {
        const w = fs.watch(dir, { persistent: false }, (event, name) => {
          if (event === 'change' && !(name !== null && MARKED_WRITES.has(name))) return;
          this.poke(path.join(dir, name ?? ''));
        });
        // A directory removed (or unwatchable): looked for again at the next backstop.
        w.on('error', () => {
          w.close();
          this.watchers.set(dir, null);
        });
        this.watchers.set(dir, w);
      } catch {
        this.watchers.set(dir, null);
      }
    }
  }

  /** The directories now under a watch (for tests and the README's list). */
  watchedDirs(): string[] {
    return [...this.watchers].filter(([, w]) => w !== null).map(([d]) => d);
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
        const comm = readComm(this.procDir, pid);
        // At the first listing every process is old news (it ran before the agent): no re-reads
        // for exec-after-fork, which would cost the whole table ten reads in the first minute.
        // Except a child systemd has forked and not yet exec'd (named "(mariadbd)"): at boot the
        // agent starts beside galera-init, whose server may be in that window, and would be missed
        // until the full re-read (a minute of "stopped" and unhealthy).
        const young = !first || (comm !== null && comm.startsWith('('));
        const c: Cached = young
          ? { comm: null, entry: null, firstSeen: now, nextCheck: now + 1 }
          : { comm: null, entry: null, firstSeen: now - LAST_RECHECK_MS, nextCheck: 0 };
        dirty = this.read(pid, c, comm) || dirty;
        this.cache.set(pid, c);
        if (young && c.comm !== null) this.pending.add(pid);
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
      this.serverDirs = serverRunDirs(facts.servers.map((p) => this.cache.get(p.pid)?.entry ?? null));
      this.watchDirs();
      this.emit('change', facts);
    }
  }
}

/** Where a server's --socket and --pid-file live: their removal marks a clean stop. */
function serverRunDirs(servers: (ProcEntry | null)[]): string[] {
  const dirs = new Set<string>();
  for (const s of servers) {
    if (!s) continue;
    for (const opt of ['socket', 'pid-file']) {
      const v = optionValue(s.argv, opt);
      // A relative pid file is the server's datadir's.
      if (v) dirs.add(path.dirname(path.isAbsolute(v) || !s.datadir ? v : path.join(s.datadir, v)));
    }
  }
  return [...dirs].filter((d) => path.isAbsolute(d));
}
