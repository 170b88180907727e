// The server's own option files: wsrep_cluster_address and wsrep_node_address, with !include and
// !includedir followed the way the server does (includedir: *.cnf in name order), loops and depth
// bounded, every unreadable file named.

import * as fs from 'node:fs';
import * as path from 'node:path';

const SERVER_SECTIONS = ['mysqld', 'server', 'mariadbd', 'mariadb', 'galera', 'mysqld_safe'];

export interface ServerOptions {
  values: Map<string, string>;
  files: string[];
  problems: string[];
}

/**
 * The server's options from one option file and what it includes. groupSuffix (the server's
 * --defaults-group-suffix) adds the groups [mysqld<suffix>] and the like, as the server does.
 */
export function readServerOptions(file: string, groupSuffix = ''): ServerOptions {
  const suffix = groupSuffix.toLowerCase();
  const isServerSection = (section: string): boolean =>
    SERVER_SECTIONS.includes(section) ||
    /^mariadb-\d/.test(section) ||
    (suffix !== '' && section.endsWith(suffix) && SERVER_SECTIONS.includes(section.slice(0, -suffix.length)));
  const out: ServerOptions = { values: new Map(), files: [], problems: [] };
  const seen = new Set<string>();
  const visit = (f: string, depth: number): void => {
    const real = path.resolve(f);
    if (seen.has(real)) return;
    if (depth > 10) {
      out.problems.push(`${f}: includes nested more than 10 deep`);
      return;
    }
    seen.add(real);
    let text: string;
    try {
      text = fs.readFileSync(real, 'utf8');
    } catch (err) {
      out.problems.push(`${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    out.files.push(real);
    let section = '';
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const inc = /^!include(dir)?\s+(.+)$/.exec(line);
      if (inc) {
        const target = path.resolve(path.dirname(real), inc[2].trim());
        if (inc[1]) {
          let names: string[] = [];
          try {
            names = fs
              .readdirSync(target)
              .filter((n) => n.endsWith('.cnf'))
              .sort();
          } catch (err) {
            out.problems.push(`${target}: ${(err as NodeJS.ErrnoException).code}`);
          }
          for (const n of names) visit(path.join(target, n), depth + 1);
        } else {
          visit(target, depth + 1);
        }
        continue;
      }
      const sec = /^\[([^\]]+)\]$/.exec(line);
      if (sec) {
        section = sec[1].trim().toLowerCase();
        continue;
      }
      if (!isServerSection(section)) continue;
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim().toLowerCase().replace(/-/g, '_');
      let value = line.slice(eq + 1).trim();
      const q = /^(["'])(.*)\1$/.exec(value);
      value = q ? q[2] : value.replace(/\s+#.*$/, '');
      out.values.set(key, value); // later files and sections win, as in the server
    }
  };
  visit(file, 0);
  return out;
}

/** The hosts of a gcomm:// address ("gcomm://a,b:4567,[::1]:4567?pc.wait_prim=no"). */
export function clusterHosts(address: string): string[] {
  const m = /^gcomm:\/\/([^?]*)/.exec(address.trim());
  if (!m) return [];
  return m[1]
    .split(',')
    .map((h) => h.trim())
    .map((h) => {
      const v6 = /^\[([^\]]+)\]/.exec(h);
      return v6 ? v6[1] : h.replace(/:\d+$/, '');
    })
    .filter((h) => h.length > 0); // ":4567" names no host (found by fuzzing)
}
