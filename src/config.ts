// One typed Config, built once from the config file (YAML, so JSON works too) + flags + defaults,
// and validated at start. Errors name the file and the key and say what would be accepted.
// Nothing downstream reads process.env or argv: it takes this object.

import * as fs from 'node:fs';
import * as os from 'node:os';
import YAML from 'yaml';
import { ConfigError } from './errors';

export interface Config {
  nodeName: string;
  datadir: string;
  mibFile?: string;
  /** The initiator lock: created atomically by galera-init and by the recovery run. */
  lockFile: string;
  agentx: {
    /** Unix socket path, or tcp:HOST:PORT, of the snmpd master (its agentxsocket). */
    master: string;
    adminTimeoutMs: number;
    pingIntervalMs: number;
    reconnectMinMs: number;
    reconnectMaxMs: number;
  };
  processes: {
    serverNames: string[];
    initiatorNames: string[];
    scanIntervalMs: number;
    fullScanIntervalMs: number;
  };
  mysql: {
    enabled: boolean;
    /** A my.cnf-style file whose [client] section holds user, password, socket or host/port. */
    optionFile: string;
    refreshIntervalMs: number;
    connectTimeoutMs: number;
    queryTimeoutMs: number;
  };
  recovery: {
    enabled: boolean;
    /** argv of the recovery run; {datadir} is replaced. Never through a shell. */
    command: string[];
    timeoutMs: number;
  };
  notifications: {
    /** A value must hold this long before it is reported: flapping is told once, with the final state. */
    holdMs: number;
  };
  window: {
    /** Below this replication window (seconds) galeraWindowLowAlarm is sent. */
    desiredSeconds: number;
    /** The spans of the short- and long-term write rates. */
    shortSpanSeconds: number;
    longSpanSeconds: number;
  };
  keepalived: {
    /** keepalived track_file path; empty: not written. */
    trackFile: string;
    healthyWeight: number;
    unhealthyWeight: number;
    /** A Donor/Desynced node counts as healthy (clustercheck's available_when_donor). */
    donorIsHealthy: boolean;
  };
  /** The clustercheck-style health endpoint; listen '' (the default): off. */
  http: { listen: string };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' };
  init: InitConfig;
}

export interface MemberConfig {
  /** host[:port] of the member's snmpd. */
  target: string;
  community?: string;
  snmpUser?: string;
  authKey?: string;
  privKey?: string;
}

export interface InitConfig {
  /** Every member's SNMP target, this node included; empty: from wsrep_cluster_address. */
  members: MemberConfig[];
  /** Which member is this node; empty: the member whose host is wsrep_node_address's. */
  self: string;
  /** The server's option file, read for wsrep_cluster_address / wsrep_node_address (includes followed). */
  serverConfig: string;
  snmpPort: number;
  snmpVersion: '2c' | '3';
  community: string;
  snmpUser: string;
  authProtocol: 'sha' | 'md5' | 'sha256';
  authKey: string;
  privProtocol: 'aes' | 'des';
  privKey: string;
  snmpTimeoutMs: number;
  snmpRetries: number;
  pollIntervalMs: number;
  force: boolean;
  /** Proceed with a majority of answers after this long; 0: never (the default, and the safe one). */
  quorumAfterSeconds: number;
  joinCommand: string[];
  bootstrapCommand: string[];
  startTimeoutSeconds: number;
  /**
   * A started server that is up but Disconnected from the cluster this long (Galera's "node
   * restart required", e.g. after a failed IST) is stopped and the decision made again; 0: never.
   */
  leftClusterSeconds: number;
  /** How many such restarts before giving up (exit 1). */
  restartAttempts: number;
  /** Give up waiting after this long (exit 75); 0: wait for ever. */
  waitTimeoutSeconds: number;
  /**
   * The agent makes its own non-Primary server Primary (pc.bootstrap=YES) after this long, when
   * every other member's agent answers, none is Primary and this node is the most advanced;
   * 0: never (the default). Its MySQL user needs SUPER.
   */
  promoteNonPrimaryAfterSeconds: number;
}

