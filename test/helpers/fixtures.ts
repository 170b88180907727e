// Fixtures captured from a real MariaDB 10.11 + Galera 4 node, and the fuzz corpus (test/fixtures).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FX = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures');
export const fixture = (name: string): string => fs.readFileSync(path.join(FX, name), 'utf8');

/** SHOW GLOBAL STATUS LIKE 'wsrep_%' of a real Synced node, by variable name. */
export const syncedStatus = (): Record<string, string> =>
  Object.fromEntries(
    fixture('show-status-wsrep-synced.tsv')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t', 2) as [string, string]),
  );
