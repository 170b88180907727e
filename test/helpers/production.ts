// A production cluster for stories and fault campaigns: N stock Debian 13 machines (a root built by
// debootstrap from Debian's archive, systemd as PID 1, mariadb and snmpd enabled and running with
// Debian's default configs) on one bridge, each installed with the README's own commands (read
// from the README, so the two cannot drift) from the Debian package, with no network and no npm,
// and the NMS's snmptrapd on the bridge.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT, start, stopChild, tempDir, waitFor } from './proc';
import { Bridge, Node, systemdUnavailable } from './systemd';
import { parseTrapLog, Trap } from './traps';
import { basePackages, debianRoot, debianRootUnavailable, RootSpec } from './debroot';
import { STOCK_TRIXIE } from './roots';

const pexec = promisify(execFile);

export { KEEPALIVED_TRIXIE, STOCK_BOOKWORM, STOCK_TRIXIE } from './roots';

/** Where a node finds nodeMirror's repository (copied there as an operator's mirror is reached). */
export const NODE_MIRROR_ON_NODE = '/root/node-mirror';

export const NET = '192.0.2.0/24';
export const NMS = '192.0.2.10';
/** keepalived's VIP, as the README's keepalived block and docs/keepalived.conf give it. */
export const VIP = '192.0.2.100';
const README = path.join(ROOT, 'README.md');

/** The fenced block between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in the README. */
export function readmeBlock(name: string): string {
  const text = fs.readFileSync(README, 'utf8');
  const m = new RegExp(`<!-- ${name}:begin -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`).exec(text);
  if (!m) throw new Error(`README.md has no block '${name}'`);
  return m[1];
}

/** The install block with its first line (the README's example values) set for this node. */
export function installScript(node: string, addr: string, members: string[]): string {
  const block = readmeBlock('production-install');
  const [first, ...rest] = block.split('\n');
  if (!first.startsWith('NODE=')) throw new Error(`the README's install block must start with NODE=...; got: ${first}`);
  return [`NODE=${node} ADDR=${addr} MEMBERS="${members.join(' ')}" NMS=${NMS}`, ...rest].join('\n');
}

/** The README block's example credentials (its second line: PEER_AUTH=... NMS_PRIV=...). */
export function readmeCredentials(): Record<string, string> {
  const second = readmeBlock('production-install').split('\n')[1] ?? '';
  const out: Record<string, string> = {};
  for (const m of second.matchAll(/(\w+)=(\S+)/g)) out[m[1]] = m[2];
  for (const k of ['NMS_AUTH', 'NMS_PRIV'])
    if (!out[k]) throw new Error(`the README's install block must set ${k}= on its second line; got: ${second}`);
  return out;
}

/** Why this machine cannot run the production layout, or null (what a test prints as "skipped: why"). */
export function productionUnavailable(root = STOCK_TRIXIE): string | null {
  const why = systemdUnavailable() ?? debianRootUnavailable(root);
  if (why) return why;
  for (const f of ['/usr/sbin/snmptrapd', '/usr/bin/snmpget', '/usr/bin/dpkg-deb']) {
    if (!fs.existsSync(f)) return `${f} not installed (Debian packages snmptrapd snmp dpkg-dev: the NMS and the build)`;
  }
  return null;
}

/**
 * The package as an operator gets it: `npm run package:deb` of this checkout (dist/ built), into a
 * temp dir; `version` overrides package.json's (a newer release built from the same tree).
 */
export async function buildDeb(version?: string): Promise<string> {
  const dir = tempDir('gxsd-deb-');
  const { stdout } = await pexec(
    'bash',
    [path.join(ROOT, 'scripts/package-deb.sh'), '--out', dir, ...(version ? ['--version', version] : [])],
    { cwd: ROOT, maxBuffer: 1 << 24 },
  );
  return stdout.trim().split('\n').pop()!;
}

/** A release that changes a conffile: `line` appended to `conffile` in the package (md5sums kept true). */
export async function changeConffile(deb: string, conffile: string, line: string): Promise<void> {
  const tree = tempDir('gxsd-debtree-');
  fs.rmSync(tree, { recursive: true });
  await pexec('dpkg-deb', ['-R', deb, tree]);
  const rel = conffile.replace(/^\/+/, '');
  fs.appendFileSync(path.join(tree, rel), line);
  const md5 = createHash('md5')
    .update(fs.readFileSync(path.join(tree, rel)))
    .digest('hex');
  const sums = path.join(tree, 'DEBIAN/md5sums');
  fs.writeFileSync(
    sums,
    fs
      .readFileSync(sums, 'utf8')
      .split('\n')
      .map((l) => (l.endsWith(`  ${rel}`) ? `${md5}  ${rel}` : l))
      .join('\n'),
  );
  await pexec('dpkg-deb', ['--root-owner-group', '-b', tree, deb]);
  fs.rmSync(tree, { recursive: true, force: true });
}