/**
 * The longest time the agent takes to show a change of the process table or the lock: one scan
 * interval (both are polled at it), plus 400 ms for the read and the recompute on a loaded host.
 * Published as galeraAgentDetectMs; galera-init waits for its own agent to show its lock, at most a
 * few times this long, before it asks the other members.
 */
export const detectLatencyMs = (cfg: Config): number => cfg.processes.scanIntervalMs + 400;

/** The shortest init.quorumAfterSeconds accepted (0 aside): longer than an agent's restart. */
export const QUORUM_MIN_SECONDS = 30;

export const DEFAULT_CONFIG_FILE = '/etc/galera-agentx/config.yaml';

export function defaultConfig(): Config {
  return {
    nodeName: os.hostname(),
    datadir: '/var/lib/mysql',
    lockFile: '/run/galera-agentx/galera-init.lock',
    agentx: {
      master: '/var/agentx/master',
      adminTimeoutMs: 5000,
      pingIntervalMs: 15000,
      reconnectMinMs: 200,
      reconnectMaxMs: 1000,
    },
    processes: {
      serverNames: ['mariadbd', 'mysqld'],
      initiatorNames: ['galera-init'],
      scanIntervalMs: 100,
      fullScanIntervalMs: 60000,
    },
    mysql: {
      enabled: true,
      optionFile: '/etc/galera-agentx/my.cnf',
      refreshIntervalMs: 1000,
      connectTimeoutMs: 2000,
      queryTimeoutMs: 2000,
    },
    recovery: {
      enabled: true,
      command: ['mariadbd', '--wsrep-recover', '--disable-log-error', '--datadir={datadir}', '--user=mysql'],
      timeoutMs: 120000,
    },
    notifications: { holdMs: 50 },
    window: { desiredSeconds: 3600, shortSpanSeconds: 60, longSpanSeconds: 3600 },
    keepalived: { trackFile: '', healthyWeight: 0, unhealthyWeight: -50, donorIsHealthy: false },
    http: { listen: '' },
    log: { level: 'info' },
    init: {
      members: [],
      self: '',
      serverConfig: '/etc/mysql/my.cnf',
      snmpPort: 161,
      snmpVersion: '2c',
      community: 'public',
      snmpUser: '',
      authProtocol: 'sha',
      authKey: '',
      privProtocol: 'aes',
      privKey: '',
      snmpTimeoutMs: 1000,
      snmpRetries: 2,
      pollIntervalMs: 2000,
      force: false,
      quorumAfterSeconds: 0,
      joinCommand: ['systemctl', 'start', 'mariadb'],
      bootstrapCommand: ['galera_new_cluster'],
      startTimeoutSeconds: 600,
      leftClusterSeconds: 15,
      restartAttempts: 2,
      waitTimeoutSeconds: 0,
      promoteNonPrimaryAfterSeconds: 0,
    },
  };
}

type Check = (v: unknown) => string | null; // null when fine, else what was expected

const str: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string');
const absPath: Check = (v) => (typeof v === 'string' && v.startsWith('/') ? null : 'an absolute path');
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const ms =
  (min: number, max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? null
      : `a whole number of milliseconds from ${min} to ${max}`;
const strList: Check = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0)
    ? null
    : 'a non-empty list of strings';
const weight: Check = (v) =>
  Number.isInteger(v) && (v as number) >= -254 && (v as number) <= 254
    ? null
    : 'a whole number from -254 to 254 (keepalived weights)';
const optPath: Check = (v) =>
  v === '' || (typeof v === 'string' && v.startsWith('/')) ? null : 'an absolute path, or empty to disable';
const seconds: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 31536000
    ? null
    : 'a whole number of seconds from 1 to 31536000';
