// grastate.dat in the datadir, watched (chokidar) with a slow stat as a backstop, read off the
// request path and parsed once per change. Each distinct problem is logged once, not per read.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import chokidar, { FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { GRASTATE_MAX_BYTES, Grastate, parseGrastate } from '../core/grastate';

export interface GrastateFacts {
  /** null when the file is absent or unreadable. */
  grastate: Grastate | null;
  /** Identifies this version of the file: a recovery result is valid for one version only. */
  version: string;
  error: string | null;
}

/** Reads a file without following a symlink at its path, at most maxBytes (+1 to see "too big"). */
export async function readSmallFile(file: string, maxBytes: number): Promise<{ data: Buffer; version: string }> {
  const fh = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'ENOTFILE' });
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { data: buf.subarray(0, bytesRead), version: `${st.ino}:${st.size}:${st.mtimeMs}` };
  } finally {
    await fh.close();
  }
}

export class GrastateSource extends EventEmitter {
  readonly file: string;
  facts: GrastateFacts = { grastate: null, version: 'none', error: null };
  lastReadAt = 0;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private again = false;
  private lastLogged = '';

  constructor(datadir: string, private readonly backstopMs: number, private readonly log: Logger) {
    super();
    this.file = path.join(datadir, 'grastate.dat');
  }

  async start(): Promise<void> {
    await this.read();
    this.watcher = chokidar.watch(this.file, { ignoreInitial: true, persistent: false, atomic: 50 });
    this.watcher.on('all', () => void this.read());
    this.watcher.on('error', (err) => this.logOnce(`watcher: ${(err as Error).message}`));
    this.timer = setInterval(() => void this.read(), this.backstopMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.watcher?.close();
    this.watcher = null;
  }

  private logOnce(msg: string): void {
    if (msg === this.lastLogged) return;
    this.lastLogged = msg;
    if (msg) this.log.warn({ file: this.file, err: msg }, 'grastate.dat problem');
  }

  /** Reads and parses the file; coalesces overlapping calls. */
  async read(): Promise<void> {
    if (this.reading) { this.again = true; return; }
    this.reading = true;
    try {
      do {
        this.again = false;
        const next = await this.readOnce();
        this.lastReadAt = Date.now();
        this.logOnce(next.error ?? (next.grastate?.problems.length ? next.grastate.problems.join('; ') : ''));
        if (next.version !== this.facts.version || next.error !== this.facts.error) {
          this.facts = next;
          this.emit('change', next);
        }
      } while (this.again);
    } finally {
      this.reading = false;
    }
  }

  private async readOnce(): Promise<GrastateFacts> {
    try {
      const { data, version } = await readSmallFile(this.file, GRASTATE_MAX_BYTES);
      return { grastate: parseGrastate(data), version, error: null };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return { grastate: null, version: 'absent', error: null };
      const why = e.code === 'ELOOP' ? 'is a symlink (not followed)' : e.code === 'EACCES' ? 'is not readable by the agent' : e.message;
      return { grastate: null, version: `error:${e.code}`, error: `${this.file} ${why}` };
    }
  }
}
