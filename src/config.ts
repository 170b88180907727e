// One typed Config, built once from the config file (YAML, so JSON works too) + flags + defaults,
// and validated at start. Errors name the file and the key and say what would be accepted.
// Nothing downstream reads process.env or argv: it takes this object.

import * as fs from 'node:fs';
import * as os from 'node:os';
import YAML from 'yaml';
import { ConfigError } from './errors';

// The one schema: every key's check and default, and the documentation of what it means. The
// Config type is derived from it, so a key cannot be typed, defaulted and validated in three places
// that drift apart: a key missing here is missing from Config, a compile error at every use.

/** What a key accepts: null when the value is fine, else what would be accepted (for the error). */
type Test = (v: unknown) => string | null;

/** One key of the config: its check, typed by what it lets through, and its default. */
class Field<T> {
  declare readonly type: T;
  constructor(
    readonly test: Test,
    /** A function for a default that must be fresh per call (a list the caller may change). */
    readonly fallback: () => T | undefined,
  ) {}
}

/** A check, typed by the values it accepts. */
interface Check<T> {
  readonly test: Test;
  readonly type?: T;
}
const check = <T>(test: Test): Check<T> => ({ test });

/** A key with a default. */
const key = <T>(c: Check<T>, fallback: NoInfer<T>): Field<T> => new Field<T>(c.test, () => structuredClone(fallback));
/** A key with no default: absent from the config unless set. */
const optional = <T>(c: Check<T>): Field<T | undefined> => new Field<T | undefined>(c.test, () => undefined);

