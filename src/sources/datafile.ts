// A small state file in the datadir (grastate.dat, gvwstate.dat), watched (chokidar) with an
// lstat at each backstop period (SourceSet's), read off the request path and parsed once per
// change. Each distinct problem is logged once, not per read.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import chokidar, { FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import type { FileFacts } from '../core/snapshot';
import { FIRST_READ_MS, Reads, Source, firstRead } from './source';

export type { FileFacts } from '../core/snapshot';

export interface DataFileSpec<T extends { problems: string[] }> {
  /** The file name in the datadir. */
  name: string;
  /** The source's name (galeraSourceName), when not the file's name without .dat. */
  sourceName?: string;
  maxBytes: number;
  parse: (data: Buffer) => T;
}

/** Reads a file without following a symlink at its path, at most maxBytes (+1 to see "too big"). */
export async function readSmallFile(file: string, maxBytes: number): Promise<{ data: Buffer; version: string }> {
  const fh = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw Object.assign(new Error('is not a regular file'), { code: 'ENOTFILE' });
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { data: buf.subarray(0, bytesRead), version: `${st.ino}:${st.size}:${st.mtimeMs}` };
  } finally {
    await fh.close();
  }
}

/** One read of the file: absent is a fact (no error); anything else unreadable is an error. */
export async function readDataFile<T extends { problems: string[] }>(
  datadir: string,
  spec: DataFileSpec<T>,
): Promise<FileFacts<T>> {
  const file = path.join(datadir, spec.name);
  try {
    const { data, version } = await readSmallFile(file, spec.maxBytes);
    return { value: spec.parse(data), version, error: null };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { value: null, version: 'absent', error: null };
    const why =
      e.code === 'ELOOP'
        ? 'is a symlink (not followed)'
        : e.code === 'EACCES'
          ? 'is not readable by the agent'
          : e.message;
    return { value: null, version: `error:${e.code}`, error: `${file} ${why}` };
  }
}

export class DataFileSource<T extends { problems: string[] }> extends EventEmitter implements Source<FileFacts<T>> {
  readonly name: string;
  readonly file: string;
  readonly reads = new Reads();
  facts: FileFacts<T> = { value: null, version: 'none', error: null };
  private watcher: FSWatcher | null = null;
  /** The watch is set up and has not failed since. */
  private watchLive = false;
  /** The read under way: a call that comes meanwhile awaits it (and asks for one more pass). */
  private pass: Promise<void> | null = null;
  /** Calls to read() that came while one was reading: each asks for one more pass. */
  private missedReads = 0;
  /** How long start() waits for the first read (tests shorten it). */
  firstReadMs = FIRST_READ_MS;
  private lastLogged = '';

  constructor(
    private readonly datadir: string,
    private readonly spec: DataFileSpec<T>,
    private readonly log: Logger,
  ) {
    super();
    this.file = path.join(datadir, spec.name);
    this.name = spec.sourceName ?? spec.name.replace(/\.dat$/, '');
  }

  /** The file under a live watch: its facts are confirmed as it changes. */
  watching(): boolean {
    return this.watchLive;
  }

  /** The file's present problem: an unreadable file stays failing until a read succeeds. */
  problem(): string | null {
    return this.facts.error;
  }

  /**
   * The backstop's cheap question: one lstat(2), compared with the version last read. inotify
   * (chokidar) misses some rewrites (seen: grastate.dat after a --wsrep-recover run); a full read
   * (open, fstat, read, close on the thread pool) only on a change. An lstat that finds the file
   * as last read confirms the facts. The lstat awaits too: the datadir's filesystem may hang.
   */
  async backstop(): Promise<string | null> {
    if (await this.changedSinceRead()) await this.read();
    return this.facts.error;
  }

  async readOnce(): Promise<void> {
    await this.read();
  }

  async start(): Promise<void> {
    await firstRead(this.read(), this.firstReadMs);
    this.watcher = chokidar.watch(this.file, { ignoreInitial: true, persistent: false, atomic: 50 });
    this.watcher.on('ready', () => (this.watchLive = true));
    this.watcher.on('all', () => void this.read());
    this.watcher.on('error', (err) => {
      this.watchLive = false;
      // A loop, a missing or unreadable path is the file's condition, which the read reports in
      // its own words: one line per condition, not one from the watcher and one from the read.
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (['ELOOP', 'ENOENT', 'ENOTDIR', 'EACCES'].includes(code)) void this.read();
      else this.logOnce(`watcher: ${(err as Error).message}`);
    });
  }

  async stop(): Promise<void> {
    this.watchLive = false;
    await this.watcher?.close();
    this.watcher = null;
  }

  private async changedSinceRead(): Promise<boolean> {
    try {
      const st = await fs.promises.lstat(this.file);
      return !st.isFile() || `${st.ino}:${st.size}:${st.mtimeMs}` !== this.facts.version;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code !== 'ENOENT' || this.facts.version !== 'absent';
    }
  }

  private logOnce(msg: string): void {
    if (msg === this.lastLogged) return;
    this.lastLogged = msg;
    if (msg) this.log.warn({ file: this.file, err: msg }, `${this.spec.name} problem`);
  }

  /**
   * Reads and parses the file; coalesces overlapping calls. A call that comes while a read is under
   * way returns that read, so the backstop's look awaits it: a read hung on the datadir keeps the
   * look out (the source grows old), never confirms facts it has not read.
   */
  read(): Promise<void> {
    if (this.pass) {
      this.missedReads++;
      return this.pass;
    }
    const pass = this.passes().finally(() => {
      this.pass = null;
    });
    this.pass = pass;
    return pass;
  }

  private async passes(): Promise<void> {
    let seen: number;
    do {
      seen = this.missedReads;
      let next = this.facts;
      await this.reads.runAsync(async () => {
        next = await readDataFile(this.datadir, this.spec);
        return next.error;
      });
      this.logOnce(next.error ?? (next.value?.problems.length ? next.value.problems.join('; ') : ''));
      if (next.version !== this.facts.version || next.error !== this.facts.error) {
        this.facts = next;
        this.emit('change', next);
      }
    } while (this.missedReads !== seen);
  }
}

/**
 * Identifies the InnoDB data in the datadir ('' when there is none): a node with data is never a
 * fresh node, and a recovery result found for this data is valid while these files are unchanged.
 * Two stats, run only when grastate.dat cannot say where the node is.
 */
export function innodbStamp(datadir: string): string {
  const part = (name: string): string => {
    try {
      const st = fs.statSync(path.join(datadir, name));
      return st.isFile() ? `${st.ino}:${st.size}:${st.mtimeMs}` : '';
    } catch {
      return '';
    }
  };
  const data = part('ibdata1');
  return data ? `${data}/${part('ib_logfile0')}` : '';
}
