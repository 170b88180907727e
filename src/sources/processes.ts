// The process table, read from /proc. A scan every scanIntervalMs lists PIDs (one readdir) and
// reads the command line of new PIDs only; a full re-read every fullScanIntervalMs catches the
// rare process that exec()s into mariadbd long after it was forked. A PID is re-read on every scan
// during its first second too, because fork-then-exec (systemd, mysqld_safe, spawn) shows the
// parent's name first. This keeps an idle node's cost at one readdir per tick.

import * as fs from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ClassifyOptions, ProcEntry, ProcessFacts, classifyProcesses, sameProcessFacts } from '../core/procclass';

export interface ProcessSourceOptions extends ClassifyOptions {
  procDir?: string;
  scanIntervalMs: number;
  fullScanIntervalMs: number;
  log: Logger;
}

interface Cached { entry: ProcEntry | null; firstSeen: number }

const YOUNG_MS = 1000;

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

export class ProcessSource extends EventEmitter {
  private cache = new Map<number, Cached>();
  private timer: NodeJS.Timeout | null = null;
  private lastFull = 0;
  private readonly procDir: string;
  facts: ProcessFacts = { servers: [], recoveries: [], initiators: [] };
  lastScanAt = 0;
  lastError: string | null = null;
  readonly stats = { scans: 0, reads: 0 };

  constructor(private readonly opts: ProcessSourceOptions) {
    super();
    this.procDir = opts.procDir ?? '/proc';
  }

  start(): void {
    this.scan();
    this.timer = setInterval(() => this.scan(), this.opts.scanIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Scans now; emits 'change' when the classification differs from the last one. */
  scan(): ProcessFacts {
    const now = Date.now();
    let names: string[];
    try {
      names = fs.readdirSync(this.procDir);
    } catch (err) {
      const msg = `cannot list ${this.procDir}: ${(err as Error).message}`;
      if (msg !== this.lastError) this.opts.log.error({ err: msg }, 'process table unreadable; status kept from the last scan');
      this.lastError = msg;
      return this.facts;
    }
    this.lastError = null;
    this.stats.scans++;
    const full = now - this.lastFull >= this.opts.fullScanIntervalMs;
    if (full) this.lastFull = now;
    const seen = new Set<number>();
    let dirty = full;
    for (const name of names) {
      const c0 = name.charCodeAt(0);
      if (c0 < 48 || c0 > 57) continue;
      const pid = Number(name);
      seen.add(pid);
      const cached = this.cache.get(pid);
      if (!cached || full || now - cached.firstSeen < YOUNG_MS) {
        this.stats.reads++;
        const entry = readProc(this.procDir, pid);
        if (!cached || JSON.stringify(entry) !== JSON.stringify(cached.entry)) dirty = true;
        this.cache.set(pid, { entry, firstSeen: cached?.firstSeen ?? now });
      }
    }
    for (const pid of this.cache.keys()) if (!seen.has(pid)) { this.cache.delete(pid); dirty = true; }
    this.lastScanAt = now;
    // An idle node's table does not change: skip the classification when no entry did.
    if (!dirty) return this.facts;
    const entries: ProcEntry[] = [];
    for (const c of this.cache.values()) if (c.entry) entries.push(c.entry);
    const facts = classifyProcesses(entries, { ...this.opts, sameHost: (pid) => samePidNamespace(this.procDir, pid) });
    if (!sameProcessFacts(facts, this.facts)) {
      this.facts = facts;
      this.emit('change', facts);
    }
    return facts;
  }
}
