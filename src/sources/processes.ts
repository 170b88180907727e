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
import { ClassifyOptions, ProcEntry, ProcessFacts, classifyProcesses, nameMatches, optionFilesOf, optionValue, sameProcessFacts } from '../core/procclass';
import { readServerOptions } from './servercnf';

export interface ProcessSourceOptions extends ClassifyOptions {
  procDir?: string;
  scanIntervalMs: number;
  fullScanIntervalMs: number;
  log: Logger;
}

interface Cached {
  entry: ProcEntry | null;
  firstSeen: number;
  /** When to re-read this PID next (0: only at a full re-read). */
  nextCheck: number;
  /** The datadir from the option files of this command line; null: they name none. */
  optDatadir?: string | null;
}

const YOUNG_MS = 1000;
const LAST_RECHECK_MS = 64_000;

export function readProc(procDir: string, pid: number): ProcEntry | null {
  try {
    const raw = fs.readFileSync(`${procDir}/${pid}/cmdline`);
    // Zombies and kernel threads have an empty command line. A zombie keeps its comm
    // ("mariadbd") until its parent reaps it, which a container's PID 1 may never do: it is not
    // a server.
    if (raw.length === 0) return null;
    const argv = raw.toString('utf8').split('\0');
    if (argv.length && argv[argv.length - 1] === '') argv.pop();
    const comm = fs.readFileSync(`${procDir}/${pid}/comm`, 'utf8').trim();
    return { pid, comm, argv };
  } catch {
    return null; // gone between readdir and read, or a kernel thread
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

/** The last PID the kernel allocated (/proc/loadavg, 5th field), or null when unreadable. */
export function lastPid(procDir: string): number | null {
  try {
    const s = fs.readFileSync(`${procDir}/loadavg`, 'latin1');
    const v = Number(s.slice(s.lastIndexOf(' ') + 1));
    return Number.isInteger(v) ? v : null;
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
  a === b || (a !== null && b !== null && a.comm === b.comm && a.datadir === b.datadir &&
    a.argv.length === b.argv.length && a.argv.every((v, i) => v === b.argv[i]));

export class ProcessSource extends EventEmitter {
  private cache = new Map<number, Cached>();
  /** PIDs still on their re-read schedule (young, or backing off to LAST_RECHECK_MS). */
  private pending = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private lastFull = 0;
  private lastPidSeen: number | null = null;
  private readonly procDir: string;
  facts: ProcessFacts = { servers: [], recoveries: [], initiators: [] };
  lastScanAt = 0;
  lastError: string | null = null;
  readonly stats = { scans: 0, reads: 0, ticks: 0 };

  constructor(private readonly opts: ProcessSourceOptions) {
    super();
    this.procDir = opts.procDir ?? '/proc';
  }

  start(): void {
    this.scan();
    this.timer = setInterval(() => this.tick(), this.opts.scanIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The cheap periodic look: a full listing only when a PID was born since the last one. */
  tick(): void {
    this.stats.ticks++;
    const now = Date.now();
    const lp = lastPid(this.procDir);
    // A lower last PID: the counter wrapped and PIDs may have been reused; list and re-read all.
    if (lp === null || lp !== this.lastPidSeen || now - this.lastFull >= this.opts.fullScanIntervalMs) {
      this.scan(lp !== null && this.lastPidSeen !== null && lp < this.lastPidSeen);
      return;
    }
    this.lastScanAt = now;
    let dirty = false;
    for (const pid of this.pending) {
      const c = this.cache.get(pid);
      if (c && c.nextCheck <= now) dirty = this.reread(pid, c, now) || dirty;
    }
    for (const pid of this.watchedPids()) {
      const c = this.cache.get(pid);
      if (c && !this.pending.has(pid)) dirty = this.reread(pid, c, now) || dirty;
    }
    if (dirty) this.classify();
  }

  private watchedPids(): number[] {
    const f = this.facts;
    if (f.servers.length + f.recoveries.length + f.initiators.length === 0) return [];
    return [...f.servers.map((s) => s.pid), ...f.recoveries, ...f.initiators];
  }

  /** Reads a PID's entry again; true when it changed. */
  private reread(pid: number, c: Cached, now: number): boolean {
    this.stats.reads++;
    const entry = this.read(pid, c);
    const age = now - c.firstSeen;
    if (age < YOUNG_MS) c.nextCheck = now;
    else if (age < LAST_RECHECK_MS) c.nextCheck = c.firstSeen + 2 ** Math.ceil(Math.log2((age + 1) / 1000)) * 1000;
    else { c.nextCheck = 0; this.pending.delete(pid); }
    if (sameEntry(entry, c.entry)) return false;
    c.entry = entry;
    return true;
  }

  /** The entry, with the datadir of a server that does not name one on its command line. */
  private read(pid: number, c: Cached | undefined): ProcEntry | null {
    const entry = readProc(this.procDir, pid);
    if (!entry || !nameMatches(entry, this.opts.serverNames) || optionValue(entry.argv, 'datadir') !== undefined) return entry;
    const cwd = procCwd(this.procDir, pid);
    // Option files are read once per command line: a new PID, or an exec() into another one.
    const same = c?.entry && c.optDatadir !== undefined && c.entry.argv.length === entry.argv.length && c.entry.argv.every((v, i) => v === entry.argv[i]);
    const optDatadir = same ? c!.optDatadir! : optionFileDatadir(entry.argv, cwd);
    if (c) c.optDatadir = optDatadir;
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
      if (msg !== this.lastError) this.opts.log.error({ err: msg }, 'process table unreadable; status kept from the last scan');
      this.lastError = msg;
      return this.facts;
    }
    this.lastPidSeen = lp;
    this.lastError = null;
    this.stats.scans++;
    const full = rereadAll || now - this.lastFull >= this.opts.fullScanIntervalMs;
    if (full) this.lastFull = now;
    const seen = new Set<number>();
    let dirty = full;
    for (const name of names) {
      const c0 = name.charCodeAt(0);
      if (c0 < 48 || c0 > 57) continue;
      const pid = Number(name);
      seen.add(pid);
      const cached = this.cache.get(pid);
      if (!cached) {
        this.stats.reads++;
        const c: Cached = { entry: null, firstSeen: now, nextCheck: now };
        c.entry = this.read(pid, c);
        this.cache.set(pid, c);
        this.pending.add(pid);
        dirty = true;
      } else if (full || (cached.nextCheck !== 0 && cached.nextCheck <= now)) {
        if (full) cached.optDatadir = undefined;
        dirty = this.reread(pid, cached, now) || dirty;
      }
    }
    for (const pid of this.cache.keys()) if (!seen.has(pid)) { this.cache.delete(pid); this.pending.delete(pid); dirty = true; }
    // The PIDs that matter are re-read on every tick; a listing must not skip them.
    for (const pid of this.watchedPids()) {
      const c = this.cache.get(pid);
      if (c && seen.has(pid) && !full && !(c.nextCheck !== 0 && c.nextCheck <= now)) dirty = this.reread(pid, c, now) || dirty;
    }
    this.lastScanAt = now;
    // An idle node's table does not change: skip the classification when no entry did.
    if (dirty) this.classify();
    return this.facts;
  }

  private classify(): void {
    const entries: ProcEntry[] = [];
    for (const c of this.cache.values()) if (c.entry) entries.push(c.entry);
    const facts = classifyProcesses(entries, this.opts);
    if (!sameProcessFacts(facts, this.facts)) {
      this.facts = facts;
      this.emit('change', facts);
    }
  }
}