const str = check<string>((v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string'));
const absPath = check<string>((v) => (typeof v === 'string' && v.startsWith('/') ? null : 'an absolute path'));
const bool = check<boolean>((v) => (typeof v === 'boolean' ? null : 'true or false'));
const ms = (min: number, max: number): Check<number> =>
  check((v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? null
      : `a whole number of milliseconds from ${min} to ${max}`,
  );
const strList = check<string[]>((v) =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0)
    ? null
    : 'a non-empty list of strings',
);
const absPaths = check<string[]>((v) =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' && s.startsWith('/')) ? null : 'a list of absolute paths',
);
const weight = check<number>((v) =>
  Number.isInteger(v) && (v as number) >= -254 && (v as number) <= 254
    ? null
    : 'a whole number from -254 to 254 (keepalived weights)',
);
const optPath = check<string>((v) =>
  v === '' || (typeof v === 'string' && v.startsWith('/')) ? null : 'an absolute path, or empty to disable',
);
const seconds = check<number>((v) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 31536000
    ? null
    : 'a whole number of seconds from 1 to 31536000',
);

/** A member as the config file may give it; a bare string is { target }. */
export interface MemberConfig {
  /** host[:port] of the member's snmpd. */
  target: string;
  community?: string;
  snmpUser?: string;
  authKey?: string;
  privKey?: string;
}
const MEMBER_KEYS: readonly (keyof MemberConfig)[] = ['target', 'community', 'snmpUser', 'authKey', 'privKey'];
/** Checked as strings or mappings; buildConfig turns every string into { target }. */
const members = check<MemberConfig[]>((v) => {
  if (!Array.isArray(v))
    return 'a list of host[:port] strings or mappings with target (and community, snmpUser, authKey, privKey)';
  for (const m of v as unknown[]) {
    if (typeof m === 'string' && m.length > 0) continue;
    if (
      m &&
      typeof m === 'object' &&
      typeof (m as MemberConfig).target === 'string' &&
      Object.keys(m).every((k) => (MEMBER_KEYS as readonly string[]).includes(k))
    )
      continue;
    return `a list of host[:port] strings or mappings with target (and community, snmpUser, authKey, privKey); bad entry ${JSON.stringify(m)}`;
  }
  return null;
});
const targets = check<string[]>((v) =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0) ? null : 'a list of host[:port] strings',
);
const anyStr = check<string>((v) => (typeof v === 'string' ? null : 'a string'));
const port = check<number>((v) =>
  Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536 ? null : 'a port number',
);
const count = (max: number): Check<number> =>
  check((v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max ? null : `a whole number from 0 to ${max}`,
  );
const oneOf = <const O extends readonly string[]>(...opts: O): Check<O[number]> =>
  check((v) => (opts.includes(v as string) ? null : `one of ${opts.join(', ')}`));
const master = check<string>((v) =>
  typeof v === 'string' && (v.startsWith('/') || /^tcp:.+:\d+$/.test(v) || v.startsWith('unix:/'))
    ? null
    : 'a unix socket path or tcp:HOST:PORT',
);
const listen = check<string>((v) => {
  const m = typeof v === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):(\d{1,5})$/.exec(v) : null;
  return v === '' || (m && Number(m[2]) >= 1 && Number(m[2]) <= 65535)
    ? null
    : "HOST:PORT ('127.0.0.1:9200'), ':PORT' for every address, '[::1]:PORT', or empty to disable";
});

/** The agent's SNMP credentials for its peers: readable only by the agent's user. */
export const DEFAULT_CREDENTIALS_FILE = '/etc/galera-agentx/peers.yaml';

const SCHEMA = {
  nodeName: new Field<string>(str.test, () => os.hostname()),
  /**
   * What this node is: data (a database server), or arbitrator (garbd: it votes in the quorum and
   * holds no data). An arbitrator's agent follows the garbd process and reads no MySQL, no
   * datadir position and no mark; galera-init on every data node then knows not to wait for it.
   */
  role: key(oneOf('data', 'arbitrator'), 'data'),
  datadir: key(absPath, '/var/lib/mysql'),
  mibFile: optional(absPath),
  /**
   * State that must outlive the datadir (the high-water mark): one owner, the agent (tmpfiles.d).
   * Never inside the datadir: a restored or replaced datadir must not take it along.
   */
  stateDir: key(absPath, '/var/lib/galera-agentx'),
  /** The initiator lock: created atomically by galera-init and by the recovery run. */
  lockFile: key(absPath, '/run/galera-agentx/galera-init.lock'),
  /** galera-init's round, written by galera-init, served by the agent; default: <lockFile>.state. */
  initStateFile: optional(absPath),
  /** Maintenance mode: on while the file is there (galera-check maintenance on|off); it survives a reboot. */
  maintenanceFile: key(absPath, '/var/lib/galera-agentx/maintenance'),
  agentx: {
    /** Unix socket path, or tcp:HOST:PORT, of the snmpd master (its agentxsocket). */
    master: key(master, '/var/agentx/master'),
    adminTimeoutMs: key(ms(100, 60000), 5000),
    pingIntervalMs: key(ms(1000, 3600000), 15000),
    reconnectMinMs: key(ms(10, 60000), 200),
    reconnectMaxMs: key(ms(100, 600000), 1000),
  },
  processes: {
    serverNames: key(strList, ['mariadbd', 'mysqld']),
    initiatorNames: key(strList, ['galera-init']),
    /** With role: arbitrator, the process galeraStatus follows instead of the server's. */
    arbitratorNames: key(strList, ['garbd']),
    /** The period of the process looks while a start or a stop is under way (a mark was seen). */
    scanIntervalMs: key(ms(20, 10000), 100),
    fullScanIntervalMs: key(ms(100, 600000), 60000),
    /** The backstop: every source is confirmed this often, and a start that leaves no mark is seen. */
    backstopMs: key(ms(100, 60000), 1000),
    /** Directories (besides the datadir and the lock's) where a server's start or stop leaves a mark. */
    watchDirs: key(absPaths, ['/run/mysqld']),
  },
  mysql: {
    enabled: key(bool, true),
    /** A my.cnf-style file whose [client] section holds user, password, socket or host/port. */
    optionFile: key(absPath, '/etc/galera-agentx/my.cnf'),
    refreshIntervalMs: key(ms(100, 600000), 1000),
    connectTimeoutMs: key(ms(100, 60000), 2000),
    queryTimeoutMs: key(ms(100, 60000), 2000),
  },
  recovery: {
    enabled: key(bool, true),
    /** argv of the recovery run; {datadir} is replaced. Never through a shell. */
    command: key(strList, [
      'mariadbd',
      '--wsrep-recover',
      '--disable-log-error',
      '--datadir={datadir}',
      '--user=mysql',
    ]),
    /**
     * Sized for a large InnoDB: the run applies the redo log before it can print the position, and
     * MariaDB's own unit gives the start that includes that run 900 s (TimeoutStartSec).
     */
    timeoutMs: key(ms(1000, 3600000), 600000),
    /**
     * When a recovery is stopped by prepared transactions, galera-init rolls them back
     * (--tc-heuristic-recover=rollback) before it joins a running cluster; never before a bootstrap
     * unless forced. Off: it waits and names the fix.
     */
    heuristicRollback: key(bool, false),
  },
  notifications: {
    /** A value must hold this long before it is reported: flapping is told once, with the final state. */
    holdMs: key(ms(0, 600000), 50),
  },
  window: {
    /** Below this replication window (seconds) galeraWindowLowAlarm is sent. */
    desiredSeconds: key(seconds, 3600),
    /** The spans of the short- and long-term write rates. */
    shortSpanSeconds: key(seconds, 60),
    longSpanSeconds: key(seconds, 3600),
  },
  mark: {
    /** Keep the high-water mark (galeraMark) and publish it; galera-init checks it before a bootstrap. */
    enabled: key(bool, true),
  },
  keepalived: {
    /** keepalived track_file path; empty: not written. */
    trackFile: key(optPath, ''),
    healthyWeight: key(weight, 0),
    unhealthyWeight: key(weight, -50),
    /** A Donor/Desynced node counts as healthy (clustercheck's available_when_donor). */
    donorIsHealthy: key(bool, false),
    /** A read_only node counts as healthy (clustercheck's available_when_readonly, default on there too). */
    readOnlyIsHealthy: key(bool, true),
    /** A node with wsrep_reject_queries ALL or ALL_KILL counts as healthy (it refuses every client query). */
    rejectQueriesIsHealthy: key(bool, false),
    /** A Donor with wsrep_sst_donor_rejects_queries ON counts as healthy when donorIsHealthy is on. */
    donorRejectsQueriesIsHealthy: key(bool, false),
  },
  /** The split-brain watch: the agent asks every member's agent for its component. */
  watch: {
    /** How often (one GET per member, off the SNMP request path); 0: off. */
    intervalSeconds: key(count(3600), 10),
    /**
     * The SNMP credentials for the members' agents (community, or the SNMPv3 user and keys, and
     * per-member overrides), in a file only the agent's user may read. Absent: init's keys.
     */
    credentialsFile: key(optPath, DEFAULT_CREDENTIALS_FILE),
    /** Written while this node is fenced, so galera-check healthy says so too; empty: not written. */
    fenceFile: key(optPath, '/run/galera-agentx/fenced'),
  },
  /** The datadir's filesystem (galeraDiskGroup). */
  disk: {
    /** galeraDiskSpaceLow (and galeraDiskLowAlarm) below this much free space, in percent; 0: never. */
    lowFreePercent: key(count(100), 10),
  },
  /** The clustercheck-style health endpoint; listen '' (the default): off. */
  http: { listen: key(listen, '') },
  log: { level: key(oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'), 'info') },
  init: {
    /** Every member's SNMP target, this node included; empty: from wsrep_cluster_address. */
    members: key(members, []),
    /**
     * Members that are arbitrators (garbd), as in init.members or wsrep_cluster_address: counted
     * for quorum, never waited for, never a bootstrap candidate. An arbitrator whose agent says
     * role: arbitrator needs no entry here.
     */
    arbitrators: key(targets, []),
    /** Which member is this node; empty: the member whose host is wsrep_node_address's. */
    self: key(anyStr, ''),
    /** The server's option file, read for wsrep_cluster_address / wsrep_node_address (includes followed). */
    serverConfig: key(absPath, '/etc/mysql/my.cnf'),
    snmpPort: key(port, 161),
    snmpVersion: key(oneOf('2c', '3'), '2c'),
    community: key(anyStr, 'public'),
    snmpUser: key(anyStr, ''),
    authProtocol: key(oneOf('sha', 'md5', 'sha256'), 'sha'),
    authKey: key(anyStr, ''),
    privProtocol: key(oneOf('aes', 'des'), 'aes'),
    privKey: key(anyStr, ''),
    snmpTimeoutMs: key(ms(100, 60000), 1000),
    snmpRetries: key(count(10), 2),
    pollIntervalMs: key(ms(100, 600000), 2000),
    force: key(bool, false),
    /** Proceed with a majority of answers after this long; 0: never (the default, and the safe one). */
    quorumAfterSeconds: key(count(86400), 0),
    joinCommand: key(strList, ['systemctl', 'start', 'mariadb']),
    bootstrapCommand: key(strList, ['galera_new_cluster']),
    startTimeoutSeconds: key(count(86400), 600),
    /**
     * A started server that is up but Disconnected from the cluster this long (Galera's "node
     * restart required", e.g. after a failed IST) is stopped and the decision made again; 0: never.
     */
    leftClusterSeconds: key(count(3600), 15),
    /** How many such restarts before giving up (exit 1). */
    restartAttempts: key(count(100), 2),
    /** Give up waiting after this long (exit 75); 0: wait for ever. */
    waitTimeoutSeconds: key(count(604800), 0),
    /**
     * The agent makes its own non-Primary server Primary (pc.bootstrap=YES) after this long, when
     * every other member's agent answers, none is Primary and this node is the most advanced;
     * 0: never (the default). Its MySQL user needs SUPER.
     */
    promoteNonPrimaryAfterSeconds: key(count(86400), 0),
    /**
     * galera-init --auto (galera-recover.timer) starts the decision once the server's unit has been
     * failed this long after a crash; 0: never. Never after a clean stop or an inconsistency.
     */
    autoRecoverAfterSeconds: key(count(86400), 30),
    /** At most this many automatic recoveries in autoRecoverWindowSeconds; then it stops and says so. */
    autoRecoverMaxAttempts: key(count(100), 3),
    autoRecoverWindowSeconds: key(seconds, 1800),
    /** The server's systemd unit, whose state tells a crash from a deliberate stop. */
    autoRecoverUnit: key(str, 'mariadb.service'),
    /** When the failure was first seen and when the recoveries ran (the state directory: survives a reboot). */
    autoRecoverStateFile: key(absPath, '/var/lib/galera-agentx/auto-recover.json'),
    /** galeraInitWaiting once galera-init has waited this long (and when the reason changes); 0: never. */
    notifyWaitingAfterSeconds: key(count(86400), 60),
  },
};

type Section = Record<string, Field<unknown>>;
type Schema = Record<string, Field<unknown> | Section>;

/** A key with no default is optional in the type, as it is absent from the built object. */
type Derived<S> = {
  [K in keyof S as S[K] extends Field<infer T> ? (undefined extends T ? never : K) : K]: S[K] extends Field<infer T>
    ? T
    : Derived<S[K]>;
} & {
  [K in keyof S as S[K] extends Field<infer T> ? (undefined extends T ? K : never) : never]?: S[K] extends Field<
    infer T
  >
    ? Exclude<T, undefined>
    : never;
};
type Flatten<T> = { [K in keyof T]: T[K] extends (infer E)[] ? E[] : T[K] extends object ? Flatten<T[K]> : T[K] };

/** The one typed config, derived from SCHEMA. */
export type Config = Flatten<Derived<typeof SCHEMA>>;

/**
 * The longest time the agent takes to show a change of the process table or the lock. A change
 * that leaves a mark (the lock, the server's files, socket and pid file) shows within
 * scanIntervalMs; one that leaves none waits for the backstop, and for its second look when the
 * first caught the PID between fork and exec. Plus 400 ms for the read and the recompute on a
 * loaded host. Published as galeraAgentDetectMs; galera-init waits for its own agent to show its
 * lock, at most a few times this long, before it asks the other members.
 */
export const detectLatencyMs = (cfg: Config): number =>
  Math.max(cfg.processes.scanIntervalMs, 2 * cfg.processes.backstopMs) + 400;

/** The shortest init.quorumAfterSeconds accepted (0 aside): longer than an agent's restart. */
export const QUORUM_MIN_SECONDS = 30;

/**
 * galera-init's state file: initStateFile, or `<lockFile>.state` (the runtime directory, and one per
 * instance where a host runs several, as the lock is).
 */
export const initStateFileOf = (cfg: Config): string => cfg.initStateFile ?? `${cfg.lockFile}.state`;

export const DEFAULT_CONFIG_FILE = '/etc/galera-agentx/config.yaml';

const defaultsOf = (s: Schema): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    const value = v instanceof Field ? v.fallback() : defaultsOf(v);
    if (value !== undefined) out[k] = value;
  }
  return out;
};

/** Every key's default, from SCHEMA. */
export function defaultConfig(): Config {
  return defaultsOf(SCHEMA) as Config;
}

/** Merges a parsed document over the defaults, collecting every error (not only the first). */
export function buildConfig(doc: unknown, source: string, base: Config = defaultConfig()): Config {
  const errors: string[] = [];
  if (doc === null || doc === undefined) return base;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`${source}: the top level must be a mapping of keys`);
  const schema: Schema = SCHEMA;
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    // Own keys only: "valueOf" or "__proto__" must be unknown keys, not Object.prototype's (fuzzing).
    const spec = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (!spec) {
      errors.push(`${source}: unknown key '${name}' (known: ${Object.keys(schema).join(', ')})`);
      continue;
    }
    if (spec instanceof Field) {
      const want = spec.test(value);
      if (want) errors.push(`${source}: '${name}' must be ${want}, got ${JSON.stringify(value)}`);
      else out[name] = value;
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${source}: '${name}' must be a mapping with keys ${Object.keys(spec).join(', ')}`);
      continue;
    }
    const section = out[name] as Record<string, unknown>;
    for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
      const field = Object.hasOwn(spec, sub) ? spec[sub] : undefined;
      if (!field) {
        errors.push(`${source}: unknown key '${name}.${sub}' (known: ${Object.keys(spec).join(', ')})`);
        continue;
      }
      const want = field.test(v);
      if (want) errors.push(`${source}: '${name}.${sub}' must be ${want}, got ${JSON.stringify(v)}`);
      else section[sub] = v;
    }
  }
  const cfg = out as unknown as Config;
  errors.push(...arbitratorRole(cfg, doc as Record<string, unknown>, source));
  if (cfg.mysql.enabled) {
    try {
      checkPrivateFile(cfg.mysql.optionFile, 'the MySQL option file');
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  cfg.init.members = (cfg.init.members as (MemberConfig | string)[]).map((m) =>
    typeof m === 'string' ? { target: m } : m,
  );
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
  // A mark inside the datadir goes with it when the datadir is restored or replaced: what it is for.
  const dd = cfg.datadir.replace(/\/+$/, '');
  if (cfg.stateDir === dd || cfg.stateDir.startsWith(`${dd}/`))
    errors.push(
      `${source}: 'stateDir' (${cfg.stateDir}) must not be inside the datadir (${cfg.datadir}): the high-water mark must outlive a restored datadir`,
    );
  if (cfg.processes.fullScanIntervalMs < cfg.processes.scanIntervalMs)
    errors.push(`${source}: 'processes.fullScanIntervalMs' must be at least 'processes.scanIntervalMs'`);
  if (errors.length) throw new ConfigError(errors.join('\n'));
  return cfg;
}

/**
 * role: arbitrator turns off what a garbd host has not got (a MySQL server, a datadir position, a
 * mark of its own) and follows garbd instead of the server; a file that turns one of those back on
 * contradicts itself, and is refused rather than half obeyed.
 */
function arbitratorRole(cfg: Config, doc: Record<string, unknown>, source: string): string[] {
  if (cfg.role !== 'arbitrator') return [];
  const given = (section: string, key: string): unknown => {
    const s = doc[section];
    return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>)[key] : undefined;
  };
  const errors = (['mysql', 'recovery', 'mark'] as const)
    .filter((s) => given(s, 'enabled') === true)
    .map((s) => `${source}: '${s}.enabled' must be false with role: arbitrator (garbd has no MySQL server or datadir)`);
  cfg.mysql.enabled = false;
  cfg.recovery.enabled = false;
  cfg.mark.enabled = false;
  return errors;
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
  const secrets = groupReadableSecrets(doc);
  if (secrets.length && fs.statSync(path).mode & 0o040)
    throw new ConfigError(
      `${path}: the config file is readable by its group and holds SNMP secrets (${secrets.join(', ')}); ` +
        `move them to watch.credentialsFile (${DEFAULT_CREDENTIALS_FILE} by default, readable only by the agent's user), ` +
        `or run: chmod g-rwx ${path}`,
    );
  return buildConfig(doc, path);
}

/**
 * The SNMP secrets a config document holds: a group-readable config (the agent's, read through
 * its group) must not, or every member of the group could read the peers' galera view.
 */
export function groupReadableSecrets(doc: unknown): string[] {
  const init = (doc as { init?: unknown } | null)?.init;
  if (!init || typeof init !== 'object') return [];
  const i = init as Record<string, unknown>;
  const out: string[] = [];
  if (typeof i.community === 'string' && i.community !== '' && i.community !== 'public') out.push('init.community');
  for (const k of ['authKey', 'privKey']) if (typeof i[k] === 'string' && i[k] !== '') out.push(`init.${k}`);
  if (Array.isArray(i.members))
    i.members.forEach((m: unknown, n) => {
      if (m && typeof m === 'object')
        for (const k of ['community', 'authKey', 'privKey'])
          if (typeof (m as Record<string, unknown>)[k] === 'string') out.push(`init.members[${n}].${k}`);
    });
  return out;
}
