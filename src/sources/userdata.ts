// The datadir's user data (core/userdata.ts): which schemas hold tables. Read off the request
// path, once at start and again only when a directory changes: the backstop (SourceSet's) stats
// the datadir and each user schema directory, whose mtimes move when a schema or a table is
// created, dropped or renamed, and never on a write into a table. A full listing only then.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { UNKNOWN_USER_DATA, UserData, isSystemEntry, userDataOf } from '../core/userdata';
import { Reads, Source } from './source';

/** The directories of a datadir (symlinked schema directories too), or null when it cannot be listed. */
function schemaDirs(datadir: string): { dirs: string[]; error: string } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(datadir, { withFileTypes: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // No datadir yet: nothing is held there.
    if (e.code === 'ENOENT') return { dirs: [], error: '' };
    return {
      dirs: [],
      error: `${datadir} cannot be listed (${e.code ?? e.message}): give the agent read access to it`,
    };
  }
  const dirs: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) dirs.push(e.name);
    else if (e.isSymbolicLink()) {
      try {
        if (fs.statSync(path.join(datadir, e.name)).isDirectory()) dirs.push(e.name);
      } catch {
        // A dangling link is no schema.
      }
    }
  }
  return { dirs, error: '' };
}

/** Reads the datadir's user data now (from a listing of it already taken, when there is one). */
export function readUserData(datadir: string, listing = schemaDirs(datadir)): UserData {
  const { dirs, error } = listing;
  if (error) return { held: null, schemas: [], error };
  return userDataOf(dirs, (dir) => {
    try {
      return fs.readdirSync(path.join(datadir, dir));
    } catch (err) {
      // Gone since the listing (a DROP DATABASE): no schema. Anything else: not ours to look into.
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? [] : null;
    }
  });
}

export class UserDataSource extends EventEmitter implements Source<UserData> {
  readonly name = 'userdata';
  readonly reads = new Reads();
  facts: UserData = UNKNOWN_USER_DATA;
  /** The mtimes of the datadir and its user schema directories at the last full read. */
  private stamp = '';
  private lastLogged = '';

  constructor(
    private readonly datadir: string,
    private readonly log: Logger,
  ) {
    super();
  }

  problem(): string | null {
    return this.facts.error || null;
  }

  async readOnce(): Promise<void> {
    this.reads.run(() => this.read());
    return Promise.resolve();
  }

  async start(): Promise<void> {
    await this.readOnce();
  }

  async stop(): Promise<void> {
    return Promise.resolve();
  }

  /** A full read only when a directory's mtime moved since the last one. */
  backstop(): string | null {
    if (this.stampNow() !== this.stamp) return this.read();
    return this.facts.error || null;
  }

  /** The datadir's mtime and each user schema directory's: a schema or a table created or dropped moves one. */
  private stampNow(): string {
    const mtime = (p: string): string => {
      try {
        return String(fs.statSync(p).mtimeMs);
      } catch (err) {
        return (err as NodeJS.ErrnoException).code ?? 'error';
      }
    };
    const parts = [mtime(this.datadir)];
    for (const s of this.listed) parts.push(mtime(path.join(this.datadir, s)));
    return parts.join('/');
  }

  /** The user schema directories (with or without tables) seen at the last full read. */
  private listed: string[] = [];

  private read(): string | null {
    // One listing of the datadir serves the stamp and the read.
    const listing = schemaDirs(this.datadir);
    this.listed = listing.dirs.filter((d) => !isSystemEntry(d));
    this.stamp = this.stampNow();
    const next = readUserData(this.datadir, listing);
    if (next.error !== this.lastLogged) {
      this.lastLogged = next.error;
      if (next.error) this.log.warn({ datadir: this.datadir, err: next.error }, 'user data unknown');
    }
    const changed =
      next.held !== this.facts.held ||
      next.error !== this.facts.error ||
      next.schemas.join() !== this.facts.schemas.join();
    if (changed) {
      this.facts = next;
      this.emit('change', next);
    }
    return next.error || null;
  }
}
