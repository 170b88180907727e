// Which processes matter to a node's status, from their names and command lines.

import * as path from 'node:path';

export interface ProcEntry {
  pid: number;
  comm: string;
  argv: string[];
  /**
   * The datadir a server will use when its command line does not say: from the option files it
   * reads, else its working directory (mariadbd chdir()s to its datadir). Absent: not known.
   */
  datadir?: string;
}

export interface ServerProc {
  pid: number;
  bootstrap: boolean;
}

export interface ProcessFacts {
  servers: ServerProc[];
  /** PIDs of --wsrep-recover runs on this datadir. */
  recoveries: number[];
  initiators: number[];
}

export interface ClassifyOptions {
  serverNames: string[];
  initiatorNames: string[];
  datadir: string;
  /**
   * Whether a server or initiator candidate runs in this agent's PID namespace. A process in another one (a
   * container on this host, seen through /proc) runs on a filesystem of its own: it is not this
   * node's server, whatever its command line says. Absent: everything is local.
   */
  sameHost?: (pid: number) => boolean;
  /** The server is garbd (role: arbitrator): it has no datadir, so any datadir is this node's. */
  anyDatadir?: boolean;
}

const norm = (p: string): string => path.resolve(p).replace(/\/+$/, '');

/** The value of --name=V / --name V / --name_with_underscores=V, or undefined. */
export function optionValue(argv: string[], name: string): string | undefined {
  const names = [name, name.replace(/-/g, '_')];
  for (let i = 1; i < argv.length; i++) {
    for (const n of names) {
      if (argv[i].startsWith(`--${n}=`)) return argv[i].slice(n.length + 3);
      if (argv[i] === `--${n}` && i + 1 < argv.length && !argv[i + 1].startsWith('--')) return argv[i + 1];
    }
  }
  return undefined;
}

const hasFlag = (argv: string[], name: string): boolean =>
  argv
    .slice(1)
    .some(
      (a) =>
        a === `--${name}` ||
        a === `--${name.replace(/-/g, '_')}` ||
        a.startsWith(`--${name}=`) ||
        a.startsWith(`--${name.replace(/-/g, '_')}=`),
    );

/** True when the command line forms a new cluster: --wsrep-new-cluster, or an empty gcomm://. */
export function isBootstrapCommand(argv: string[]): boolean {
  if (hasFlag(argv, 'wsrep-new-cluster')) return true;
  const addr = optionValue(argv, 'wsrep-cluster-address');
  // "gcomm://" alone, or with only options after it ("gcomm://?pc.wait_prim=no"), names no peer.
  return addr !== undefined && /^gcomm:\/\/(\?.*)?$/.test(addr.trim());
}

export function nameMatches(e: ProcEntry, names: string[]): boolean {
  const argv0 = path.basename(e.argv[0] ?? '');
  // A Node program run as `node /usr/bin/galera-init` shows its script as argv[1].
  const script = /^node(js)?$/.test(argv0) && e.argv[1] ? path.basename(e.argv[1]) : '';
  return names.includes(e.comm) || names.includes(argv0) || (script !== '' && names.includes(script));
}

/** Sorts the process table into servers, recovery runs and initiators of this node's datadir. */
export function classifyProcesses(entries: ProcEntry[], opts: ClassifyOptions): ProcessFacts {
  const facts: ProcessFacts = { servers: [], recoveries: [], initiators: [] };
  const datadir = norm(opts.datadir);
  for (const e of entries) {
    if (e.argv.length === 0) continue; // a zombie or kernel thread: its comm alone proves nothing
    if (nameMatches(e, opts.serverNames)) {
      if (opts.sameHost && !opts.sameHost(e.pid)) continue;
      // Several nodes can share a host: a server that will use another datadir is not ours.
      // --datadir on the command line wins over the option files, which win over the cwd. A
      // server with no known datadir is taken for ours (a host that runs one node).
      const dd = optionValue(e.argv, 'datadir') ?? e.datadir;
      if (dd !== undefined && norm(dd) !== datadir && !opts.anyDatadir) continue;
      if (hasFlag(e.argv, 'wsrep-recover')) facts.recoveries.push(e.pid);
      else if (!hasFlag(e.argv, 'version') && !hasFlag(e.argv, 'help'))
        facts.servers.push({ pid: e.pid, bootstrap: isBootstrapCommand(e.argv) });
    } else if (nameMatches(e, opts.initiatorNames)) {
      if (opts.sameHost && !opts.sameHost(e.pid)) continue;
      // galera-init --auto, galera-recover.timer's pass every few seconds, only looks until it acts
      // (then its title becomes galera-init): counted, it would flip a stopped node to initiating.
      if (hasFlag(e.argv, 'auto')) continue;
      facts.initiators.push(e.pid);
    }
  }
  const byPid = (a: number, b: number): number => a - b;
  facts.servers.sort((a, b) => a.pid - b.pid);
  facts.recoveries.sort(byPid);
  facts.initiators.sort(byPid);
  return facts;
}

/** The server's built-in option files, in the order it reads them (my_default.c, Debian build). */
export const DEFAULT_OPTION_FILES = ['/etc/my.cnf', '/etc/mysql/my.cnf'];

export interface OptionFilePlan {
  /** Files in the order the server reads them (later values win); relative paths as given. */
  files: string[];
  /** --defaults-group-suffix: [mysqld<suffix>] and the like are read too. */
  groupSuffix: string;
}

/**
 * The option files a server reads, from its command line. --no-defaults: none. --defaults-file:
 * that file alone. Otherwise the built-in files, then --defaults-extra-file. Only the first
 * arguments may carry these options (the server ignores them elsewhere), but they are looked for
 * anywhere: a wrapper may reorder them, and reading one file too many only costs a read.
 */
export function optionFilesOf(argv: string[]): OptionFilePlan {
  const groupSuffix = optionValue(argv, 'defaults-group-suffix') ?? '';
  if (hasFlag(argv, 'no-defaults')) return { files: [], groupSuffix };
  const only = optionValue(argv, 'defaults-file');
  if (only !== undefined) return { files: [only], groupSuffix };
  const extra = optionValue(argv, 'defaults-extra-file');
  return { files: extra !== undefined ? [...DEFAULT_OPTION_FILES, extra] : [...DEFAULT_OPTION_FILES], groupSuffix };
}

export function sameProcessFacts(a: ProcessFacts, b: ProcessFacts): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
