// User data: the schemas in a datadir that hold tables of their own, outside the server's system
// schemas. A node without Galera state that holds some is not fresh: joining a cluster would
// replace them by a state transfer, so galera-init makes it the bootstrap candidate, or refuses.
// Pure: the source (src/sources/userdata.ts) lists the directories, this decides what they mean.

/**
 * What MariaDB itself creates in a datadir (10.11 and 11.8: mariadb-install-db, the server at
 * start), never the operator's data. information_schema has no directory; `test` (an old
 * install's empty schema) holds no table, so the table rule leaves it out.
 */
export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set([
  'mysql',
  'performance_schema',
  'sys',
  'information_schema',
  'lost+found',
]);

/** A datadir entry that is never a user schema, whatever it holds. */
export function isSystemEntry(dirName: string): boolean {
  // '#innodb_temp', '#innodb_redo' (8.0-style), '#rocksdb', '#sql-...' temporary directories,
  // and hidden directories (.snapshot of a NAS, .Trash).
  return SYSTEM_SCHEMAS.has(dirName) || dirName.startsWith('#') || dirName.startsWith('.');
}

/**
 * A file that is a table: every table has a .frm (MariaDB writes one for each engine), InnoDB
 * tables an .ibd (file_per_table, the default), and a partitioned table's parts end in .ibd too.
 */
export const isTableFile = (file: string): boolean => /\.(frm|ibd)$/i.test(file);

/**
 * The schema's name from its directory name: MariaDB encodes characters outside [A-Za-z0-9_] as
 * @XXXX (hex code unit), so `my-db` lives in `my@002ddb`.
 */
export function schemaName(dirName: string): string {
  return dirName.replace(/@([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** What the datadir says about user data. */
export interface UserData {
  /** true: some schema holds a table; false: none; null: the datadir could not be read. */
  held: boolean | null;
  /** The user schemas that hold tables, sorted (by their SQL names). */
  schemas: string[];
  /** Why `held` is null; '' otherwise. */
  error: string;
}

export const UNKNOWN_USER_DATA: UserData = { held: null, schemas: [], error: 'not read yet' };

/**
 * The user data of a datadir listing: every non-system directory that holds at least one table
 * file. `tables(dir)` lists a directory's files, or returns null when it cannot: MariaDB makes
 * schema directories 0700, so an agent that is not the server's user cannot look in. Such a
 * directory counts as holding tables: calling an empty schema data can only keep its node from a
 * state transfer (or make it the candidate), calling data empty could lose it.
 */
export function userDataOf(dirs: string[], tables: (dir: string) => string[] | null): UserData {
  const schemas: string[] = [];
  for (const dir of dirs) {
    if (isSystemEntry(dir)) continue;
    const files = tables(dir);
    if (files === null || files.some(isTableFile)) schemas.push(schemaName(dir));
  }
  schemas.sort();
  return { held: schemas.length > 0, schemas, error: '' };
}

/** The schemas as one line for the MIB and the operator: `a,b,c`. */
export const schemaList = (schemas: readonly string[]): string => schemas.join(',');

/** Parses a schema list (a flag's value, a peer's galeraUserSchemas): trimmed, de-duplicated, sorted. */
export function parseSchemaList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ].sort();
}

/** Whether an acknowledgement names exactly the schemas held (order and spaces aside). */
export function sameSchemas(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((s, i) => s === y[i]);
}
