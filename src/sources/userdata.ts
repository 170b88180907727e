// The datadir's user data (core/userdata.ts): which schemas hold tables. Read off the request
// path and off the event loop (every call awaits the thread pool: a datadir on a hung filesystem
// leaves this source growing old, never the SNMP answers waiting), once at start and again only
// when a directory changes: the backstop stats the datadir and each user schema directory, whose
// mtimes move when a schema or a table is created, dropped or renamed, and never on a write into
// a table. A full listing only then.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { UNKNOWN_USER_DATA, UserData, isSystemEntry, userDataOf } from '../core/userdata';
import { PolledSource } from './source';

/** The directories of a datadir (symlinked schema directories too), or null when it cannot be listed. */
async function schemaDirs(datadir: string): Promise<{ dirs: string[]; error: string }> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(datadir, { withFileTypes: true });
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
        if ((await fs.promises.stat(path.join(datadir, e.name))).isDirectory()) dirs.push(e.name);
      } catch {
        // A dangling link is no schema.
      }
    }
  }
  return { dirs, error: '' };
}

/** Reads the datadir's user data now (from a listing of it already taken, when there is one). */
export async function readUserData(datadir: string, listing?: { dirs: string[]; error: string }): Promise<UserData> {
  const { dirs, error } = listing ?? (await schemaDirs(datadir));
  if (error) return { held: null, schemas: [], error };
  const tables = new Map<string, string[] | null>();
  for (const dir of dirs.filter((d) => !isSystemEntry(d))) {
    try {
      tables.set(dir, await fs.promises.readdir(path.join(datadir, dir)));
    } catch (err) {
      // Gone since the listing (a DROP DATABASE): no schema. Anything else: not ours to look into.
      const code = (err as NodeJS.ErrnoException).code;
      tables.set(dir, code === 'ENOENT' || code === 'ENOTDIR' ? [] : null);
    }
  }
  // null (could not look in) counts as holding tables: kept as null, never read as empty.
  return userDataOf(dirs, (dir) => (tables.has(dir) ? (tables.get(dir) as string[] | null) : []));
}

export class UserDataSource extends PolledSource<UserData> {
  readonly name = 'userdata';
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

  /** A full read only when a directory's mtime moved since the last one. */
  async backstop(): Promise<string | null> {
    if ((await this.stampNow()) !== this.stamp) return this.read();
    return this.facts.error || null;
  }

  /** The datadir's mtime and each user schema directory's: a schema or a table created or dropped moves one. */
  private async stampNow(): Promise<string> {
    const mtime = async (p: string): Promise<string> => {
      try {
        return String((await fs.promises.stat(p)).mtimeMs);
      } catch (err) {
        return (err as NodeJS.ErrnoException).code ?? 'error';
      }
    };
    const parts = [await mtime(this.datadir)];
    for (const s of this.listed) parts.push(await mtime(path.join(this.datadir, s)));
    return parts.join('/');
  }

  /** The user schema directories (with or without tables) seen at the last full read. */
  private listed: string[] = [];

  protected async read(): Promise<string | null> {
    // One listing of the datadir serves the stamp and the read.
    const listing = await schemaDirs(this.datadir);
    this.listed = listing.dirs.filter((d) => !isSystemEntry(d));
    this.stamp = await this.stampNow();
    const next = await readUserData(this.datadir, listing);
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