/** The old name: the package the production install takes is the .deb now. */
export const packTarball = buildDeb;

/** What dpkg says is on a machine, against debootstrap's set and what the stock packages pull in. */
export interface StockPackages {
  installed: string[];
  /** Installed, but neither debootstrap's nor a dependency (Depends, Pre-Depends) of the stock list. */
  unexplained: string[];
  /** Of the stock list, not installed. */
  missing: string[];
}

/** Installed packages of a node, each explained by debootstrap's set or the stock list's dependencies. */
export async function stockPackages(node: Node, root: string, spec = STOCK_TRIXIE): Promise<StockPackages> {
  const out = await node.run([
    'dpkg-query',
    '-W',
    '-f=${Package}\t${db:Status-Abbrev}\t${Provides}\t${Pre-Depends}, ${Depends}\n',
  ]);
  const rows = out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter((f) => f[1].trim() === 'ii');
  const installed = rows.map((f) => f[0]).sort();
  const have = new Set(installed);
  const name = (dep: string): string => dep.trim().split(/[\s(:]/)[0];
  const providers = new Map<string, string[]>();
  for (const [pkg, , provides] of rows)
    for (const v of provides.split(',').map(name).filter(Boolean)) providers.set(v, [...(providers.get(v) ?? []), pkg]);
  const depends = new Map(rows.map((f) => [f[0], f[3]]));
  const reached = new Set<string>();
  const queue = spec.packages.filter((p) => have.has(p));
  while (queue.length) {
    const p = queue.pop()!;
    if (reached.has(p)) continue;
    reached.add(p);
    for (const clause of (depends.get(p) ?? '').split(',')) {
      // Every alternative that is there counts as pulled in (apt picked one; either is stock).
      for (const alt of clause.split('|').map(name).filter(Boolean)) {
        for (const q of [alt, ...(providers.get(alt) ?? [])]) if (have.has(q) && !reached.has(q)) queue.push(q);
      }
    }
  }
  const base = new Set(basePackages(root));
  return {
    installed,
    unexplained: installed.filter((p) => !base.has(p) && !reached.has(p)),
    missing: spec.packages.filter((p) => !have.has(p)),
  };
}

/** One node's view of its cluster, as a fault campaign samples it. */
export interface WsrepView {
  node: string;
  at: number;
  status: string;
  state: string;
  uuid: string;
  confId: string;
  size: number;
  /** wsrep_incoming_addresses: the members of the component this node is in. */
  members: string[];
}

export interface ProductionOptions {
  /** Each node's /var/lib/mysql on a filesystem of its own of this size (Node's datadirMiB). */
  datadirMiB?: number;
  /** The root the nodes boot from (default STOCK_TRIXIE; KEEPALIVED_TRIXIE for the VIP). */
  root?: RootSpec;
}

export interface ClusterNode {
  name: string;
  addr: string;
  node: Node;
}

export class ProductionCluster {
  nodes: ClusterNode[] = [];
  bridge!: Bridge;
  trapLog = '';
  private trapd: ChildProcess | null = null;
  private nmsDir = '';
  /** The package file the nodes were installed from. */
  deb = '';

  /** The stock root the nodes boot from (debroot.ts: built once per machine, minutes; then cached). */
  root = '';

  async create(n = 3, o: ProductionOptions = {}): Promise<void> {
    this.root = await debianRoot(o.root ?? STOCK_TRIXIE);
    this.bridge = await Bridge.create();
    const dir = tempDir('gxsd-prod-');
    await pexec('ip', ['-n', this.bridge.ns, 'addr', 'add', `${NMS}/24`, 'dev', this.bridge.br]);
    this.nmsDir = dir;
    // Host names as the Debian installer writes them (the machine's own only): every member is
    // named by its address in the README's configs.
    for (let i = 0; i < n; i++) {
      const x = { name: `db${i + 1}`, addr: `192.0.2.${21 + i}` };
      const node = new Node({
        hostname: x.name,
        bridge: this.bridge,
        address: x.addr,
        lower: this.root,
        datadirMiB: o.datadirMiB,
      });
      this.nodes.push({ ...x, node });
    }
    // The NMS: snmptrapd on the bridge, with the README's receiver config (plus a parseable format).
    const conf = path.join(dir, 'snmptrapd.conf');
    fs.writeFileSync(conf, `${readmeBlock('production-nms')}format2 TRAP %V\\t %v\\n\n`);
    this.trapLog = path.join(dir, 'traps.log');
    this.trapd = start(
      'ip',
      [
        'netns',
        'exec',
        this.bridge.ns,
        'snmptrapd',
        '-f',
        '-C',
        '-c',
        conf,
        '-Lf',
        this.trapLog,
        '-On',
        `udp:${NMS}:162`,
      ],
      {
        env: { ...process.env, MIBDIRS: dir, MIBS: '', SNMP_PERSISTENT_DIR: dir },
      },
    );
    await waitFor(
      'snmptrapd',
      () => fs.existsSync(this.trapLog) && fs.readFileSync(this.trapLog, 'utf8').includes('NET-SNMP'),
      5000,
    );
  }

  /** Boots every node that is powered off (a node already running is left as it is). */
  async bootAll(nodes = this.nodes): Promise<void> {
    await Promise.all(nodes.filter((x) => !x.node.running).map((x) => x.node.boot('multi-user.target', 30000)));
  }

  /**
   * Boots every node as the stock machine it is (mariadb and snmpd running with Debian's configs),
   * calls `stock` on each (what a test asserts before the install), then runs the README's block on
   * one node after the other, as an operator does, in the directory the package file was copied
   * to. The block ends by starting galera-init: the cluster forms once the last node is installed.
   * `more` are further README blocks run after it on each node, in the same shell (keepalived's);
   * `first` are README blocks run before it (the firewall, the README's step 1).
   */
  async install(
    deb: string,
    stock?: (x: ClusterNode) => Promise<void>,
    more: string[] = [],
    first: string[] = [],
  ): Promise<void> {
    this.deb = deb;
    const members = this.nodes.map((x) => x.addr);
    const name = path.basename(deb);
    for (const x of this.nodes) x.node.writeFile(`/root/${name}`, fs.readFileSync(deb), 0o644);
    await this.bootAll();
    for (const x of this.nodes) {
      await x.node.waitBooted(120000);
      for (const u of ['mariadb.service', 'snmpd.service']) await x.node.waitState(u, ['active'], 120000);
    }
    if (stock) for (const x of this.nodes) await stock(x);
    for (const x of this.nodes)
      await x.node.run(
        [
          'bash',
          '-euo',
          'pipefail',
          '-c',
          `cd /root && ${[...first, installScript(x.name, x.addr, members), ...more].join('\n')}`,
        ],
        { timeoutMs: 300000 },
      );
  }

  /** Copies a file onto a running node (an operator's scp), through its root in /proc. */
  copyTo(x: ClusterNode, file: string, dest: string): void {
    if (!x.node.running) throw new Error(`${x.name} is not running`);
    const to = `/proc/${x.node.pid}/root${dest}`;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(file, to);
  }

  /** An SNMPv3 GET or WALK from the NMS, as the README's `nms` user: the values, one a line. */
  async snmp(x: ClusterNode, op: 'get' | 'walk', oid: string, from?: string): Promise<string> {
    const k = readmeCredentials();
    const r = await pexec(
      'ip',
      [
        'netns',
        'exec',
        this.bridge.ns,
        op === 'get' ? 'snmpget' : 'snmpwalk',
        '-v3',
        '-l',
        'authPriv',
        '-u',
        'nms',
        '-a',
        'SHA',
        '-A',
        k.NMS_AUTH,
        '-x',
        'AES',
        '-X',
        k.NMS_PRIV,
        op === 'get' ? '-Oqv' : '-Oqn',
        '-t',
        '2',
        // From another address of the NMS's segment (a firewall test): a snmp.conf token as an option.
        ...(from ? [`--clientaddr=${from}`] : []),
        x.addr,
        oid,
      ],
      { env: { ...process.env, MIBDIRS: this.nmsDir, MIBS: '', SNMP_PERSISTENT_DIR: this.nmsDir } },
    ).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: `${e.stdout ?? ''}${e.stderr ?? ''}` }));
    return r.stdout.trim();
  }

  /** The node's view of the cluster, or null when its server does not answer within a few seconds. */
  async view(x: ClusterNode): Promise<WsrepView | null> {
    if (!x.node.running) return null;
    const r = await x.node.exec(
      [
        'mariadb',
        '-N',
        '-B',
        '-e',
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_local_state_comment','wsrep_cluster_state_uuid','wsrep_cluster_conf_id','wsrep_cluster_size','wsrep_incoming_addresses')",
      ],
      { timeoutMs: 5000 },
    );
    if (r.code !== 0) return null;
    const m = new Map(r.stdout.split('\n').map((l) => l.split('\t') as [string, string]));
    return {
      node: x.name,
      at: Date.now(),
      status: m.get('wsrep_cluster_status') ?? '',
      state: m.get('wsrep_local_state_comment') ?? '',
      uuid: m.get('wsrep_cluster_state_uuid') ?? '',
      confId: m.get('wsrep_cluster_conf_id') ?? '',
      size: Number(m.get('wsrep_cluster_size')),
      members: (m.get('wsrep_incoming_addresses') ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean)
        .sort(),
    };
  }

  /** The nodes that hold keepalived's VIP on their eth0 (a node that is off holds nothing). */
  async vipHolders(): Promise<string[]> {
    const held = await Promise.all(
      this.nodes.map(async (x) => {
        if (!x.node.running) return false;
        const r = await x.node.exec(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { timeoutMs: 5000 });
        return r.code === 0 && r.stdout.includes(` ${VIP}/`);
      }),
    );
    return this.nodes.filter((_, i) => held[i]).map((x) => x.name);
  }

  traps(): Trap[] {
    return parseTrapLog(this.trapLog);
  }

  private filler(x: ClusterNode): string {
    if (!x.node.datadirMount)
      throw new Error(`${x.name}: a full disk needs the datadir on its own filesystem (ProductionOptions.datadirMiB)`);
    return path.join(x.node.datadirMount, 'filler');
  }

  /** Fills x's datadir filesystem to the last page (outside the datadir, so no state transfer copies it). */
  fillDatadir(x: ClusterNode): void {
    const file = this.filler(x);
    const st = fs.statfsSync(x.node.datadirMount);
    const fd = fs.openSync(file, 'a');
    try {
      if (st.bavail > 0) fs.writeSync(fd, Buffer.alloc(1), 0, 1, st.bavail * st.bsize - 1);
      // A sparse file takes no room: write it for real, the last pages a page at a time.
      const chunk = Buffer.alloc(1 << 20);
      const page = Buffer.alloc(4096);
      let pos = 0;
      for (const buf of [chunk, page])
        for (;;) {
          try {
            pos += fs.writeSync(fd, buf, 0, buf.length, pos);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw e;
          }
        }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Frees what fillDatadir took. */
  freeDatadir(x: ClusterNode): void {
    fs.rmSync(this.filler(x), { force: true });
  }

  async sql(x: ClusterNode, query: string): Promise<string> {
    return (await x.node.run(['mariadb', '-N', '-B', '-e', query], { timeoutMs: 60000 })).trim();
  }

  async status(x: ClusterNode): Promise<{ size: number; state: string; status: string }> {
    const rows = await this.sql(
      x,
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_local_state_comment','wsrep_cluster_status')",
    );
    const m = new Map(rows.split('\n').map((l) => l.split('\t') as [string, string]));
    return {
      size: Number(m.get('wsrep_cluster_size')),
      state: m.get('wsrep_local_state_comment') ?? '',
      status: m.get('wsrep_cluster_status') ?? '',
    };
  }

  /** Waits until every running node is Synced in a Primary component of `size`. */
  async waitCluster(size: number, timeoutMs = 180000): Promise<void> {
    for (const x of this.nodes) {
      await waitFor(
        `${x.name}: Synced, Primary, size ${size}`,
        async () => {
          const s = await this.status(x);
          return s.size === size && s.state === 'Synced' && s.status === 'Primary' ? s : '';
        },
        timeoutMs,
        500,
      ).catch(async (e) => {
        // Every node's view: a wait is usually about another node.
        let views = '';
        for (const y of this.nodes) {
          if (!y.node.running) {
            views += `\n--- ${y.name}: down`;
            continue;
          }
          const seqno = await y.node.exec(['galera-check', '--json', 'status'], { timeoutMs: 20000 });
          views +=
            `\n--- ${y.name} galera-init:\n${(await y.node.journal('galera-init.service')).slice(-2500)}` +
            `\n--- ${y.name} mariadb:\n${(await y.node.journal('mariadb.service')).slice(-1500)}` +
            `\n--- ${y.name} agent:\n${(await y.node.journal('galera-agentx.service')).slice(-1500)}` +
            `\n--- ${y.name} galera-check --json status:\n${seqno.stdout.slice(0, 800)}${seqno.stderr.slice(-500)}`;
        }
        throw new Error(`${(e as Error).message}${views}`);
      });
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((x) => x.node.destroy()));
    if (this.trapd) await stopChild(this.trapd);
    await this.bridge?.destroy();
  }
}