const members: Check = (v) => {
  if (!Array.isArray(v))
    return 'a list of host[:port] strings or mappings with target (and community, snmpUser, authKey, privKey)';
  for (const m of v as unknown[]) {
    if (typeof m === 'string' && m.length > 0) continue;
    if (
      m &&
      typeof m === 'object' &&
      typeof (m as MemberConfig).target === 'string' &&
      Object.keys(m).every((k) => ['target', 'community', 'snmpUser', 'authKey', 'privKey'].includes(k))
    )
      continue;
    return `a list of host[:port] strings or mappings with target (and community, snmpUser, authKey, privKey); bad entry ${JSON.stringify(m)}`;
  }
  return null;
};
const anyStr: Check = (v) => (typeof v === 'string' ? null : 'a string');
const port: Check = (v) => (Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536 ? null : 'a port number');
const count =
  (max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max ? null : `a whole number from 0 to ${max}`;
const oneOf =
  (...opts: string[]): Check =>
  (v) =>
    opts.includes(v as string) ? null : `one of ${opts.join(', ')}`;
const master: Check = (v) =>
  typeof v === 'string' && (v.startsWith('/') || /^tcp:.+:\d+$/.test(v) || v.startsWith('unix:/'))
    ? null
    : 'a unix socket path or tcp:HOST:PORT';

const listen: Check = (v) => {
  const m = typeof v === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):(\d{1,5})$/.exec(v) : null;
  return v === '' || (m && Number(m[2]) >= 1 && Number(m[2]) <= 65535)
    ? null
    : "HOST:PORT ('127.0.0.1:9200'), ':PORT' for every address, '[::1]:PORT', or empty to disable";
};

