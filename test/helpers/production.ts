// A production cluster for stories and fault campaigns: N systemd nodes on one bridge, each
// installed with the README's own commands (read from the README, so the two cannot drift), with
// Debian's mariadb, snmpd and the project's units, and the NMS's snmptrapd on the bridge.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT, start, stopChild, tempDir, waitFor } from './proc';
import { Bridge, maskGenerators, Node, systemdUnavailable } from './systemd';
import { parseTrapLog, Trap } from './traps';

export const NET = '192.0.2.0/24';
export const NMS = '192.0.2.10';
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
  return [`NODE=${node} ADDR=${addr} MEMBERS="${members.join(' ')}" NMS=${NMS} NET=${NET}`, ...rest].join('\n');
}

/** Why this machine cannot run the production layout, or null (what a test prints as "skipped: why"). */
export function productionUnavailable(): string | null {
  const why = systemdUnavailable();
  if (why) return why;
  for (const f of [
    '/usr/sbin/mariadbd',
    '/usr/lib/galera/libgalera_smm.so',
    '/usr/sbin/snmpd',
    '/usr/sbin/snmptrapd',
    '/lib/systemd/system/mariadb.service',
  ]) {
    if (!fs.existsSync(f)) return `${f} not installed (Debian packages mariadb-server galera-4 snmpd snmptrapd)`;
  }
  return null;
}

/** The package as an operator gets it: `npm pack` of this checkout, into a temp dir. */
export async function packTarball(): Promise<string> {
  const dir = tempDir('gxsd-pack-');
  const { stdout } = await promisify(execFile)('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT });
  return path.join(dir, stdout.trim().split('\n').pop()!);
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
  tarball = '';

  async create(n = 3): Promise<void> {
    this.bridge = await Bridge.create();
    const dir = tempDir('gxsd-prod-');
    await promisify(execFile)('ip', ['-n', this.bridge.ns, 'addr', 'add', `${NMS}/24`, 'dev', this.bridge.br]);
    const names = Array.from({ length: n }, (_, i) => ({ name: `db${i + 1}`, addr: `192.0.2.${21 + i}` }));
    const hosts = names.map((x) => `${x.addr} ${x.name}`).join('\n') + '\n';
    for (const x of names) {
      const node = new Node({ hostname: x.name, bridge: this.bridge, address: x.addr, hosts });
      maskGenerators(node);
      node.writeTarget('gxsd-install.target', []);
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

  /** Installs every node with the README's commands (booted to an empty target, then powered off). */
  async install(tarball: string): Promise<void> {
    this.tarball = tarball;
    const members = this.nodes.map((x) => x.addr);
    const name = path.basename(tarball);
    await Promise.all(
      this.nodes.map(async (x) => {
        // Copied onto the node, as an operator would.
        x.node.writeFile(`/root/${name}`, fs.readFileSync(tarball), 0o644);
        await x.node.boot('gxsd-install.target');
        await x.node.waitBooted(30000);
        await x.node.run(['bash', '-euo', 'pipefail', '-c', `cd /root && ${installScript(x.name, x.addr, members)}`], {
          timeoutMs: 300000,
          env: {
            npm_config_offline: 'true',
            npm_config_audit: 'false',
            npm_config_fund: 'false',
            DEBIAN_FRONTEND: 'noninteractive',
          },
        });
        await x.node.shutdown(60000);
      }),
    );
  }

  async bootAll(nodes = this.nodes): Promise<void> {
    await Promise.all(nodes.map((x) => x.node.boot('multi-user.target', 30000)));
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

  traps(): Trap[] {
    return parseTrapLog(this.trapLog);
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
