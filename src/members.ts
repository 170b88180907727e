// Which nodes make the cluster, as SNMP targets, and which one is this node: the one answer both
// galera-init (whom to ask before it decides) and the daemon's promoter (whom to ask before it
// promotes) need. It reads the server's option file (sources/servercnf.ts) and builds SNMP targets
// (snmp/peers.ts), so it sits above both layers, beside collect.ts, rather than inside either.

import * as fs from 'node:fs';
import * as os from 'node:os';
import YAML from 'yaml';
import { Config, buildConfig } from './config';
import { ConfigError } from './errors';
import { PeerTarget, parseTarget } from './snmp/peers';
import { clusterHosts, readServerOptions } from './sources/servercnf';

/** How two spellings of one target compare: host case and IPv6 brackets do not matter, the port does. */
export const targetKey = (t: { host: string; port: number }): string => `${t.host.toLowerCase()}:${t.port}`;

export interface ResolvedMembers {
  targets: PeerTarget[];
  selfId: string;
  /** The ids of the members init.arbitrators names (garbd): never waited for, never bootstrapped. */
  arbitratorIds: string[];
  /** Configured entries dropped as copies of another (same host and port) or as other names of this node. */
  dropped: string[];
}

/**
 * Every member's SNMP target, normalised and de-duplicated, and which one is this node. Whatever
 * is left that still names one node twice (a DNS alias, say) is caught by the decision, which
 * compares the identities the agents answer with.
 */
export function resolveMembers(cfg: Config): ResolvedMembers {
  const i = cfg.init;
  const defaults = {
    port: i.snmpPort,
    version: i.snmpVersion,
    community: i.community,
    user: i.snmpUser,
    authProtocol: i.authProtocol,
    authKey: i.authKey || undefined,
    privProtocol: i.privProtocol,
    privKey: i.privKey || undefined,
    timeoutMs: i.snmpTimeoutMs,
    retries: i.snmpRetries,
  };
  let members = i.members;
  let nodeHost = '';
  const fromServer = members.length === 0;
  if (members.length === 0 || !i.self) {
    const server = readServerOptions(i.serverConfig);
    const address = server.values.get('wsrep_cluster_address') ?? '';
    nodeHost = (server.values.get('wsrep_node_address') ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (members.length === 0) {
      const hosts = clusterHosts(address);
      if (hosts.length === 0) {
        throw new ConfigError(
          `no members: set init.members in the config, or wsrep_cluster_address in ${i.serverConfig}` +
            (server.problems.length ? ` (${server.problems.join('; ')})` : ''),
        );
      }
      members = hosts.map((h) => ({ target: h.includes(':') ? `[${h}]` : h }));
    }
  }
  const dropped: string[] = [];
  const seen = new Map<string, PeerTarget>();
  for (const m of members) {
    const t = parseTarget(m.target, defaults);
    const key = targetKey(t);
    const same = seen.get(key);
    if (same) {
      dropped.push(`${t.id} (same as ${same.id})`);
      continue;
    }
    seen.set(key, {
      ...t,
      community: m.community ?? t.community,
      user: m.snmpUser ?? t.user,
      authKey: m.authKey ?? t.authKey,
      privKey: m.privKey ?? t.privKey,
    });
  }
  let targets = [...seen.values()];
  let selfId: string;
  if (i.self) {
    const want = targetKey(parseTarget(i.self, defaults));
    const mine = targets.find((t) => targetKey(t) === want);
    if (!mine)
      throw new ConfigError(`init.self '${i.self}' is not among the members ${targets.map((t) => t.id).join(', ')}`);
    selfId = mine.id;
  } else {
    const locals = new Set(
      [
        nodeHost,
        os.hostname(),
        ...Object.values(os.networkInterfaces())
          .flat()
          .map((a) => a?.address ?? ''),
      ]
        .filter(Boolean)
        .map((h) => h.toLowerCase()),
    );
    const mine = targets.filter((t) => locals.has(t.host.toLowerCase()));
    if (mine.length === 0 && fromServer) {
      // wsrep_cluster_address often leaves out the node it is written on: this node is a member
      // all the same, and its own agent answers on loopback.
      const self = parseTarget(`127.0.0.1:${i.snmpPort}`, defaults);
      targets = [self, ...targets];
      selfId = self.id;
    } else if (mine.length === 0 || new Set(mine.map((t) => t.port)).size > 1) {
      throw new ConfigError(
        `cannot tell which member is this node (${mine.length} match its addresses): set init.self to one of ${targets.map((t) => t.id).join(', ')}`,
      );
    } else {
      // The host name and an address of this node, on the same port: one agent, one member.
      selfId = mine[0].id;
      for (const t of mine.slice(1)) dropped.push(`${t.id} (this node, as ${selfId})`);
      targets = targets.filter((t) => !mine.slice(1).includes(t));
    }
  }
  const byKey = new Map(targets.map((t) => [targetKey(t), t.id]));
  const arbitratorIds = i.arbitrators.map((a) => {
    const id = byKey.get(targetKey(parseTarget(a, defaults)));
    if (id === undefined)
      throw new ConfigError(
        `init.arbitrators: '${a}' is not among the members ${targets.map((t) => t.id).join(', ')}; ` +
          'list the arbitrator (garbd) as it appears in init.members or wsrep_cluster_address',
      );
    return id;
  });
  return { targets, selfId, arbitratorIds, dropped };
}

/** The keys a credentials file may set: init's SNMP keys, and per-member overrides. */
const CREDENTIAL_KEYS = [
  'snmpVersion',
  'community',
  'snmpUser',
  'authProtocol',
  'authKey',
  'privProtocol',
  'privKey',
  'members',
] as const;

/**
 * The config with the agent's peer credentials from watch.credentialsFile, when it exists. The
 * agent's own config is group-readable (loadConfig refuses SNMP secrets there), so the secrets live
 * in a file only the agent's user may read; it is checked like ssh checks a key. Its `members`
 * entries override the secrets of the member with the same target; they add no member.
 */
export function withPeerCredentials(cfg: Config): Config {
  const file = cfg.watch.credentialsFile;
  if (!file) return cfg;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return cfg;
    throw new ConfigError(
      `${file}: cannot read the peer credentials (${code ?? (err as Error).message}); check its owner`,
    );
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077)
    throw new ConfigError(
      `${file}: the peer credentials are readable by others (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `run: chown <the agent's user> ${file} && chmod 0600 ${file}`,
    );
  let doc: unknown;
  try {
    doc = YAML.parse(text, { uniqueKeys: true }) ?? {};
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ConfigError(`${file}: the peer credentials must be a mapping of ${CREDENTIAL_KEYS.join(', ')}`);
  const extra = Object.keys(doc).filter((k) => !(CREDENTIAL_KEYS as readonly string[]).includes(k));
  if (extra.length) throw new ConfigError(`${file}: unknown key '${extra[0]}' (known: ${CREDENTIAL_KEYS.join(', ')})`);
  const creds = buildConfig({ init: doc }, file, cfg).init;
  const given = doc as Record<string, unknown>;
  const byTarget = new Map(creds.members.map((m) => [m.target, m]));
  const members =
    'members' in given
      ? cfg.init.members.map((m) => {
          const o = byTarget.get(m.target);
          return o ? { ...m, ...o } : m;
        })
      : cfg.init.members;
  const init = { ...cfg.init, members };
  for (const k of CREDENTIAL_KEYS) if (k !== 'members' && k in given) (init as Record<string, unknown>)[k] = creds[k];
  return { ...cfg, init };
}