const SCHEMA: Record<string, Check | Record<string, Check>> = {
  nodeName: str,
  datadir: absPath,
  mibFile: absPath,
  lockFile: absPath,
  agentx: {
    master,
    adminTimeoutMs: ms(100, 60000),
    pingIntervalMs: ms(1000, 3600000),
    reconnectMinMs: ms(10, 60000),
    reconnectMaxMs: ms(100, 600000),
  },
  processes: {
    serverNames: strList,
    initiatorNames: strList,
    scanIntervalMs: ms(20, 10000),
    fullScanIntervalMs: ms(100, 600000),
  },
  mysql: {
    enabled: bool,
    optionFile: absPath,
    refreshIntervalMs: ms(100, 600000),
    connectTimeoutMs: ms(100, 60000),
    queryTimeoutMs: ms(100, 60000),
  },
  recovery: { enabled: bool, command: strList, timeoutMs: ms(1000, 3600000) },
  notifications: { holdMs: ms(0, 600000) },
  window: { desiredSeconds: seconds, shortSpanSeconds: seconds, longSpanSeconds: seconds },
  keepalived: { trackFile: optPath, healthyWeight: weight, unhealthyWeight: weight, donorIsHealthy: bool },
  http: { listen },
  log: { level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace') },
  init: {
    members,
    self: anyStr,
    serverConfig: absPath,
    snmpPort: port,
    snmpVersion: oneOf('2c', '3'),
    community: anyStr,
    snmpUser: anyStr,
    authProtocol: oneOf('sha', 'md5', 'sha256'),
    authKey: anyStr,
    privProtocol: oneOf('aes', 'des'),
    privKey: anyStr,
    snmpTimeoutMs: ms(100, 60000),
    snmpRetries: count(10),
    pollIntervalMs: ms(100, 600000),
    force: bool,
    quorumAfterSeconds: count(86400),
    joinCommand: strList,
    bootstrapCommand: strList,
    startTimeoutSeconds: count(86400),
    leftClusterSeconds: count(3600),
    restartAttempts: count(100),
    waitTimeoutSeconds: count(604800),
    promoteNonPrimaryAfterSeconds: count(86400),
  },
};

/** Merges a parsed document over the defaults, collecting every error (not only the first). */
export function buildConfig(doc: unknown, source: string, base: Config = defaultConfig()): Config {
  const errors: string[] = [];
  if (doc === null || doc === undefined) return base;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`${source}: the top level must be a mapping of keys`);
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    // Own keys only: "valueOf" or "__proto__" must be unknown keys, not Object.prototype's (fuzzing).
    const spec = Object.hasOwn(SCHEMA, key) ? SCHEMA[key] : undefined;
    if (!spec) {
      errors.push(`${source}: unknown key '${key}' (known: ${Object.keys(SCHEMA).join(', ')})`);
      continue;
    }
    if (typeof spec === 'function') {
      const want = spec(value);
      if (want) errors.push(`${source}: '${key}' must be ${want}, got ${JSON.stringify(value)}`);
      else out[key] = value;
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${source}: '${key}' must be a mapping with keys ${Object.keys(spec).join(', ')}`);
      continue;
    }
    const section = out[key] as Record<string, unknown>;
    for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
      const check = Object.hasOwn(spec, sub) ? spec[sub] : undefined;
      if (!check) {
        errors.push(`${source}: unknown key '${key}.${sub}' (known: ${Object.keys(spec).join(', ')})`);
        continue;
      }
      const want = check(v);
      if (want) errors.push(`${source}: '${key}.${sub}' must be ${want}, got ${JSON.stringify(v)}`);
      else section[sub] = v;
    }
  }
  const cfg = out as unknown as Config;
  if (cfg.mysql.enabled) {
    try {
      checkPrivateFile(cfg.mysql.optionFile, 'the MySQL option file');
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  cfg.init.members = cfg.init.members.map((m) => (typeof m === 'string' ? { target: m } : m));
  if (cfg.agentx.reconnectMinMs > cfg.agentx.reconnectMaxMs)
    errors.push(`${source}: 'agentx.reconnectMinMs' must not exceed 'agentx.reconnectMaxMs'`);
  if (cfg.window.shortSpanSeconds > cfg.window.longSpanSeconds)
    errors.push(`${source}: 'window.shortSpanSeconds' must not exceed 'window.longSpanSeconds'`);
  // The quorum policy bootstraps past members that are silent; no delay makes that safe when a
  // silent member's server runs (README, "The quorum policy"). A delay shorter than an agent
  // restart or a few rounds of lost answers passes members that are merely slow to answer.
  const quorum = cfg.init.quorumAfterSeconds;
  const roundSeconds = (cfg.init.snmpTimeoutMs * (cfg.init.snmpRetries + 1) + cfg.init.pollIntervalMs) / 1000;
  if (quorum > 0 && quorum < Math.max(QUORUM_MIN_SECONDS, 5 * roundSeconds))
    errors.push(
      `${source}: 'init.quorumAfterSeconds' must be 0 (off) or at least ${Math.max(QUORUM_MIN_SECONDS, Math.ceil(5 * roundSeconds))} ` +
        `(${QUORUM_MIN_SECONDS} s, and five rounds of asking at snmpTimeoutMs x (snmpRetries + 1) + pollIntervalMs); ` +
        'it assumes a member silent that long is down, not running cut off: see "The quorum policy" in the README',
    );
  if (cfg.processes.fullScanIntervalMs < cfg.processes.scanIntervalMs)
    errors.push(`${source}: 'processes.fullScanIntervalMs' must be at least 'processes.scanIntervalMs'`);
  if (errors.length) throw new ConfigError(errors.join('\n'));
  return cfg;
}

/**
 * Refuses a secret-bearing file that other users may read or anyone may write, like ssh does with
 * keys: the config can hold SNMP communities and keys, the option file the MySQL password.
 */
export function checkPrivateFile(path: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    return;
  } // absence is judged elsewhere
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  if (st.mode & 0o002)
    throw new ConfigError(`${path}: ${what} is writable by every user (mode ${mode}); run: chmod o-rwx ${path}`);
  if (st.mode & 0o004)
    throw new ConfigError(
      `${path}: ${what} is readable by every user (mode ${mode}) and may hold secrets; run: chmod o-rwx ${path}`,
    );
}

/**
 * Reads the config file. A missing file is fine only when it is the default path (every key has a
 * default); a file named on the command line must exist.
 */
export function loadConfig(file: string | undefined): Config {
  const path = file ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && file === undefined) return defaultConfig();
    throw new ConfigError(
      `${path}: cannot read the config file (${e.code ?? e.message}); ` +
        (e.code === 'ENOENT' ? 'create it from config-sample.yaml or pass --config' : 'check its permissions'),
    );
  }
  checkPrivateFile(path, 'the config file');
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return buildConfig(doc, path);
}
